//! `bachata1c run`: process the exchange folder once and exit (scheduled tasks).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::{LogArgs, RunArgs};
use crate::exchange::{Exchange, Options};
use crate::log::{Level, Log};
use crate::report;

/// Set by SIGINT/SIGTERM/Ctrl+C: finish the file in hand, publish the batch, exit.
pub static STOP: AtomicBool = AtomicBool::new(false);

pub fn open_log(args: &LogArgs) -> Option<Log> {
    match Log::open(args.verbose, args.quiet, args.log_file.as_deref()) {
        Ok(log) => Some(log),
        Err(err) => {
            crate::say!("bachata1c: {err}");
            None
        }
    }
}

/// Installs the stop handler once; `also` runs in it too (`watch` wakes its loop). A second
/// signal exits at once: every step is safe to interrupt, the next run takes back the rest.
pub fn on_stop(also: impl Fn() + Send + 'static) {
    let _ = ctrlc::set_handler(move || {
        if STOP.swap(true, Ordering::SeqCst) {
            crate::say!("bachata1c: second stop signal, exiting now");
            std::process::exit(130);
        }
        also();
    });
}

pub fn run(args: &RunArgs) -> u8 {
    let Some(log) = open_log(&args.log) else {
        return super::UNUSABLE;
    };
    let opts = match Options::resolve(args) {
        Ok(opts) => opts,
        Err(err) => {
            log.note(Level::Problem, err);
            return super::UNUSABLE;
        }
    };
    on_stop(|| {});
    let mut exchange = match Exchange::open(&opts, &log, &STOP) {
        Ok(exchange) => exchange,
        Err(err) => {
            log.note(Level::Problem, err);
            return super::UNUSABLE;
        }
    };
    if !args.log.quiet && std::io::stderr().is_terminal() {
        // Counting is cheap and keeps no names; a bar only on a terminal with many files.
        log.set_bar(report::progress_bar(exchange.count_inbox()));
    }
    let result = exchange.scan();
    log.set_bar(None);
    let status = match &result {
        Err(err) => {
            log.note(Level::Problem, err);
            super::UNUSABLE
        }
        Ok(()) if exchange.summary.refused > 0 => super::SOME_REFUSED,
        Ok(()) => super::SUCCESS,
    };
    if STOP.load(Ordering::SeqCst) {
        log.note(
            Level::Problem,
            "stopped by a signal; the rest stays in the inbox",
        );
    }
    log.note(Level::Problem, &exchange.summary);
    exchange.close();
    status
}
