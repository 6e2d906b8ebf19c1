//! Any bytes through payload::read and convert to every format, encoding and CSV style.
//! `make fuzz` runs it; a crash it finds becomes a test in tests/fuzz_stable.rs.
#![no_main]

#[path = "../../tests/invariants/mod.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| invariants::check(bytes));
