//! The one stop token: SIGINT, SIGTERM or Ctrl+C (or a part of the program that has to end the
//! whole) requests it; every loop checks it, sleeping code wakes for it, and what waits on
//! something else (a channel, the HTTP server) gets a callback. A second signal exits at once:
//! every step is safe to interrupt, the next start takes back what was left.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::lock::{lock, unpoisoned};

type Callback = Box<dyn FnOnce() + Send>;

#[derive(Clone, Default)]
pub struct Stop(Arc<Inner>);

#[derive(Default)]
struct Inner {
    requested: AtomicBool,
    /// Guards the callbacks not yet called; the condition variable wakes `wait_timeout`.
    waiting: Mutex<Vec<Callback>>,
    woken: Condvar,
    notify: tokio::sync::Notify,
}

impl std::fmt::Debug for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stop")
            .field("requested", &self.is_requested())
            .finish()
    }
}

impl Stop {
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Requests the stop once; later requests do nothing.
    pub fn request(&self) {
        let callbacks = {
            let mut waiting = lock(&self.0.waiting);
            if self.0.requested.swap(true, Ordering::SeqCst) {
                return;
            }
            self.0.woken.notify_all();
            std::mem::take(&mut *waiting)
        };
        self.0.notify.notify_waiters();
        for callback in callbacks {
            callback();
        }
    }

    pub fn is_requested(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }

    /// Calls `f` when the stop is requested (at once if it was already): the bridge to code
    /// that waits on something else, e.g. a channel.
    pub fn on_request(&self, f: impl FnOnce() + Send + 'static) {
        {
            let mut waiting = lock(&self.0.waiting);
            if !self.is_requested() {
                waiting.push(Box::new(f));
                return;
            }
        }
        f();
    }

    /// Sleeps up to `timeout`; returns true when the stop was requested.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let waiting = lock(&self.0.waiting);
        let _ = unpoisoned(
            self.0
                .woken
                .wait_timeout_while(waiting, timeout, |_| !self.is_requested()),
        );
        self.is_requested()
    }

    /// Resolves once the stop is requested (for async code).
    pub async fn requested(&self) {
        loop {
            let notified = self.0.notify.notified();
            tokio::pin!(notified);
            // Register before checking, so a request between the check and the await is seen.
            notified.as_mut().enable();
            if self.is_requested() {
                return;
            }
            notified.await;
        }
    }

    /// Requests the stop on SIGINT, SIGTERM or Ctrl+C; a second signal exits at once. `say`
    /// runs on the first, to tell the administrator what happens now.
    pub fn on_signals(&self, say: impl Fn() + Send + 'static) {
        let stop = self.clone();
        let _ = ctrlc::set_handler(move || {
            if stop.is_requested() {
                crate::say!("bachata1c: second stop signal, exiting now");
                std::process::exit(130);
            }
            say();
            stop.request();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_wakes_sleepers_and_calls_back_once() {
        let stop = Stop::new();
        let (tx, rx) = std::sync::mpsc::channel();
        let calls = tx.clone();
        stop.on_request(move || calls.send("callback").unwrap());
        let sleeper = {
            let stop = stop.clone();
            std::thread::spawn(move || stop.wait_timeout(Duration::from_secs(3600)))
        };
        stop.request();
        stop.request();
        assert!(sleeper.join().unwrap());
        assert_eq!(rx.recv().unwrap(), "callback");
        // Registered after the request: called at once.
        stop.on_request(move || tx.send("late").unwrap());
        assert_eq!(rx.recv().unwrap(), "late");
        assert!(rx.try_recv().is_err());
        assert!(!Stop::new().wait_timeout(Duration::from_millis(1)));
    }
}
