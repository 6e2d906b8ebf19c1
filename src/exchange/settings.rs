//! What a worker on the exchange folder is asked to do (`run`, `watch`, `serve --convert`):
//! the folders, the conversion, when a file is taken, and what the outbox gets. `settings`
//! builds these from the options and the config; this module only owns them and their defaults.

use std::time::Duration;

use super::folders::Folders;
use crate::conversion;
use crate::limits::Limits;
use crate::report::LogSettings;

/// An unparseable file unchanged this long goes to failed/ (it is not being written any more).
pub const DEFAULT_GIVE_UP_AFTER: Duration = Duration::from_secs(120);
/// A claim not renewed this long belongs to a dead worker of another machine.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(300);
/// `watch` scans at least this often: with events, and with `--poll`.
pub const DEFAULT_RESCAN: Duration = Duration::from_secs(30);
pub const DEFAULT_POLL_RESCAN: Duration = Duration::from_secs(2);
/// The shortest rescan interval accepted: below it `watch` would only spin.
pub const MIN_RESCAN: Duration = Duration::from_millis(50);
/// The days of leads the cumulative orders file holds.
pub const DEFAULT_WINDOW_DAYS: u32 = 30;

/// `run` (and the exchange-folder part of `watch` and `serve --convert`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub folders: Folders,
    pub conversion: conversion::Settings,
    pub limits: Limits,
    /// `--settle`: files must stand unchanged this long before they are taken. `None`: taken
    /// at once, since a webhook that parses as a whole is complete.
    pub settle: Option<Duration>,
    pub give_up_after: Duration,
    pub lease: Duration,
    /// `--batch`: one output file per run (per scan in `watch`) instead of one per input.
    pub one_output_per_run: bool,
    /// `--commerceml-file`: one cumulative CommerceML file instead of one per input.
    pub orders_file: Option<OrdersFile>,
    pub done_marker: Option<String>,
    /// Take symbolic links to files in the inbox rather than refusing them.
    pub follow_symlinks: bool,
    /// Start a new ledger although archive/ holds inputs (it is filled from the archive).
    pub new_ledger: bool,
    pub log: LogSettings,
}

/// The one CommerceML file 1C's exchange through a folder reads: the leads of the window,
/// numbered by the ledger's queue.
#[derive(Debug, Clone)]
pub struct OrdersFile {
    pub name: String,
    pub window_days: u32,
}

/// `watch`: the exchange folder, and how the inbox is watched.
#[derive(Debug, Clone)]
pub struct Watch {
    pub exchange: Settings,
    /// No file-system events: scan on the timer only (network shares).
    pub poll: bool,
    pub rescan: Duration,
}
