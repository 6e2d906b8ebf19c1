use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match bachata1c::cli::Cli::try_parse() {
        Ok(cli) => bachata1c::cmd::run(cli),
        Err(err) => bachata1c::cmd::status::refused_check(&err).unwrap_or_else(|| err.exit()),
    }
}
