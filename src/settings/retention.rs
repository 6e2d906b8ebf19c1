//! `[retention]` over its defaults into [`crate::retention::Policy`]; the days are checked as
//! the config is read (a number from `retention::MIN_DAYS`, or `"off"`), so a mistake is named
//! by its key there.

use super::{Error, FolderArgs, Source, given};
use crate::retention::Policy;

/// How long the exchange folder `args` names keeps what is done with (its config's
/// `[retention]`).
pub fn retention(args: &FolderArgs) -> Result<Policy, Error> {
    let source = Source::of(&given(args)?)?;
    let file = &source.config.retention;
    let defaults = Policy::default();
    Ok(Policy {
        archive_days: file.archive_days.unwrap_or(defaults.archive_days),
        failed_days: file.failed_days.unwrap_or(defaults.failed_days),
        ledger_days: file.ledger_days.unwrap_or(defaults.ledger_days),
    })
}
