//! The options of `run` and `watch` (and `serve --convert`): when files are taken, the outbox,
//! the watcher, and the log.

use super::*;

/// Options of `run`, shared by `watch` and `serve --convert`. The command's own options come
/// first: each flattened group below sets the help heading of what follows it.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Take a file only once it has stayed unchanged this many seconds, for writers that pause
    /// mid-file [default: take a file as soon as it parses as a whole JSON object, which a
    /// partly written one does not; config: [watch] settle_seconds].
    #[arg(long, value_name = "SECS")]
    pub settle: Option<f64>,

    /// Seconds an unparseable file may stay unchanged (still being written?) before it goes to
    /// failed/ [default: 120; config: [watch] give_up_after_seconds].
    #[arg(long, value_name = "SECS")]
    pub give_up_after: Option<f64>,

    /// Seconds after which the claim of a worker that stopped renewing it is taken back; on one
    /// machine a dead worker's claim is taken back at once [default: 300; config: [watch]
    /// lease_seconds].
    #[arg(long, value_name = "SECS")]
    pub lease: Option<f64>,

    /// One outbox file per run (per scan in `watch`) instead of one per input, for 1C
    /// processings that import one file per exchange (up to 10,000 inputs per file).
    #[arg(long)]
    pub batch: bool,

    /// With --format commerceml: keep one orders file of this name in the outbox, holding the
    /// leads of the last --commerceml-window-days days numbered as 1C's «Обмен с сайтом» knows
    /// them, rewritten after every round, instead of one file per input: for 1C's exchange
    /// through a folder, which reads one fixed file on every exchange.
    #[arg(long, value_name = "NAME")]
    pub commerceml_file: Option<String>,

    /// The days of leads (by when their webhook was received) the --commerceml-file holds
    /// [default: 30].
    #[arg(long, value_name = "DAYS")]
    pub commerceml_window_days: Option<u32>,

    /// After publishing, create this empty file in the outbox (for 1C setups that wait for one).
    #[arg(long, value_name = "NAME")]
    pub done_marker: Option<String>,

    /// Take symbolic links to files from the inbox too. By default a link is refused into
    /// failed/, so that nothing outside the exchange folder is read.
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Start a new ledger although archive/ holds converted inputs (the old ledger was lost):
    /// the archived inputs are recorded in it first, so that a webhook delivered again is
    /// still recognised, and the numbers (Номер) continue above every one given before
    /// (archive/.bachata1c-last-number), so 1C never gets one number for two leads.
    #[arg(long)]
    pub new_ledger: bool,

    #[command(flatten, next_help_heading = "Exchange folder")]
    pub folders: FolderArgs,

    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,

    #[command(flatten, next_help_heading = "Which clients are exported")]
    pub rules: RuleArgs,

    #[command(flatten, next_help_heading = "Limits on one input")]
    pub limits: LimitArgs,

    #[command(flatten, next_help_heading = "Log")]
    pub log: LogArgs,
}

#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Poll the inbox instead of waiting for file-system events (network shares)
    /// [config: [watch] poll].
    #[arg(long)]
    pub poll: bool,

    /// Scan the inbox at least this often, in seconds [default: 30; 2 with --poll; config:
    /// [watch] rescan_seconds].
    #[arg(long, value_name = "SECS")]
    pub rescan: Option<f64>,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args, Clone, Default)]
pub struct LogArgs {
    /// Also print details: files not complete yet, files of an input folder that are not
    /// taken, each skipped client.
    // A flag, not a count: there is no more to show with -vv (accepted, the same as -v).
    #[arg(long, short, action = clap::ArgAction::SetTrue, overrides_with = "verbose")]
    pub verbose: bool,

    /// Print only problems and the summary.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Append the log lines, with timestamps, to this file too.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
}
