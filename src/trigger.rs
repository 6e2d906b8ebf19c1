//! What wakes `watch` up to scan the inbox: file-system events (hints only, as notify's own
//! docs warn that they can be lost, and network shares send none), overflow and rescan
//! signals, and a timer. The stop token wakes it too. The scanner, not the event, decides what
//! to take.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use crate::stop::Stop;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Something changed in the inbox, events were lost, or the stop was requested: look.
    Look,
    /// The timer ran out: look again anyway.
    Timer,
}

/// The inbox cannot be watched for events.
#[derive(Debug, thiserror::Error)]
#[error("cannot watch {}: {source}; try --poll", inbox.display())]
pub struct Error {
    inbox: PathBuf,
    source: notify::Error,
}

pub struct Trigger {
    rx: Receiver<Wake>,
    tx: Sender<Wake>,
    watcher: Option<notify::RecommendedWatcher>,
    stop: Stop,
}

impl Trigger {
    /// Events from the inbox unless `poll`, in which case only the timer wakes us; a request
    /// of `stop` wakes us at once.
    pub fn new(inbox: &Path, poll: bool, stop: &Stop) -> Result<Trigger, Error> {
        let (tx, rx) = mpsc::channel();
        let watcher = if poll {
            None
        } else {
            Some(watcher(inbox, tx.clone())?)
        };
        let wake = tx.clone();
        stop.on_request(move || {
            let _ = wake.send(Wake::Look);
        });
        Ok(Trigger {
            rx,
            tx,
            watcher,
            stop: stop.clone(),
        })
    }

    /// Watches the inbox anew, after it was removed and created again: a watch follows the
    /// folder it was set on, not its name. Nothing to do when polling.
    pub fn rewatch(&mut self, inbox: &Path) -> Result<(), Error> {
        if self.watcher.is_some() {
            self.watcher = None;
            self.watcher = Some(watcher(inbox, self.tx.clone())?);
        }
        Ok(())
    }

    /// Waits for the next reason to scan, at most `timeout`; a burst of events is one wake.
    pub fn wait(&self, timeout: Duration) -> Wake {
        let wake = match self.rx.recv_timeout(timeout) {
            Ok(wake) => wake,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => Wake::Timer,
        };
        while self.rx.try_recv().is_ok() {}
        wake
    }

    /// Sleeps `duration` whatever happens in the inbox meanwhile; only the stop ends it early.
    pub fn pause(&self, duration: Duration) {
        let until = Instant::now() + duration;
        while !self.stop.is_requested() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || self.rx.recv_timeout(left) == Err(RecvTimeoutError::Timeout) {
                return;
            }
        }
    }
}

/// Events from `inbox`: every event, error or overflow means the same thing, scan again.
fn watcher(inbox: &Path, events: Sender<Wake>) -> Result<notify::RecommendedWatcher, Error> {
    let error = |source| Error {
        inbox: inbox.to_path_buf(),
        source,
    };
    let mut watcher = notify::recommended_watcher(move |_| {
        let _ = events.send(Wake::Look);
    })
    .map_err(error)?;
    watcher
        .watch(inbox, RecursiveMode::NonRecursive)
        .map_err(error)?;
    Ok(watcher)
}
