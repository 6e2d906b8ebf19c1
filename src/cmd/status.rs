//! `bachata1c status`: the ledger's totals, what waits in the inbox and failed/, and the
//! latest refused inputs with their reasons.

use crate::cli::StatusArgs;
use crate::exchange::folders::{self, Folders};
use crate::ledger::Ledger;

pub fn run(args: &StatusArgs) -> u8 {
    let folders = match Folders::resolve(&args.folders) {
        Ok((folders, _)) => folders,
        Err(err) => {
            crate::say!("bachata1c: {err}");
            return super::UNUSABLE;
        }
    };
    let path = folders.ledger();
    if !path.is_file() {
        crate::say!(
            "bachata1c: {}: no ledger yet (nothing was processed here)",
            path.display()
        );
        return super::UNUSABLE;
    }
    let ledger = match Ledger::open(&path) {
        Ok(ledger) => ledger,
        Err(err) => {
            crate::say!(
                "bachata1c: cannot open the ledger {}: {err}",
                path.display()
            );
            return super::UNUSABLE;
        }
    };
    let (totals, failures) = match (ledger.totals(), ledger.latest_failures(args.failures)) {
        (Ok(t), Ok(f)) => (t, f),
        (Err(err), _) | (_, Err(err)) => {
            crate::say!("bachata1c: ledger {}: {err}", path.display());
            return super::UNUSABLE;
        }
    };
    let count = folders::count_webhooks;
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
    crate::show!("inbox:      {} waiting", count(&folders.inbox));
    crate::show!("failed/:    {} file(s)", count(&folders.failed));
    if !failures.is_empty() {
        crate::show!("latest refused inputs:");
        for f in &failures {
            crate::show!("  {}  {}: {}", f.at, f.name, f.reason);
        }
    }
    super::SUCCESS
}
