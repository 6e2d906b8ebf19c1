//! `bachata1c watch`: keep converting inbox files as they arrive (a service). Scans at start,
//! on every event, and on a timer; a folder error is logged and retried, not fatal.

use std::time::Duration;

use super::Exit;
use super::run::open_log;
use crate::cli::WatchArgs;
use crate::exchange::{self, DEFAULT_POLL_RESCAN, Exchange};
use crate::report::Level;
use crate::retention::{Keeper, Places, Policy};
use crate::settings;
use crate::stop::Stop;
use crate::trigger::Trigger;

pub fn run(args: &WatchArgs) -> Exit {
    let settings = match settings::watch(args) {
        Ok(settings) => settings,
        Err(err) => return super::run::unusable(err, &args.run.log),
    };
    let alerting = match settings::alerting(&args.run.folders) {
        Ok(alerting) => alerting,
        Err(err) => return super::run::unusable(err, &args.run.log),
    };
    let policy = match settings::retention(&args.run.folders) {
        Ok(policy) => policy,
        Err(err) => return super::run::unusable(err, &args.run.log),
    };
    let stop = Stop::new();
    stop.on_signals(|| {});
    let alerts = super::alerting::every(alerting, &settings.exchange.log, &stop);
    let exit = watch(&settings, policy, &stop);
    super::alerting::end(alerts, &stop);
    exit
}

/// The watch loop until `stop` is requested (by a signal, or by `serve` shutting down); what
/// is past its days goes by `policy`, once a day, between scans.
pub fn watch(settings: &exchange::Watch, policy: Policy, stop: &Stop) -> Exit {
    let Some(log) = open_log(&settings.exchange.log) else {
        return Exit::Unusable;
    };
    let mut exchange = match Exchange::open(&settings.exchange, &log, stop) {
        Ok(exchange) => exchange,
        Err(err) => {
            log.note(Level::Problem, err);
            return Exit::Unusable;
        }
    };
    let inbox = &settings.exchange.folders.inbox;
    // Without events (no inotify instances left, an exotic file system) the timer still works.
    let (mut trigger, poll, rescan) = match Trigger::new(inbox, settings.poll, stop) {
        Ok(trigger) => (trigger, settings.poll, settings.rescan),
        Err(err) => {
            let rescan = settings.rescan.min(DEFAULT_POLL_RESCAN);
            log.note(
                Level::Problem,
                format_args!("{err}; polling every {} s instead", rescan.as_secs_f64()),
            );
            match Trigger::new(inbox, true, stop) {
                Ok(trigger) => (trigger, true, rescan),
                Err(err) => {
                    log.note(Level::Problem, err);
                    exchange.close();
                    return Exit::Unusable;
                }
            }
        }
    };
    log.note(
        Level::File,
        format_args!(
            "watching {} ({}, scan at least every {} s)",
            inbox.display(),
            if poll { "polling" } else { "events" },
            rescan.as_secs_f64()
        ),
    );
    let mut backoff = Backoff::new(rescan);
    let mut retention = Keeper::new(policy, Places::of(&settings.exchange.folders));
    while !stop.is_requested() {
        // The tally counts files waiting in the latest scan, not every look at them.
        exchange.tally.waiting = 0;
        let result = exchange.repair().and_then(|recreated| {
            // A recreated inbox is a new folder: the old watch on it sees nothing any more.
            if recreated && let Err(err) = trigger.rewatch(inbox) {
                log.note(Level::Problem, err);
            }
            exchange.recover()?;
            exchange.scan()
        });
        if stop.is_requested() {
            break;
        }
        // Also after a failed scan: on a full disk, what is past its days is room.
        retention.tend(&log);
        match result {
            Ok(()) => {
                backoff.reset();
                // Files not complete yet are looked at again soon, not only at the next timer.
                let timeout = if exchange.tally.waiting > 0 {
                    settings
                        .exchange
                        .settle
                        .unwrap_or(exchange::RECHECK)
                        .max(Duration::from_millis(200))
                        .min(rescan)
                } else {
                    rescan
                };
                trigger.wait(timeout);
            }
            Err(err) => {
                // One line per attempt, and truly that long before the next: the events our
                // own give-backs cause must not turn a full disk into a busy loop.
                let pause = backoff.next();
                log.note(
                    Level::Problem,
                    format_args!("{err}; trying again in {} s", pause.as_secs_f64()),
                );
                trigger.pause(pause);
            }
        }
    }
    log.note(Level::Summary, format_args!("stopped; {}", exchange.tally));
    exchange.close();
    Exit::Success
}

/// Waits after a failed pass: 1 s, then twice as long each time it fails again, up to the
/// rescan interval; back to 1 s once a pass succeeds.
struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    fn new(max: Duration) -> Backoff {
        Backoff {
            next: Duration::from_secs(1),
            max: max.max(Duration::from_secs(1)),
        }
    }

    fn next(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(self.max);
        pause
    }

    fn reset(&mut self) {
        self.next = Duration::from_secs(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_passes_wait_longer_each_time_up_to_the_rescan_interval() {
        let mut backoff = Backoff::new(Duration::from_secs(5));
        let waits: Vec<u64> = (0..5).map(|_| backoff.next().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
        backoff.reset();
        assert_eq!(backoff.next().as_secs(), 1);
    }
}
