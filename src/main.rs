use clap::Parser;

// A leaner allocator than the system's: a big webhook is millions of small strings, and
// glibc's malloc spent a fifth of the time of a 50,000-client file allocating and freeing them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    bachata1c::cmd::run(bachata1c::cli::Cli::parse())
}
