//! `bachata1c run`: process the exchange folder once and exit (scheduled tasks).

use std::io::IsTerminal;

use super::Exit;
use crate::cli::RunArgs;
use crate::exchange::Exchange;
use crate::report::{self, Level, Log};
use crate::settings;
use crate::stop::Stop;

/// The log as `run`, `watch` and `serve --convert` ask for it; `None` after saying why not.
pub fn open_log(settings: &settings::Log) -> Option<Log> {
    match Log::open(settings.level, settings.file.as_deref()) {
        Ok(log) => Some(log),
        Err(err) => {
            crate::say!("bachata1c: {err}");
            None
        }
    }
}

pub fn run(args: &RunArgs) -> Exit {
    let settings = match settings::run(args) {
        Ok(settings) => settings,
        Err(err) => return super::unusable(err),
    };
    let Some(log) = open_log(&settings.log) else {
        return Exit::Unusable;
    };
    let stop = Stop::new();
    stop.on_signals(|| {});
    let mut exchange = match Exchange::open(&settings, &log, &stop) {
        Ok(exchange) => exchange,
        Err(err) => {
            log.note(Level::Problem, err);
            return Exit::Unusable;
        }
    };
    if log.shows(Level::File) && std::io::stderr().is_terminal() {
        // Counting is cheap and keeps no names; a bar only on a terminal with many files.
        log.set_bar(report::progress_bar(exchange.count_inbox()));
    }
    let result = exchange.scan();
    log.set_bar(None);
    let exit = match &result {
        Err(err) => {
            log.note(Level::Problem, err);
            Exit::Unusable
        }
        Ok(()) if exchange.tally.refused > 0 => Exit::SomeRefused,
        Ok(()) => Exit::Success,
    };
    if stop.is_requested() {
        log.note(
            Level::Problem,
            "stopped by a signal; the rest stays in the inbox",
        );
    }
    log.note(Level::Summary, &exchange.tally);
    exchange.close();
    exit
}
