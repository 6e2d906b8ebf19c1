//! `bachata1c status`: the ledger's totals, what waits in the inbox and failed/, and the
//! latest refused inputs with their reasons.

use super::Exit;
use crate::cli::StatusArgs;
use crate::exchange::folders;
use crate::ledger::Ledger;
use crate::settings;

pub fn run(args: &StatusArgs) -> Exit {
    let folders = match settings::status(args) {
        Ok(settings) => settings.folders,
        Err(err) => return super::unusable(err),
    };
    let path = folders.ledger();
    if !path.is_file() {
        crate::say!(
            "bachata1c: {}: no ledger yet (nothing was processed here)",
            path.display()
        );
        return Exit::Unusable;
    }
    let ledger = match Ledger::open(&path) {
        Ok(ledger) => ledger,
        Err(err) => {
            crate::say!(
                "bachata1c: cannot open the ledger {}: {err}",
                path.display()
            );
            return Exit::Unusable;
        }
    };
    let (totals, failures) = match (ledger.totals(), ledger.latest_failures(args.failures)) {
        (Ok(t), Ok(f)) => (t, f),
        (Err(err), _) | (_, Err(err)) => {
            crate::say!("bachata1c: ledger {}: {err}", path.display());
            return Exit::Unusable;
        }
    };
    crate::show!("ledger:     {}", path.display());
    for (outcome, n) in &totals.by_outcome {
        crate::show!("{:<11} {n}", format!("{outcome}:"));
    }
    crate::show!(
        "clients:    {} exported, {} skipped",
        totals.exported,
        totals.skipped
    );
    if let Some(last) = &totals.last_taken {
        crate::show!("last input: {last}");
    }
    if let Ok(queue) = ledger.queue_totals() {
        crate::show!(
            "1C queue:   {} waiting, {} offered, {} confirmed, {} known to 1C",
            queue.waiting,
            queue.offered,
            queue.confirmed,
            queue.known
        );
    }
    crate::show!(
        "inbox:      {} waiting",
        folders::count_webhooks(&folders.inbox)
    );
    crate::show!(
        "failed/:    {} file(s)",
        folders::count_webhooks(&folders.failed)
    );
    if !failures.is_empty() {
        crate::show!("latest refused inputs:");
        for f in &failures {
            crate::show!("  {}  {}: {}", f.at, f.name, f.reason);
        }
    }
    Exit::Success
}
