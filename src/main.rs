use clap::Parser;

fn main() -> std::process::ExitCode {
    bachata1c::cmd::run(bachata1c::cli::Cli::parse())
}
