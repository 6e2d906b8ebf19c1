//! `bachata1c status DIR --check`: the flow judged as a monitoring plugin (see
//! [`crate::monitor::plugin`]), on stdout; and the lines plain `status` shows of what `serve`
//! recorded (1C's last request, the last webhook) and of the oldest lead 1C has not confirmed.

use std::time::Duration;

use chrono::{DateTime, Local, Utc};

use super::Exit;
use crate::cli::StatusArgs;
use crate::monitor::plugin::{self, Verdict};
use crate::monitor::{Snapshot, judge, seconds_since, text};
use crate::settings;

pub fn run(args: &StatusArgs) -> Exit {
    let (output, verdict) =
        look(args).unwrap_or_else(|reason| (plugin::unknown(&reason), Verdict::Unknown));
    crate::report::stdout(output.trim_end());
    Exit::Checked(verdict)
}

/// The check's output and verdict; why it cannot look (UNKNOWN) as an error.
fn look(args: &StatusArgs) -> Result<(String, Verdict), String> {
    let settings = settings::check(args).map_err(|err| err.to_string())?;
    let parts = &settings.parts;
    if !parts.inbox.is_dir() {
        return Err(format!(
            "{}: no such exchange folder (no inbox {}); create it with `bachata1c init --dir DIR`",
            parts.folder.display(),
            parts.inbox.display()
        ));
    }
    let snapshot = Snapshot::take(parts, Utc::now()).map_err(|err| err.to_string())?;
    let conditions = judge(&snapshot, &settings.thresholds);
    Ok((
        plugin::output(&snapshot, &settings.thresholds, &conditions),
        Verdict::of(&conditions),
    ))
}

/// Plain `status`'s lines of the flow: the oldest lead 1C has not confirmed, and when 1C and
/// Bachata were last heard from. Nothing when the snapshot cannot be taken (the ledger's own
/// lines say why).
pub fn show_flow(args: &StatusArgs) {
    let Ok(settings) = settings::check(args) else {
        return;
    };
    let Ok(snapshot) = Snapshot::take(&settings.parts, Utc::now()) else {
        return;
    };
    let now = snapshot.taken_at;
    if let Some(oldest) = snapshot.queue.and_then(|q| q.oldest_waiting) {
        super::line(format_args!(
            "oldest:     the oldest lead 1C has not confirmed was received {}",
            when(oldest, now)
        ));
    }
    let recorded = |at: Option<DateTime<Utc>>, what: &str| match at {
        Some(at) => format!("{what} {}", when(at, now)),
        None => "none recorded (bachata1c serve records them)".to_string(),
    };
    super::line(format_args!(
        "1C:         {}",
        recorded(snapshot.last_1c_request, "last request")
    ));
    super::line(format_args!(
        "webhooks:   {}",
        recorded(snapshot.last_webhook, "last received")
    ));
}

/// `2026-12-07 09:58:00 (5 min ago)`, in the server's local time.
fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let ago = text::span(Duration::from_secs(seconds_since(at, now))).en;
    format!(
        "{} ({ago} ago)",
        at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S")
    )
}

/// A command line clap refused, when it asked for `status --check`: a monitor reads a usage
/// error as UNKNOWN (exit 3), with the reason on the plugin's line; `None` for any other.
pub fn refused_check(err: &clap::Error) -> Option<std::process::ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let checking =
        args.first().is_some_and(|a| a == "status") && args.iter().any(|a| a == "--check");
    if !checking || !err.use_stderr() {
        return None;
    }
    let reason = err
        .kind()
        .as_str()
        .unwrap_or("bad command line")
        .to_string();
    let first = err
        .to_string()
        .lines()
        .next()
        .map(|line| line.trim_start_matches("error: ").to_string())
        .unwrap_or(reason);
    crate::report::stdout(plugin::unknown(&format!("bachata1c status: {first}")).trim_end());
    Some(Exit::Checked(Verdict::Unknown).into())
}
