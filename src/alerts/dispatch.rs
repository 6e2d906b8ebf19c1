//! Evaluations beside the exchange: the caller hands over the conditions that hold and goes
//! on at once; one thread of its own delivers, so a mail server that takes its time (or a
//! command that runs to its timeout) never holds up a scan or a webhook. A newer evaluation
//! replaces one not yet started: only the latest conditions matter.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{Alerts, Condition, Deliver, Delivery};
use crate::ledger::{self, Ledger};
use crate::lock::unpoisoned;

/// What the caller is told after each evaluation: every delivery tried, or why the ledger
/// could not be used (the evaluation is then made again with the next conditions).
pub type Report = Box<dyn Fn(Result<Vec<Delivery>, ledger::Error>) + Send>;

/// The alert thread of one exchange folder.
pub struct Dispatcher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    mailbox: Mutex<Mailbox>,
    changed: Condvar,
}

#[derive(Default)]
struct Mailbox {
    next: Option<(Vec<Condition>, DateTime<Utc>)>,
    busy: bool,
    closed: bool,
}

impl Dispatcher {
    /// Starts the thread; it opens the ledger at `ledger_path` itself (a connection of its
    /// own) and calls `report` after each evaluation.
    pub fn start<D: Deliver + Send + 'static>(
        alerts: Alerts<D>,
        ledger_path: PathBuf,
        report: Report,
    ) -> Dispatcher {
        let shared = Arc::new(Shared::default());
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("alerts".into())
                .spawn(move || work(&shared, &alerts, &ledger_path, &report))
                .expect("a thread can be started")
        };
        Dispatcher {
            shared,
            thread: Some(thread),
        }
    }

    /// Hands over the conditions that hold at `now`, and returns at once.
    pub fn evaluate(&self, conditions: Vec<Condition>, now: DateTime<Utc>) {
        let mut mailbox = lock(&self.shared.mailbox);
        mailbox.next = Some((conditions, now));
        self.shared.changed.notify_all();
    }

    /// Waits until every evaluation handed over is done, at most `bound`; whether it was.
    /// `run` calls it before it exits, so that its alerts are not cut off.
    pub fn settle(&self, bound: Duration) -> bool {
        let deadline = Instant::now() + bound;
        let mut mailbox = lock(&self.shared.mailbox);
        while mailbox.busy || mailbox.next.is_some() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            mailbox = unpoisoned(self.shared.changed.wait_timeout(mailbox, left)).0;
        }
        true
    }
}

impl Dispatcher {
    /// Ends the thread as a stopping service may: the delivery in hand gets at most `grace`
    /// to finish; one that takes longer is left to end with the process (its row stays leased
    /// in the ledger, and the next start delivers it once the lease is over). Whether the
    /// thread ended in time.
    pub fn finish(mut self, grace: Duration) -> bool {
        let ended = {
            let mut mailbox = lock(&self.shared.mailbox);
            mailbox.closed = true;
            mailbox.next = None;
            self.shared.changed.notify_all();
            let deadline = Instant::now() + grace;
            while mailbox.busy {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                mailbox = unpoisoned(self.shared.changed.wait_timeout(mailbox, left)).0;
            }
            !mailbox.busy
        };
        if !ended {
            // Not joined: `Drop` must not wait for it either.
            self.thread = None;
        }
        ended
    }
}

impl Drop for Dispatcher {
    /// Ends the thread after the delivery in hand; an evaluation not started is dropped (the
    /// next start evaluates again, and what was owed is in the ledger).
    fn drop(&mut self) {
        {
            let mut mailbox = lock(&self.shared.mailbox);
            mailbox.closed = true;
            mailbox.next = None;
            self.shared.changed.notify_all();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn work<D: Deliver>(
    shared: &Shared,
    alerts: &Alerts<D>,
    ledger_path: &std::path::Path,
    report: &Report,
) {
    let mut ledger: Option<Ledger> = None;
    loop {
        let (conditions, now) = {
            let mut mailbox = lock(&shared.mailbox);
            mailbox.busy = false;
            shared.changed.notify_all();
            loop {
                if mailbox.closed {
                    return;
                }
                if let Some(next) = mailbox.next.take() {
                    mailbox.busy = true;
                    break next;
                }
                mailbox = unpoisoned(shared.changed.wait(mailbox));
            }
        };
        let result = match ledger.as_mut() {
            Some(ledger) => alerts.evaluate(ledger, &conditions, now),
            None => Ledger::open(ledger_path)
                .and_then(|opened| alerts.evaluate(ledger.insert(opened), &conditions, now)),
        };
        if result.is_err() {
            // Opened again next time: the file may have been replaced (--new-ledger).
            ledger = None;
        }
        report(result);
    }
}

fn lock(mutex: &Mutex<Mailbox>) -> MutexGuard<'_, Mailbox> {
    crate::lock::lock(mutex)
}
