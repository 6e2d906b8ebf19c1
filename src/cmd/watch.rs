//! `bachata1c watch`: keep converting inbox files as they arrive (a service). Scans at start,
//! on every event, and on a timer; a folder error is logged and retried, not fatal.

use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::time::Duration;

use super::run::{STOP, on_stop, open_log};
use crate::cli::WatchArgs;
use crate::exchange::{Exchange, Options};
use crate::log::Level;
use crate::watch::{Trigger, Wake};

pub fn run(args: &WatchArgs) -> u8 {
    watch(args, |wake| {
        on_stop(move || {
            let _ = wake.send(Wake::Stop);
        })
    })
}

/// The watch loop until [`STOP`]; `install_stop` gets the sender that wakes the loop, to
/// connect it to whatever says stop (the signal handler, or `serve`'s shutdown).
pub fn watch(args: &WatchArgs, install_stop: impl FnOnce(Sender<Wake>)) -> u8 {
    let Some(log) = open_log(&args.run.log) else {
        return super::UNUSABLE;
    };
    let opts = match Options::resolve(&args.run) {
        Ok(opts) => opts,
        Err(err) => {
            log.note(Level::Problem, err);
            return super::UNUSABLE;
        }
    };
    let poll = args.poll || opts.config.watch.poll.unwrap_or(false);
    let default_rescan = if poll { 2.0 } else { 30.0 };
    let rescan_secs = args
        .rescan
        .or(opts.config.watch.rescan_seconds)
        .unwrap_or(default_rescan);
    let Ok(rescan) = Duration::try_from_secs_f64(rescan_secs.max(0.05)) else {
        log.note(
            Level::Problem,
            format_args!("--rescan {rescan_secs}: a number of seconds is expected"),
        );
        return super::UNUSABLE;
    };
    let mut exchange = match Exchange::open(&opts, &log, &STOP) {
        Ok(exchange) => exchange,
        Err(err) => {
            log.note(Level::Problem, err);
            return super::UNUSABLE;
        }
    };
    // Without events (no inotify instances left, an exotic file system) the timer still works.
    let (trigger, poll, rescan, rescan_secs) = match Trigger::new(&opts.folders.inbox, poll) {
        Ok(trigger) => (trigger, poll, rescan, rescan_secs),
        Err(err) => {
            let secs = args.rescan.unwrap_or(2.0).min(rescan_secs);
            log.note(
                Level::Problem,
                format_args!("{err}; polling every {secs} s instead"),
            );
            match Trigger::new(&opts.folders.inbox, true) {
                Ok(trigger) => (trigger, true, Duration::from_secs_f64(secs.max(0.05)), secs),
                Err(err) => {
                    log.note(Level::Problem, err);
                    exchange.close();
                    return super::UNUSABLE;
                }
            }
        }
    };
    install_stop(trigger.sender());
    log.note(
        Level::File,
        format_args!(
            "watching {} ({}, scan at least every {rescan_secs} s)",
            opts.folders.inbox.display(),
            if poll { "polling" } else { "events" }
        ),
    );
    let mut trigger = trigger;
    let mut backoff = Backoff::new(rescan);
    loop {
        // The summary counts files waiting in the latest scan, not every look at them.
        exchange.summary.waiting = 0;
        let result = exchange.repair().and_then(|recreated| {
            // A recreated inbox is a new folder: the old watch on it sees nothing any more.
            if recreated && let Err(err) = trigger.rewatch(&opts.folders.inbox) {
                log.note(Level::Problem, err);
            }
            exchange.recover()?;
            exchange.scan()
        });
        if STOP.load(Ordering::SeqCst) {
            break;
        }
        let woken = match result {
            Ok(()) => {
                backoff.reset();
                // Files not complete yet are looked at again soon, not only at the next timer.
                let timeout = if exchange.summary.waiting > 0 {
                    opts.settle
                        .unwrap_or(crate::exchange::RECHECK)
                        .max(Duration::from_millis(200))
                        .min(rescan)
                } else {
                    rescan
                };
                trigger.wait(timeout)
            }
            Err(err) => {
                // One line per attempt, and truly that long before the next: the events our
                // own give-backs cause must not turn a full disk into a busy loop.
                let pause = backoff.next();
                log.note(
                    Level::Problem,
                    format_args!("{err}; trying again in {} s", pause.as_secs_f64()),
                );
                trigger.pause(pause)
            }
        };
        if woken == Wake::Stop || STOP.load(Ordering::SeqCst) {
            break;
        }
    }
    log.note(
        Level::Problem,
        format_args!("stopped; {}", exchange.summary),
    );
    exchange.close();
    super::SUCCESS
}

/// Waits after a failed pass: 1 s, then twice as long each time it fails again, up to the
/// rescan interval; back to 1 s once a pass succeeds.
struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    fn new(max: Duration) -> Backoff {
        let max = max.max(Duration::from_secs(1));
        Backoff {
            next: Duration::from_secs(1),
            max,
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
