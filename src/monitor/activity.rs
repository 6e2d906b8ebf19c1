//! When 1C and Bachata were last heard from: `serve` notes each in memory as it happens and
//! writes them to `state/activity.json` at most every [`FLUSH_EVERY`] and when it stops, so that
//! `status --check` (another process) sees them, across restarts, without a durable write per
//! request. What it reads lags `serve` by at most that much; a `serve` killed outright loses
//! at most that much. Times are kept to the second.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// The record's name in the state folder.
pub const FILE_NAME: &str = "activity.json";
/// The longest a noted time stays in memory only.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);
/// The record is a few dozen bytes: anything much larger is not ours.
const MAX_BYTES: u64 = 64 * 1024;

/// The last times each side was heard from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Seen {
    /// 1C's last request within a session (or its right login): 1C's «Обмен с сайтом» ran.
    pub last_1c_request: Option<DateTime<Utc>>,
    /// The last webhook whose body was received after a right login (saved, or refused into
    /// failed/).
    pub last_webhook: Option<DateTime<Utc>>,
}

impl Seen {
    /// The later of each time: two writers (or a record restored from a backup) never move a
    /// time back.
    fn latest(self, other: Seen) -> Seen {
        Seen {
            last_1c_request: self.last_1c_request.max(other.last_1c_request),
            last_webhook: self.last_webhook.max(other.last_webhook),
        }
    }
}

/// The record cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    File(#[from] crate::files::Error),
    #[error("{}: not an activity record of bachata1c ({reason}); remove it, serve writes it again", path.display())]
    Invalid { path: PathBuf, reason: String },
}

/// The record in `state`; nothing yet when it is not there.
pub fn read(state: &Path) -> Result<Seen, Error> {
    let path = state.join(FILE_NAME);
    let bytes = match crate::files::read_at_most(&path, MAX_BYTES) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Seen::default()),
        Err(err) => return Err(err.into()),
    };
    serde_json::from_slice(&bytes).map_err(|err| Error::Invalid {
        path,
        reason: err.to_string(),
    })
}

/// What `serve` heard, and whether it has been written since.
#[derive(Debug)]
pub struct Activity {
    state: PathBuf,
    noted: Mutex<Noted>,
}

#[derive(Debug, Default)]
struct Noted {
    seen: Seen,
    unwritten: bool,
}

impl Activity {
    /// The record of `state`, starting from what it holds (an unreadable one is started anew,
    /// and the reason returned for the log).
    pub fn open(state: &Path) -> (Activity, Option<Error>) {
        let (seen, problem) = match read(state) {
            Ok(seen) => (seen, None),
            Err(err) => (Seen::default(), Some(err)),
        };
        let activity = Activity {
            state: state.to_path_buf(),
            noted: Mutex::new(Noted {
                seen,
                unwritten: false,
            }),
        };
        (activity, problem)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Noted> {
        crate::lock::lock(&self.noted)
    }

    pub fn heard_from_1c(&self, at: DateTime<Utc>) {
        let mut noted = self.lock();
        noted.seen.last_1c_request = noted.seen.last_1c_request.max(Some(at.trunc_subsecs(0)));
        noted.unwritten = true;
    }

    pub fn webhook_received(&self, at: DateTime<Utc>) {
        let mut noted = self.lock();
        noted.seen.last_webhook = noted.seen.last_webhook.max(Some(at.trunc_subsecs(0)));
        noted.unwritten = true;
    }

    /// What was heard, the latest included.
    pub fn seen(&self) -> Seen {
        self.lock().seen
    }

    /// Writes the record when something was noted since the last write: merged with what the
    /// file holds, atomically (a reader sees the old record or the new one).
    pub fn flush(&self) -> Result<(), Error> {
        let seen = {
            let mut noted = self.lock();
            if !noted.unwritten {
                return Ok(());
            }
            noted.unwritten = false;
            noted.seen
        };
        let merged = read(&self.state).unwrap_or_default().latest(seen);
        let text = serde_json::to_vec_pretty(&merged).expect("times serialize");
        let written = crate::files::write_atomic(&self.state, FILE_NAME, &text);
        if written.is_err() {
            // Tried again at the next flush.
            self.lock().unwritten = true;
        }
        written.map(drop).map_err(Error::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noted_times_reach_another_reader_only_when_flushed_and_never_go_back() {
        let dir = tempfile::tempdir().unwrap();
        let (activity, problem) = Activity::open(dir.path());
        assert!(problem.is_none());
        let at = "2026-12-07T10:00:05.750Z".parse::<DateTime<Utc>>().unwrap();
        activity.heard_from_1c(at);
        assert_eq!(read(dir.path()).unwrap(), Seen::default());
        activity.flush().unwrap();
        let seen = read(dir.path()).unwrap();
        assert_eq!(seen.last_1c_request, Some(at.trunc_subsecs(0)));
        assert_eq!(seen.last_webhook, None);
        // Another writer recorded a later webhook: a flush keeps it.
        let later = at + chrono::Duration::minutes(5);
        let (other, _) = Activity::open(dir.path());
        other.webhook_received(later);
        other.flush().unwrap();
        activity.heard_from_1c(at - chrono::Duration::minutes(1));
        activity.flush().unwrap();
        let seen = read(dir.path()).unwrap();
        assert_eq!(seen.last_1c_request, Some(at.trunc_subsecs(0)));
        assert_eq!(seen.last_webhook, Some(later.trunc_subsecs(0)));
    }

    #[test]
    fn an_unreadable_record_is_named_and_started_anew() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "not json").unwrap();
        let err = read(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains(FILE_NAME) && err.contains("remove it"),
            "{err}"
        );
        let (activity, problem) = Activity::open(dir.path());
        assert!(problem.is_some());
        activity.webhook_received(Utc::now());
        activity.flush().unwrap();
        assert!(read(dir.path()).unwrap().last_webhook.is_some());
    }
}
