//! `bachata1c run`: process the exchange folder once and exit (scheduled tasks).

use std::io::IsTerminal;

use super::Exit;
use crate::cli::RunArgs;
use crate::exchange::Exchange;
use crate::report::{self, Level, Log, LogSettings};
use crate::retention::{Keeper, Places};
use crate::settings;
use crate::stop::Stop;

/// The log as `run`, `watch` and `serve --convert` ask for it; `None` after saying why not.
pub fn open_log(settings: &LogSettings) -> Option<Log> {
    match Log::open(settings.level, settings.file.as_deref()) {
        Ok(log) => Some(log),
        Err(err) => {
            crate::say!("bachata1c: {err}");
            None
        }
    }
}

/// A settings error, said on stderr and, when the command line names a `--log-file`, there
/// too: a scheduled task's stderr often goes nowhere, and its log is where one looks.
pub fn unusable(err: impl std::fmt::Display, args: &crate::cli::LogArgs) -> Exit {
    if let Some(path) = &args.log_file
        && let Ok(log) = Log::open(Level::Problem, Some(path))
    {
        log.note_lines(Level::Problem, err);
        return Exit::Unusable;
    }
    super::unusable(err)
}

pub fn run(args: &RunArgs) -> Exit {
    let settings = match settings::run(args) {
        Ok(settings) => settings,
        Err(err) => return unusable(err, &args.log),
    };
    let alerting = match settings::alerting(&args.folders) {
        Ok(alerting) => alerting,
        Err(err) => return unusable(err, &args.log),
    };
    let policy = match settings::retention(&args.folders) {
        Ok(policy) => policy,
        Err(err) => return unusable(err, &args.log),
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
            // A folder that cannot be exchanged (a full disk, a lost ledger) is what alerts
            // are for, as long as it is an exchange folder at all.
            if settings.folders.inbox.is_dir() {
                super::alerting::once(alerting, log);
            }
            return Exit::Unusable;
        }
    };
    if log.shows(Level::File) && std::io::stderr().is_terminal() {
        // Counting is cheap and keeps no names; a bar only on a terminal with many files.
        log.set_bar(report::progress_bar(exchange.count_inbox()));
    }
    let result = exchange.scan();
    log.set_bar(None);
    if !stop.is_requested() {
        Keeper::new(policy, Places::of(&settings.folders)).tend(&log);
    }
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
    // A scheduled `run -q` over an idle inbox says nothing at all: once a minute, a summary
    // of nothing would be most of the log.
    let summary = if exchange.tally.nothing_happened() && log.problems() == 0 {
        Level::File
    } else {
        Level::Summary
    };
    log.note(summary, &exchange.tally);
    exchange.close();
    if !stop.is_requested() {
        super::alerting::once(alerting, log);
    }
    exit
}
