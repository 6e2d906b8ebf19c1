//! Alerts without a monitor: the conditions `run`, `watch` and `serve` find wrong (leads waiting
//! too long, 1C silent, …) told to a person through the dealer's own command ([`command`]) or
//! by mail ([`email`]). Each condition fires once, repeats at most every `repeat` while it
//! holds and is resolved when it clears ([`machine`]); what was told is kept in the ledger, so
//! a restart does not alert again, and a message that could not be delivered is delivered at
//! the next evaluation. [`text`] frames every message in Russian and English; [`dispatch`]
//! runs the evaluations beside the exchange, which never waits for a mail server; [`flow`]
//! takes the conditions from [`crate::monitor`], as `status --check` judges them.

pub mod command;
pub mod dispatch;
pub mod email;
pub mod flow;
pub mod machine;
pub mod text;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use command::{CommandError, CommandSettings};
pub use dispatch::Dispatcher;
pub use email::{EmailError, EmailSettings, Login, Security};

use crate::ledger::Ledger;
pub use crate::ledger::alerts::{Said, State};

/// A condition that still holds is told again at most this often: twice in a working day.
pub const DEFAULT_REPEAT: Duration = Duration::from_secs(4 * 60 * 60);
/// The alert command may run this long before it is killed.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// The alert command's environment: the condition, `firing` or `resolved`, the subject line
/// and the exchange folder.
pub const ALERT_VARIABLE: &str = "BACHATA1C_ALERT";
pub const STATE_VARIABLE: &str = "BACHATA1C_ALERT_STATE";
pub const SUBJECT_VARIABLE: &str = "BACHATA1C_ALERT_SUBJECT";
pub const FOLDER_VARIABLE: &str = "BACHATA1C_ALERT_FOLDER";
/// Beyond the channels' own time limits, how long a message being delivered is left to its
/// evaluator before another one (after a crash) takes it over.
const LEASE_MARGIN: Duration = Duration::from_secs(60);
/// The SMTP steps of one mail (connect, greeting, EHLO, STARTTLS, EHLO, AUTH, MAIL, DATA,
/// the text, QUIT) besides one RCPT per recipient, each within its timeout.
const SMTP_STEPS: u32 = 10;

/// A condition that holds now, as its check words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// A stable identifier of lower-case letters, digits and `_` (`leads_waiting`): the
    /// ledger's key and the command's `BACHATA1C_ALERT`. Never reworded.
    pub name: String,
    /// One line for the subject: «3 лида ждут 1С дольше 2 ч» / «3 leads have waited for 1C
    /// over 2 h».
    pub summary: Said,
    /// What is wrong and what to do, a few lines; shown while the condition holds.
    pub details: Said,
}

/// One message to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub condition: String,
    pub state: State,
    /// The exchange folder it concerns.
    pub folder: PathBuf,
    pub subject: String,
    pub text: String,
}

/// A way of telling a person; each keeps its own state, so one that fails does not make the
/// other repeat itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    Command,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Command => "command",
            Channel::Email => "email",
        }
    }
}

/// `[alerts]`: the channels set up and how often a condition is told again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub command: Option<CommandSettings>,
    pub email: Option<EmailSettings>,
    pub repeat: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            command: None,
            email: None,
            repeat: DEFAULT_REPEAT,
        }
    }
}

/// A message that could not be delivered; the next evaluation tries again.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Email(#[from] EmailError),
}

/// What delivers a message over a channel: the channels set up, or a stand-in in tests.
pub trait Deliver {
    /// The channels to tell, in order.
    fn channels(&self) -> Vec<Channel>;
    /// The longest one round of deliveries over every channel may take.
    fn bound(&self) -> Duration;
    fn deliver(&self, channel: Channel, alert: &Alert) -> Result<(), DeliveryError>;
}

impl Deliver for Settings {
    fn channels(&self) -> Vec<Channel> {
        let mut channels = Vec::new();
        if self.command.is_some() {
            channels.push(Channel::Command);
        }
        if self.email.is_some() {
            channels.push(Channel::Email);
        }
        channels
    }

    fn bound(&self) -> Duration {
        let command = self.command.as_ref().map_or(Duration::ZERO, |c| c.timeout);
        let email = self.email.as_ref().map_or(Duration::ZERO, |e| {
            e.timeout * (SMTP_STEPS + u32::try_from(e.to.len()).unwrap_or(u32::MAX))
        });
        command + email
    }

