//! bachata1c turns Bachata webhook payloads into files that 1C:Enterprise imports.
//!
//! The data flows one way: bytes → [`payload`] → [`lead`] (qualified, or skipped with a reason)
//! → [`format`] (rendered and encoded) → published file → [`ledger`] entry. [`conversion`] is
//! that whole path for one input, without touching the disk or the clock. At the edges:
//! [`files`] (file operations that name their path, atomic publishing), [`exchange`] (the
//! exchange folder), [`trigger`] (what wakes `watch`), [`serve`] (HTTP), [`site`] (1C's «Обмен с
//! сайтом» answered from the ledger's queue of leads). [`settings`] is where
//! the command line ([`cli`]) meets the config file ([`config`]); [`cmd`] runs each command;
//! [`report`] tells the administrator; [`stop`] ends everything cleanly; [`template`] reads the
//! header row of the template 1C saves, for `csv-template`.

pub mod cli;
pub mod cmd;
pub mod config;
pub mod conversion;
pub mod exchange;
pub mod files;
pub mod format;
pub mod lead;
pub mod ledger;
pub mod limits;
pub mod lock;
pub mod parallel;
pub mod payload;
pub mod phone;
pub mod report;
pub mod serve;
pub mod settings;
pub mod site;
pub mod stop;
pub mod template;
pub mod test_hooks;
pub mod trigger;
