//! bachata1c turns Bachata webhook payloads into files that 1C:Enterprise imports.
//!
//! The data flows one way: bytes → [`payload`] → [`lead`] (qualified, or skipped with a reason)
//! → [`format`] (rendered and encoded) → published file. [`convert`] is that whole path for one
//! input, without touching the disk or the clock; [`fsx`] holds the file operations.
#![forbid(unsafe_code)]

pub mod cli;
pub mod cmd;
pub mod config;
pub mod convert;
pub mod exchange;
pub mod format;
pub mod fsx;
pub mod lead;
pub mod ledger;
pub mod limits;
pub mod log;
pub mod parallel;
pub mod payload;
pub mod phone;
pub mod report;
pub mod serve;
pub mod watch;
