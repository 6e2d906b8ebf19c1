//! The alerts of an exchange folder's flow, as `run`, `watch` and `serve` raise them: the
//! conditions [`crate::monitor`] judges in a snapshot (the very snapshot and thresholds of
//! `status --check`, so the two never disagree), handed to a [`Dispatcher`] that delivers them
//! beside the exchange. `run` evaluates once after its exchange; `watch` and `serve` at start and
//! then every [`DEFAULT_CHECK_EVERY`] (`[alerts] check_every_seconds`) on a thread of their own.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::Utc;

use super::{Condition, Deliver, Delivery, Dispatcher, Said, Settings, State};
use crate::monitor::{self, Snapshot, judge};
use crate::report::{Level, Log};
use crate::stop::Stop;

/// How often `watch` and `serve` look at the flow: thresholds are minutes and hours, and a
/// look reads the ledger's counts and the disk's free space, which costs next to nothing.
pub const DEFAULT_CHECK_EVERY: Duration = Duration::from_secs(60);
/// How long a stopping `watch` or `serve` lets a delivery in hand finish: as long as serve
/// gives the requests in flight.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// What `run`, `watch` and `serve` alert on: the channels, the flow and its thresholds as
/// `status --check` judges them, and how often `watch` and `serve` look.
#[derive(Debug, Clone)]
pub struct Setup {
    pub channels: Settings,
    pub flow: monitor::Settings,
    /// Where what was told is kept: the exchange folder's ledger.
    pub ledger: PathBuf,
    pub every: Duration,
}

impl From<&monitor::Condition> for Condition {
    fn from(condition: &monitor::Condition) -> Condition {
        let said = |text: &monitor::Text| Said {
            ru: text.ru.clone(),
            en: text.en.clone(),
        };
        Condition {
            name: condition.name.to_string(),
            summary: said(&condition.summary),
            details: said(&condition.details),
        }
    }
}

/// The conditions that hold in the flow now, as the alerts take them; why not when the
/// snapshot cannot be taken.
pub fn conditions(flow: &monitor::Settings) -> Result<Vec<Condition>, monitor::SnapshotError> {
    let snapshot = Snapshot::take(&flow.parts, Utc::now())?;
    Ok(judge(&snapshot, &flow.thresholds)
        .iter()
        .map(Condition::from)
        .collect())
}

/// The alerts of one exchange folder being evaluated: looks at the flow and hands what it
/// finds to the delivering thread.
pub struct Evaluator {
    flow: monitor::Settings,
    dispatcher: Dispatcher,
    bound: Duration,
    log: Arc<Log>,
}

impl Evaluator {
    /// Starts the delivering thread, whose outcomes go to `log`.
    pub fn start(setup: Setup, log: Arc<Log>) -> Evaluator {
        let bound = setup.channels.bound();
        let alerts = super::Alerts::new(&setup.flow.parts.folder, setup.channels);
        let told = Arc::clone(&log);
        let dispatcher = Dispatcher::start(
            alerts,
            setup.ledger,
            Box::new(move |result| report(&told, result)),
        );
        Evaluator {
            flow: setup.flow,
            dispatcher,
            bound,
            log,
        }
    }

    /// Looks at the flow now and hands the conditions over; returns at once. A snapshot that
    /// cannot be taken is logged, and the next look tries again.
    pub fn evaluate(&self) {
        match conditions(&self.flow) {
            Ok(conditions) => {
                self.log.note(
                    Level::Detail,
                    format_args!(
                        "alerts: {}: {}",
                        self.flow.parts.folder.display(),
                        holding(&conditions)
                    ),
                );
                self.dispatcher.evaluate(conditions, Utc::now());
            }
            Err(err) => self.log.note(
                Level::Problem,
                format_args!("alerts: cannot look at the flow: {err}; looking again later"),
            ),
        }
    }

    /// `run`'s one evaluation: waits until its messages are delivered (or have failed), at
    /// most as long as the channels may take.
    pub fn once(self) {
        self.evaluate();
        if !self.dispatcher.settle(self.bound) {
            self.log.note(
                Level::Problem,
                "alerts: a message is still being delivered; the next run delivers it again",
            );
        }
        self.dispatcher.finish(Duration::ZERO);
    }

    /// `watch`'s and `serve`'s: evaluates now and then every `every` on a thread of its own,
    /// until `stop` is requested; the delivery in hand then gets [`STOP_GRACE`].
    pub fn every(self, every: Duration, stop: Stop) -> JoinHandle<()> {
        std::thread::Builder::new()
            .name("alerts-timer".into())
            .spawn(move || {
                self.log.note(
                    Level::File,
                    format_args!(
                        "alerts: looking at the flow of {} every {} s",
                        self.flow.parts.folder.display(),
                        every.as_secs_f64()
                    ),
                );
                loop {
                    self.evaluate();
                    if stop.wait_timeout(every) {
                        break;
                    }
                }
                let Evaluator {
                    dispatcher, log, ..
                } = self;
                if !dispatcher.finish(STOP_GRACE) {
                    log.note(
                        Level::Problem,
                        "alerts: stopped while a message was being delivered; the next start \
                         delivers it again",
                    );
                }
            })
            .expect("a thread can be started")
    }
}

/// What an evaluation found, for the detail log: the conditions' names, or that none holds.
fn holding(conditions: &[Condition]) -> String {
    if conditions.is_empty() {
        return "nothing wrong".to_string();
    }
    let names: Vec<&str> = conditions.iter().map(|c| c.name.as_str()).collect();
    format!("holds {}", names.join(", "))
}

/// One evaluation's deliveries, each told: a message delivered, or why not (tried again at
/// the next evaluation).
fn report(log: &Log, result: Result<Vec<Delivery>, crate::ledger::Error>) {
    let deliveries = match result {
        Ok(deliveries) => deliveries,
        Err(err) => {
            log.note(
                Level::Problem,
                format_args!("alerts: cannot use the ledger: {err}; trying again later"),
            );
            return;
        }
    };
    for delivery in deliveries {
        let alert = &delivery.alert;
        let what = match alert.state {
            State::Firing => "alert",
            State::Resolved => "resolved",
        };
        match &delivery.result {
            Ok(()) => log.note(
                Level::Summary,
                format_args!(
                    "alerts: {what} {} sent by {}: {}",
                    alert.condition,
                    delivery.channel.as_str(),
                    alert.subject
                ),
            ),
            Err(err) => log.note(
                Level::Problem,
                format_args!(
                    "alerts: {what} {} not sent by {}: {err}; trying again at the next look",
                    alert.condition,
                    delivery.channel.as_str()
                ),
            ),
        }
    }
}
