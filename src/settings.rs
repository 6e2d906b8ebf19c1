//! The one place where the command line meets the config file: each command's options and the
//! TOML file become one typed settings value, with every default written here once and every
//! cross-option rule applied here. The rest of the program takes these values and never sees a
//! clap type. A setting that cannot be used is an [`Error`] naming the option and the key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::auth::Credentials;
use crate::cli::{
    ConvertArgs, DoctorArgs, FolderArgs, InitArgs, LimitArgs, LogArgs, OutputArgs, ReportArgs,
    RetryArgs, RuleArgs, RunArgs, ServeArgs, StatusArgs, WatchArgs,
};
use crate::config::{Config, ConfigError};
use crate::conversion::{self, DEFAULT_EVENT};
use crate::exchange::folders::{CONFIG_NAME, Folders};
use crate::exchange::{
    self, DEFAULT_GIVE_UP_AFTER, DEFAULT_LEASE, DEFAULT_POLL_RESCAN, DEFAULT_RESCAN,
    DEFAULT_WINDOW_DAYS, MIN_RESCAN, OrdersFile, Watch,
};
use crate::files::identity::{Relation, identity, relation};
use crate::format::bsp::{CsvProfile, DEFAULT_PARTNER};
use crate::format::{Format, Layout, TextEncoding};
use crate::lead::Rules;
use crate::limits::Limits;
use crate::report::{Level, LogSettings};
use crate::serve::http::{HEALTH_PATH, METRICS_PATH};
use crate::serve::{
    self, DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_LISTEN,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_TRUSTED_PROXIES, DEFAULT_WEBHOOK_PATH, Tls,
};
use crate::site::{
    self, BITRIX_SITE_PATH, DEFAULT_FILE_LIMIT, DEFAULT_SESSION_TIMEOUT, DEFAULT_SITE_PATH,
};

mod error;
pub use error::Error;
use error::password_variable;
pub mod options;
mod parts;
use parts::*;
pub use parts::{Leads, leads, report, retry, status};
mod running;
use running::watch_from;
pub use running::{run, watch};
mod serving;
pub use serving::serve;
use serving::webhook_folder;
mod source;
use source::*;
mod values;
pub use values::ListFormat;

use crate::password::{PasswordError, PasswordSource};
use crate::support::{bundle, trace};

mod alerts;
pub use alerts::alerts;
mod retention;
pub use retention::retention;
mod checks;
pub use checks::{alerting, check, serve_alerting, serve_log, thresholds};

/// `convert`: inputs read by hand into an output folder.
#[derive(Debug, Clone)]
pub struct Convert {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    pub conversion: conversion::Settings,
    pub limits: Limits,
    pub log: LogSettings,
    /// The config names a cumulative CommerceML file, which only the exchange folder keeps.
    pub orders_file_ignored: bool,
}

/// `convert`: the options over the config's `[output]`, `[rules]`, `[mapping]`, `[limits]`.
pub fn convert(args: &ConvertArgs) -> Result<Convert, Error> {
    let source = Source::load(args.config.as_deref())?;
    Ok(Convert {
        inputs: args.inputs.clone(),
        out: args.out.clone(),
        conversion: source.conversion(&args.output, &args.rules)?,
        limits: source.limits(&args.limits),
        log: log(&args.log),
        orders_file_ignored: source.config.output.commerceml_file.is_some(),
    })
}

/// `init`: the folders to create, the exchange folder, and where its config goes.
#[derive(Debug, Clone)]
pub struct Init {
    pub folders: Folders,
    pub dir: PathBuf,
    pub config: PathBuf,
    /// `--owner USER[:GROUP]`, as given.
    pub owner: Option<String>,
}

pub fn init(args: &InitArgs) -> Result<Init, Error> {
    let args_owner = args.owner.clone();
    let args = given(&FolderArgs {
        folder: args.folder.clone(),
        dir: args.dir.clone(),
        config: args.config.clone(),
        ..FolderArgs::default()
    })?;
    // The config is read when it is there; a new one is what `init` writes.
    let existing = args.config.as_ref().filter(|path| path.exists());
    let source = match existing {
        Some(path) => Source::load(Some(path))?,
        None => Source::of(&FolderArgs {
            config: None,
            ..args.clone()
        })?,
    };
    let dir = source.dir(&args).ok_or(Error::NeedsDir("init"))?;
    Ok(Init {
        folders: source.folders(&args)?,
        config: args.config.clone().unwrap_or_else(|| dir.join(CONFIG_NAME)),
        dir,
        owner: args_owner,
    })
}

/// `doctor`: the address as 1C reads it and the node's login, its password from a variable or a
/// file as `serve` reads its own.
pub fn doctor(args: &DoctorArgs) -> Result<crate::doctor::Settings, Error> {
    let address = crate::doctor::address::Address::parse(&args.url).map_err(Error::Address)?;
    let password = match (&args.password_env, &args.password_file) {
        (Some(_), Some(_)) => return Err(Error::TwoPasswordOptions),
        (Some(var), None) => PasswordSource::Env {
            var: var.clone(),
            origin: "--password-env",
        },
        (None, Some(path)) => PasswordSource::File(path.clone()),
        (None, None) => return Err(Error::NoPassword(args.user.clone())),
    };
    Ok(crate::doctor::Settings {
        typed: args.url.clone(),
        address,
        credentials: Credentials::new(&args.user, &password.read()?)?,
    })
}

#[cfg(test)]
mod tests;
