//! bachata1c turns Bachata webhook payloads into files that 1C:Enterprise imports.
//!
//! The data flows one way: bytes → [`payload`] → [`lead`] (qualified, or skipped with a reason)
//! → [`format`] (rendered and encoded) → published file → [`ledger`] entry. [`conversion`] is
//! that whole path for one input, without touching the disk or the clock. At the edges:
//! [`files`] (file operations that name their path, atomic publishing), [`exchange`] (the
//! exchange folder), [`trigger`] (what wakes `watch`), [`serve`] (HTTP), [`site`] (1C's «Обмен с
//! сайтом» answered from the ledger's queue of leads), [`doctor`] (1C's client played against an
//! address, to say what stands in the way). [`settings`] is where
//! the command line ([`cli`]) meets the config file ([`config`]); [`cmd`] runs each command;
//! [`report`] tells the administrator; [`stop`] ends everything cleanly; [`template`] reads the
//! header row of the template 1C saves, for `csv-template`; [`support`] makes what a dealer
//! sends to support (`report`, and `serve --trace-1c`); [`span`] reads lengths of time;
//! [`alerts`] tells a person when leads stop flowing, by the dealer's command or by mail;
//! [`password`] reads a password from a variable or a file; [`retention`] removes, once a day,
//! what is past its days.

pub mod alerts;
pub mod auth;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod conversion;
pub mod doctor;
pub mod exchange;
pub mod files;
pub mod format;
pub mod lead;
pub mod ledger;
pub mod limits;
pub mod lock;
pub mod monitor;
pub mod parallel;
pub mod password;
pub mod payload;
pub mod phone;
pub mod report;
pub mod retention;
pub mod serve;
pub mod settings;
pub mod site;
pub mod span;
pub mod stop;
pub mod support;
pub mod template;
pub mod test_hooks;
pub mod trigger;
