//! What wakes `watch` up to scan the inbox: file-system events (hints only, as notify's own
//! docs warn that they can be lost, and network shares send none), overflow and rescan
//! signals, a timer, and the stop signal. The scanner, not the event, decides what to take.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Something changed in the inbox, or events were lost: look again.
    Look,
    /// The timer ran out: look again anyway.
    Timer,
    Stop,
}

pub struct Trigger {
    rx: Receiver<Wake>,
    tx: Sender<Wake>,
    watcher: Option<notify::RecommendedWatcher>,
}

impl Trigger {
    /// Events from the inbox unless `poll`, in which case only the timer wakes us.
    pub fn new(inbox: &Path, poll: bool) -> Result<Trigger, String> {
        let (tx, rx) = mpsc::channel();
        let watcher = if poll {
            None
        } else {
            Some(watcher(inbox, tx.clone())?)
        };
        Ok(Trigger { rx, tx, watcher })
    }

    /// Watches the inbox anew, after it was removed and created again: a watch follows the
    /// folder it was set on, not its name. Nothing to do when polling.
    pub fn rewatch(&mut self, inbox: &Path) -> Result<(), String> {
        if self.watcher.is_some() {
            self.watcher = None;
            self.watcher = Some(watcher(inbox, self.tx.clone())?);
        }
        Ok(())
    }

    /// Sleeps `duration` whatever happens in the inbox meanwhile; only a stop ends it early.
    pub fn pause(&self, duration: Duration) -> Wake {
        let until = std::time::Instant::now() + duration;
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Wake::Timer;
            }
            match self.rx.recv_timeout(left) {
                Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => return Wake::Stop,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => return Wake::Timer,
            }
        }
    }

    /// A sender for the stop signal handler.
    pub fn sender(&self) -> Sender<Wake> {
        self.tx.clone()
    }

    /// Waits for the next reason to scan, at most `timeout`; a burst of events is one wake.
    pub fn wait(&self, timeout: Duration) -> Wake {
        let first = match self.rx.recv_timeout(timeout) {
            Ok(wake) => wake,
            Err(RecvTimeoutError::Timeout) => return Wake::Timer,
            Err(RecvTimeoutError::Disconnected) => return Wake::Stop,
        };
        let mut wake = first;
        while let Ok(next) = self.rx.try_recv() {
            if next == Wake::Stop {
                wake = Wake::Stop;
            }
        }
        wake
    }
}

/// Events from `inbox`: every event, error or overflow means the same thing, scan again.
fn watcher(inbox: &Path, events: Sender<Wake>) -> Result<notify::RecommendedWatcher, String> {
    let mut watcher = notify::recommended_watcher(move |_| {
        let _ = events.send(Wake::Look);
    })
    .map_err(|e| format!("cannot watch {}: {e}; try --poll", inbox.display()))?;
    watcher
        .watch(inbox, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}; try --poll", inbox.display()))?;
    Ok(watcher)
}
