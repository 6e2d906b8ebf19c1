//! One module per subcommand, each ending in a `run` that returns the exit status.

pub mod convert;
pub mod init;
pub mod retry;
pub mod run;
pub mod serve;
pub mod status;
pub mod watch;

use std::process::ExitCode;

/// Exit statuses, as documented in `--help`.
pub const SUCCESS: u8 = 0;
pub const SOME_REFUSED: u8 = 1;
pub const UNUSABLE: u8 = 2;

pub fn run(cli: crate::cli::Cli) -> ExitCode {
    let status = match cli.command {
        crate::cli::Command::Convert(args) => convert::run(&args),
        crate::cli::Command::Init(args) => init::run(&args),
        crate::cli::Command::Run(args) => run::run(&args),
        crate::cli::Command::Watch(args) => watch::run(&args),
        crate::cli::Command::Status(args) => status::run(&args),
        crate::cli::Command::Retry(args) => retry::run(&args),
        crate::cli::Command::Serve(args) => serve::run(&args),
    };
    ExitCode::from(status)
}
