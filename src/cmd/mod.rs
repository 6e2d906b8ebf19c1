//! One module per subcommand, each ending in a `run` that returns how the command ended. Each
//! first asks [`crate::settings`] for its settings, so a bad option or config is reported the
//! same way everywhere.

pub mod alerting;
pub mod convert;
pub mod csv_template;
pub mod doctor;
pub mod init;
pub mod leads;
pub mod report;
pub mod retry;
pub mod run;
pub mod serve;
pub mod status;
pub mod watch;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// How a command ended; its exit status is documented in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything was done (inputs without a qualifying client count as converted).
    Success,
    /// Some inputs were refused (kept with their reason); the others were converted.
    SomeRefused,
    /// `serve` stopped on its own: the server or the converter beside it failed.
    StoppedOnItsOwn,
    /// `doctor` found something in the way of 1C's exchange.
    ProblemFound,
    /// A usage error, or the folders, config, ledger or address cannot be used.
    Unusable,
    /// `status --check`: the monitoring plugin's verdict is the exit status (0 to 3).
    Checked(crate::monitor::plugin::Verdict),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::SomeRefused | Exit::StoppedOnItsOwn | Exit::ProblemFound => 1,
            Exit::Unusable => 2,
            Exit::Checked(verdict) => verdict.code(),
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let exit = match cli.command {
        Command::Convert(args) => convert::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Watch(args) => watch::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Retry(args) => retry::run(&args),
        Command::Leads(args) => leads::run(&args),
        Command::CsvTemplate(args) => csv_template::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Doctor(args) => doctor::run(&args),
    };
    exit.into()
}

/// Reports a settings error the one way every command does, and says the command cannot run.
/// A config file's parse error is drawn by the TOML library on several lines (the line, a caret
/// under the column): each is said as a line of its own.
fn unusable(err: impl std::fmt::Display) -> Exit {
    let text = err.to_string();
    let mut lines = text.lines();
    crate::say!("bachata1c: {}", lines.next().unwrap_or_default());
    for line in lines {
        crate::say!("{line}");
    }
    Exit::Unusable
}
