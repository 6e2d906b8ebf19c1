//! Whether leads flow, as a monitor sees it: a [`Snapshot`] of an exchange folder's flow (the 1C
//! queue, the oldest lead waiting for 1C, 1C's last request, the last webhook, refused inputs,
//! free disk space) taken with the clock passed in, and [`judge`]d against [`Thresholds`] into
//! [`Condition`]s, each with a stable name, a severity and words in Russian and English.
//! `status --check` prints them as a monitoring plugin does ([`plugin`]), `serve`'s `/metrics`
//! shows the same snapshot to Prometheus ([`exposition`]), and the alerts take the conditions.
//! [`activity`] records when 1C and Bachata were last heard from, across processes.

pub mod activity;
pub mod exposition;
mod judge;
pub mod plugin;
mod snapshot;
pub mod text;
pub mod threshold;

use std::time::Duration;

use chrono::{DateTime, Utc};

pub use judge::judge;
pub use snapshot::{Disk, Error as SnapshotError, Parts, Queue, Snapshot};
pub use text::Text;

/// Leads waiting for 1C longer than this are a stall (1C's scheduled exchange usually runs
/// every few minutes).
pub const DEFAULT_MAX_WAITING: Duration = Duration::from_secs(2 * 60 * 60);
/// 1C silent this long while leads wait for it: its scheduled exchange has stopped.
pub const DEFAULT_MAX_1C_SILENCE: Duration = Duration::from_secs(60 * 60);
/// Off: nights and weekends are quiet, so silence from Bachata says nothing by default.
pub const DEFAULT_MAX_WEBHOOK_SILENCE: Option<Duration> = None;
/// Any refused input waits for a person: it holds leads that reached no one.
pub const DEFAULT_MAX_REFUSED: u64 = 0;
/// Below this much free space on the exchange folder's disk, a warning; below a tenth of it,
/// critical (a full disk refuses webhooks with 507).
pub const DEFAULT_MIN_FREE_DISK: u64 = 1 << 30;
/// The part of `min_free_disk` below which free space is critical.
pub const CRITICAL_DISK_DIVISOR: u64 = 10;

/// What `judge` holds a snapshot against; `None` turns a check off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// The oldest lead waiting for 1C (waiting or offered) may be this old.
    pub max_waiting: Option<Duration>,
    /// 1C may be silent this long while leads wait for it.
    pub max_1c_silence: Option<Duration>,
    /// Bachata may post no webhook for this long.
    pub max_webhook_silence: Option<Duration>,
    /// Refused inputs in failed/ beyond this many are a warning.
    pub max_refused: Option<u64>,
    /// Bytes free on the exchange folder's disk below which it is a warning.
    pub min_free_disk: Option<u64>,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            max_waiting: Some(DEFAULT_MAX_WAITING),
            max_1c_silence: Some(DEFAULT_MAX_1C_SILENCE),
            max_webhook_silence: DEFAULT_MAX_WEBHOOK_SILENCE,
            max_refused: Some(DEFAULT_MAX_REFUSED),
            min_free_disk: Some(DEFAULT_MIN_FREE_DISK),
        }
    }
}

/// `status --check` and the alerts: where the exchange folder is, and what is judged wrong.
#[derive(Debug, Clone)]
pub struct Settings {
    pub parts: Parts,
    pub thresholds: Thresholds,
}

/// How bad a condition is, as monitoring plugins grade it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "WARNING",
            Severity::Critical => "CRITICAL",
        }
    }
}

/// Something wrong with the flow now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Stable, never reworded: `leads_waiting`, `1c_silent`, `webhooks_silent`,
    /// `inputs_refused`, `disk_space` (the alert's `BACHATA1C_ALERT`).
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what is wrong, with the figures.
    pub summary: Text,
    /// What to do, naming the exchange folder (or its part) concerned.
    pub details: Text,
}

/// Seconds from `then` to `now`, never negative (a clock set back).
pub fn seconds_since(then: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    (now - then).num_seconds().max(0) as u64
}