    fn deliver(&self, channel: Channel, alert: &Alert) -> Result<(), DeliveryError> {
        match (channel, &self.command, &self.email) {
            (Channel::Command, Some(command), _) => Ok(command::run(command, alert)?),
            (Channel::Email, _, Some(email)) => Ok(email::send(email, alert)?),
            // Not set up: nothing to tell there (the channel is not in `channels`).
            _ => Ok(()),
        }
    }
}

/// What one delivery came to.
#[derive(Debug)]
pub struct Delivery {
    pub channel: Channel,
    pub alert: Alert,
    pub result: Result<(), DeliveryError>,
}

/// The alerts of one exchange folder.
#[derive(Debug, Clone)]
pub struct Alerts<D> {
    folder: PathBuf,
    host: String,
    repeat: chrono::Duration,
    deliver: D,
}

impl Alerts<Settings> {
    /// The alerts of the exchange folder `folder` through the channels `settings` set up.
    pub fn new(folder: &Path, settings: Settings) -> Alerts<Settings> {
        let repeat = settings.repeat;
        Alerts::with_delivery(folder, repeat, settings)
    }
}

impl<D: Deliver> Alerts<D> {
    pub fn with_delivery(folder: &Path, repeat: Duration, deliver: D) -> Alerts<D> {
        Alerts {
            folder: folder.to_path_buf(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            repeat: chrono::Duration::from_std(repeat).unwrap_or(chrono::Duration::MAX),
            deliver,
        }
    }

    /// Whether any channel is set up: without one there is nothing to evaluate.
    pub fn enabled(&self) -> bool {
        !self.deliver.channels().is_empty()
    }

    /// One evaluation at `now`, with the conditions that hold now: decides what is due, delivers
    /// it, and records what got through. Returns every delivery tried, for the caller's log;
    /// an error is the ledger's (nothing was delivered unrecorded before it, except when the
    /// recording itself failed: then the message is delivered again later, never lost).
    pub fn evaluate(
        &self,
        ledger: &mut Ledger,
        conditions: &[Condition],
        now: DateTime<Utc>,
    ) -> Result<Vec<Delivery>, crate::ledger::Error> {
        let channels = self.deliver.channels();
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let lease = chrono::Duration::from_std(self.deliver.bound() + LEASE_MARGIN)
            .unwrap_or(chrono::Duration::MAX);
        let framing = text::Framing {
            condition: "",
            folder: &self.folder,
            host: &self.host,
            repeat: self.repeat,
        };
        let due = ledger.update_alerts(|rows| {
            let mut due = Vec::new();
            for &channel in &channels {
                let mut names: BTreeSet<String> =
                    conditions.iter().map(|c| c.name.clone()).collect();
                names.extend(
                    rows.keys()
                        .filter(|(_, c)| c == channel.as_str())
                        .map(|(name, _)| name.clone()),
                );
                for name in names {
                    let holding = conditions.iter().find(|c| c.name == name);
                    let key = (name.clone(), channel.as_str().to_string());
                    let step = machine::step(
                        rows.get(&key),
                        holding.map(|c| &c.summary),
                        now,
                        self.repeat,
                    );
                    let Some(mut row) = step.row else {
                        continue;
                    };
                    if step.due {
                        row.sending_until = Some(now + lease);
                        let framing = text::Framing {
                            condition: &name,
                            ..framing
                        };
                        let (subject, text) = framing.render(&row, holding.map(|c| &c.details));
                        due.push((
                            channel,
                            Alert {
                                condition: name.clone(),
                                state: row.state,
                                folder: self.folder.clone(),
                                subject,
                                text,
                            },
                        ));
                    }
                    rows.insert(key, row);
                }
            }
            due
        })?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let deliveries: Vec<Delivery> = due
            .into_iter()
            .map(|(channel, alert)| Delivery {
                result: self.deliver.deliver(channel, &alert),
                channel,
                alert,
            })
            .collect();
        ledger.update_alerts(|rows| {
            for delivery in &deliveries {
                let key = (
                    delivery.alert.condition.clone(),
                    delivery.channel.as_str().to_string(),
                );
                if let Some(row) = rows.get_mut(&key) {
                    match delivery.result {
                        Ok(()) => machine::delivered(row, delivery.alert.state, now),
                        Err(_) => machine::failed(row),
                    }
                }
            }
        })?;
        Ok(deliveries)
    }
}

#[cfg(test)]
mod tests;
