//! `bachata1c status`: what the exchange folder holds now, read from the folders themselves
//! (webhooks waiting in the inbox and files left there for their name, files waiting for 1C in
//! the outbox, each refused input in failed/ with its reason), and from the ledger what all runs
//! did so far, in the words of `run`'s summary, and the queue of leads for 1C.

use super::Exit;
use crate::cli::StatusArgs;
use crate::exchange::folders::{self, Folders};
use crate::exchange::{DEFAULT_GIVE_UP_AFTER, NAMED_AFTER, filing, scan};
use crate::format::commerceml::number_text;
use crate::ledger::{IgnoredReports, Ledger, Outcome, Totals};
use crate::report::{Tally, escape_controls, plural, tally};
use crate::settings;

mod check;
pub use check::refused_check;

pub fn run(args: &StatusArgs) -> Exit {
    if args.check.check {
        return check::run(args);
    }
    let folders = match settings::status(args) {
        Ok(folders) => folders,
        Err(err) => return super::unusable(err),
    };
    // A mistyped --dir must not look like an empty exchange folder.
    if !folders.inbox.is_dir() {
        crate::say!(
            "bachata1c: {}",
            crate::exchange::Error::NoInbox(folders.inbox.clone())
        );
        return Exit::Unusable;
    }
    if !show_ledger(&folders) {
        return Exit::Unusable;
    }
    check::show_flow(args);
    show_folders(&folders, args.failures);
    Exit::Success
}

/// The ledger's lines; false (after saying why) when it cannot be read. No ledger yet is no
/// error: `serve` fills the inbox and failed/ before anything is converted.
fn show_ledger(folders: &Folders) -> bool {
    let path = folders.ledger();
    if !path.is_file() {
        line(format_args!(
            "ledger:     {}: none yet (nothing converted here)",
            path.display()
        ));
        return true;
    }
    let ledger = match Ledger::open(&path) {
        Ok(ledger) => ledger,
        Err(err) => {
            crate::say!(
                "bachata1c: cannot open the ledger {}: {err}",
                path.display()
            );
            return false;
        }
    };
    let totals = match ledger.totals() {
        Ok(totals) => totals,
        Err(err) => {
            crate::say!("bachata1c: ledger {}: {err}", path.display());
            return false;
        }
    };
    line(format_args!("ledger:     {}", path.display()));
    line(format_args!("all runs:   {}", all_runs(&totals)));
    if let Some(last) = &totals.last_taken {
        line(format_args!("last input: {last}"));
    }
    if let Ok(queue) = ledger.queue_totals() {
        line(format_args!(
            "1C queue:   {} waiting, {} offered, {} confirmed, {} known to 1C",
            queue.waiting, queue.offered, queue.confirmed, queue.known
        ));
    }
    if let Ok((last, last_removal)) = ledger.retention_passes() {
        for text in crate::retention::status_lines(&last, &last_removal) {
            line(format_args!("{text}"));
        }
    }
    if let Ok(ignored) = ledger.ignored_reports(IGNORED_SHOWN) {
        show_ignored(&ignored, line);
    }
    true
}

/// Reports from 1C on numbers it could not know, shown by `status` and `leads`.
const IGNORED_SHOWN: usize = 5;

/// The reports from 1C that changed nothing (on a number 1C was never given), the last ones
/// with their time, our number and 1C's, each as `print` writes a line.
pub fn show_ignored(ignored: &IgnoredReports, print: fn(std::fmt::Arguments)) {
    if ignored.total == 0 {
        return;
    }
    print(format_args!(
        "1C reports: {} ignored, on numbers 1C was never given (nothing changed); the last:",
        ignored.total
    ));
    for report in &ignored.last {
        let theirs = report
            .onec_number
            .as_deref()
            .map(|n| format!(" (1C's № {n})"))
            .unwrap_or_default();
        print(format_args!(
            "  {}  {}{theirs}: {}",
            report.at,
            number_text(report.number),
            report.why
        ));
    }
}

/// What every run so far did, as one `run` says what it did: converted inputs counting those
/// without a qualifying client, as the ledger keeps them apart.
fn all_runs(totals: &Totals) -> Tally {
    let count = |outcome| totals.count(outcome) as usize;
    let mut all = Tally {
        converted: count(Outcome::Converted) + count(Outcome::Empty),
        without_leads: count(Outcome::Empty),
        refused: count(Outcome::Refused),
        duplicates: count(Outcome::Duplicate),
        exported: totals.exported as usize,
        outputs: totals.outputs as usize,
        ..Tally::default()
    };
    for (text, inputs) in &totals.skipped_reasons {
        for (reason, n) in tally::parse_reasons(text) {
            *all.skipped.entry(reason).or_insert(0) += n * *inputs as usize;
        }
    }
    all
}

/// The folders as they are now: `run` and `serve` may both have put files there.
fn show_folders(folders: &Folders, failures: usize) {
    line(format_args!(
        "inbox:      {} waiting",
        folders::count_webhooks(&folders.inbox)
    ));
    show_unparseable(folders, failures);
    for name in folders::foreign_files(&folders.inbox) {
        line(format_args!(
            "  {name}: not a .json file, left in the inbox (rename it to {} to convert it)",
            folders::webhook_name_for(&name)
        ));
    }
    line(format_args!(
        "outbox:     {} waiting for 1C",
        plural(folders::count_outputs(&folders.outbox), "file")
    ));
    let refused = filing::in_failed(&folders.failed);
    line(format_args!(
        "failed/:    {}{}",
        plural(refused.len(), "refused input"),
        if refused.is_empty() {
            ""
        } else {
            ", newest first:"
        }
    ));
    for input in refused.iter().take(failures) {
        let reason = input.reason.as_deref().unwrap_or("(no reason file)");
        line(format_args!("  {}  {}: {reason}", input.at, input.name));
    }
    if refused.len() > failures {
        line(format_args!(
            "  … and {} more (--failures N lists more)",
            refused.len() - failures
        ));
    }
}

/// The inbox's files that stood unchanged a while and still do not parse, by name with the
/// reason: what `run` names before it refuses them into failed/.
fn show_unparseable(folders: &Folders, most: usize) {
    let broken = scan::unparseable(&folders.inbox, NAMED_AFTER);
    for file in broken.iter().take(most) {
        line(format_args!(
            "  {}: not complete yet? {}; unchanged for {} s, it goes to failed/ once unchanged \
             for [watch] give_up_after_seconds (default {} s)",
            file.name,
            file.error,
            file.unchanged.as_secs(),
            DEFAULT_GIVE_UP_AFTER.as_secs()
        ));
    }
    if broken.len() > most {
        line(format_args!(
            "  … and {} more that do not parse (--failures N lists more)",
            broken.len() - most
        ));
    }
}

/// One line of the listing; names and reasons come from files, so control characters are
/// shown escaped.
fn line(text: std::fmt::Arguments) {
    crate::show!("{}", escape_controls(&text.to_string()));
}
