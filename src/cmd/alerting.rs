//! The alerts `run`, `watch` and `serve` raise ([`crate::alerts::flow`]), hooked beside each
//! command: `run` evaluates once after its exchange, `watch` and `serve` on a timer of their
//! own that the command's stop token ends. Without an alert channel nothing is started.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::run::open_log;
use crate::alerts::flow::{Evaluator, Setup};
use crate::report::{Log, LogSettings};
use crate::serve::Background;
use crate::stop::Stop;

/// `run`: one evaluation after the exchange, its messages delivered before `run` exits.
pub fn once(setup: Option<Setup>, log: Log) {
    if let Some(setup) = setup {
        Evaluator::start(setup, Arc::new(log)).once();
    }
}

/// The timer of `watch` (and `serve`): evaluates now and then every `[alerts]
/// check_every_seconds` until `stop`; `None` without a channel (or when the log cannot be
/// opened, which the command itself then reports).
pub fn every(setup: Option<Setup>, log: &LogSettings, stop: &Stop) -> Option<JoinHandle<()>> {
    let setup = setup?;
    let log = open_log(log)?;
    let every = setup.every;
    Some(Evaluator::start(setup, Arc::new(log)).every(every, stop.clone()))
}

/// Ends the timer `every` started, after the command's own work ended.
pub fn end(timer: Option<JoinHandle<()>>, stop: &Stop) {
    if let Some(timer) = timer {
        stop.request();
        let _ = timer.join();
    }
}

/// `serve`: the timer beside the server, started once it listens, with the converter (`serve
/// --convert`) when there is one; without a channel, the converter alone.
pub fn beside_serve(
    setup: Option<Setup>,
    log: LogSettings,
    converter: Option<Background>,
) -> Option<Background> {
    let Some(setup) = setup else {
        return converter;
    };
    Some(Box::new(move |stop: Stop| {
        let timer = every(Some(setup), &log, &stop);
        let result = match converter {
            Some(convert) => convert(stop.clone()),
            None => {
                // A background worker that returns early stops the server: wait for the stop.
                while !stop.wait_timeout(Duration::from_secs(3600)) {}
                Ok(())
            }
        };
        end(timer, &stop);
        result
    }))
}
