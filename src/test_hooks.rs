//! The hooks the tests reach the real binary through, read from the environment. They exist
//! only with the `test-hooks` feature, which `cargo test` turns on (Cargo.toml's
//! dev-dependency on this crate) and a release build never has: there each hook is an empty
//! function, and the variables' names are not in the binary (scripts/check-no-test-hooks,
//! run by `make build` and scripts/dist, makes sure). Every `BACHATA1C_` variable a test sets
//! to change what the binary does is read here and nowhere else (tests/test_hooks.rs).

use std::time::Duration;

/// `BACHATA1C_CRASH_AT=<step>` aborts the process at that step of a round, as a power cut
/// would, so that the tests can show every step is safe to interrupt (docs/architecture.md
/// lists the steps; tests/exchange_crash.rs).
#[cfg(feature = "test-hooks")]
pub fn crash_point(step: &str) {
    static AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if AT
        .get_or_init(|| std::env::var("BACHATA1C_CRASH_AT").ok())
        .as_deref()
        == Some(step)
    {
        std::process::abort();
    }
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub fn crash_point(_step: &str) {}

/// `BACHATA1C_TEST_FIRST_BLOCK_SECONDS` sets how long serve's first closing of an address
/// lasts, so that the tests through the real binary see an address closed without racing a
/// clock (tests/serve_login.rs).
#[cfg(feature = "test-hooks")]
pub fn first_block() -> Option<Duration> {
    std::env::var("BACHATA1C_TEST_FIRST_BLOCK_SECONDS")
        .ok()
        .and_then(|secs| secs.parse().ok())
        .map(Duration::from_secs)
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub fn first_block() -> Option<Duration> {
    None
}
