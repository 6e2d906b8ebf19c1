//! `bachata1c serve`: merges the command line with the config file's `[serve]` and `[folders]`
//! into [`serve::Settings`], reads the password from its variable or file, and runs the server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use std::sync::atomic::Ordering;

use super::run::STOP;
use crate::cli::{ServeArgs, WatchArgs};
use crate::config::{Config, ServeConfig};
use crate::exchange::folders::Folders;
use crate::serve::{self, Credentials, Settings, Tls};
use crate::watch::Wake;

pub fn run(args: &ServeArgs) -> u8 {
    let settings = match settings(args) {
        Ok(settings) => settings,
        Err(message) => {
            crate::say!("bachata1c: serve: {message}");
            return super::UNUSABLE;
        }
    };
    match serve::run(
        settings,
        args.convert.then(|| converter(args.watch.clone())),
    ) {
        Ok(()) => super::SUCCESS,
        Err(serve::Error::Startup(message)) => {
            crate::say!("bachata1c: serve: {message}");
            super::UNUSABLE
        }
        Err(serve::Error::Stopped(message)) => {
            crate::say!("bachata1c: serve: {message}");
            super::SOME_REFUSED
        }
    }
}

/// `serve --convert`: the watch loop on its own thread over the same exchange folder. The
/// server owns SIGINT/SIGTERM, so its shutdown is bridged to the loop's stop instead of
/// installing the watcher's own signal handler.
fn converter(args: WatchArgs) -> serve::Background {
    Box::new(move |shutdown: serve::Shutdown| {
        let status = super::watch::watch(&args, |wake| {
            shutdown.on_request(move || {
                STOP.store(true, Ordering::SeqCst);
                let _ = wake.send(Wake::Stop);
            });
        });
        match status {
            super::SUCCESS => Ok(()),
            code => Err(anyhow::anyhow!(
                "converting the inbox stopped (exit status {code}; see the lines above)"
            )),
        }
    })
}

fn settings(args: &ServeArgs) -> Result<Settings, String> {
    let (config, base) = match Folders::config_path(&args.watch.run.folders) {
        Some(path) => {
            let config = Config::load(&path).map_err(|err| err.to_string())?;
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (config, base)
        }
        None => (Config::default(), PathBuf::new()),
    };
    let file = &config.serve;
    let (inbox, failed) = folders(args, &config, &base)?;
    let path = args
        .path
        .clone()
        .or_else(|| file.path.clone())
        .unwrap_or_else(|| serve::DEFAULT_PATH.to_string());
    check_path(&path)?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Tls {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => match (&file.tls_cert, &file.tls_key) {
            (Some(cert), Some(key)) => Some(Tls {
                cert: base.join(cert),
                key: base.join(key),
            }),
            (None, None) => None,
            _ => return Err("[serve] needs both tls_cert and tls_key, or neither".to_string()),
        },
    };
    let body_limit = args
        .body_limit
        .or(file.body_limit)
        .unwrap_or(serve::DEFAULT_BODY_LIMIT);
    if body_limit == 0 {
        return Err("the body limit must be more than 0 bytes".to_string());
    }
    Ok(Settings {
        listen: args.listen.or(file.listen).unwrap_or_else(|| {
            serve::DEFAULT_LISTEN
                .parse()
                .expect("the default address is valid")
        }),
        path,
        body_limit,
        credentials: credentials(args, file, &base)?,
        inbox,
        failed,
        tls,
        header_timeout: seconds(
            "header timeout",
            args.header_timeout.or(file.header_timeout_secs),
            serve::DEFAULT_HEADER_TIMEOUT,
        )?,
        body_timeout: seconds(
            "body timeout",
            args.body_timeout.or(file.body_timeout_secs),
            serve::DEFAULT_BODY_TIMEOUT,
        )?,
        max_connections: match args.max_connections.or(file.max_connections) {
            None => serve::DEFAULT_MAX_CONNECTIONS,
            Some(0) => return Err("[serve] max_connections must be at least 1".to_string()),
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        },
    })
}

/// The inbox and failed folders, resolved as the exchange folder resolves them: an option
/// wins; else `[folders] inbox`/`failed` inside the exchange folder (`--dir`, or `[folders]
/// dir` relative to the config file), or absolute; else DIR/inbox and DIR/failed.
fn folders(args: &ServeArgs, config: &Config, base: &Path) -> Result<(PathBuf, PathBuf), String> {
    let given = &args.watch.run.folders;
    let from_file = |key: &str| match key {
        "inbox" => config.folders.inbox.clone(),
        _ => config.folders.failed.clone(),
    };
    let dir = match &given.dir {
        Some(dir) => Some(dir.clone()),
        None => config.folders.dir.as_ref().map(|dir| base.join(dir)),
    };
    let part = |given: &Option<PathBuf>, key: &str| -> Result<PathBuf, String> {
        if let Some(path) = given {
            return Ok(path.clone());
        }
        match (from_file(key), &dir) {
            (Some(path), Some(dir)) => Ok(dir.join(path)),
            (Some(path), None) if path.is_absolute() => Ok(path),
            (None, Some(dir)) => Ok(dir.join(key)),
            _ => Err(format!(
                "say where to save webhooks: no {key} folder; pass --dir DIR (for DIR/inbox and DIR/failed) or --{key} DIR, or set [folders] dir in the config"
            )),
        }
    };
    Ok((part(&given.inbox, "inbox")?, part(&given.failed, "failed")?))
}

/// Only plain path characters: the path becomes a route, and a dealer types it into Bachata.
fn check_path(path: &str) -> Result<(), String> {
    let plain = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
    if !path.starts_with('/') || !plain {
        return Err(format!(
            "the webhook path {path:?} must start with / and use only letters, digits and / - _ . ~"
        ));
    }
    if path == serve::HEALTH_PATH {
        return Err(format!(
            "the webhook path cannot be {}, which answers health checks",
            serve::HEALTH_PATH
        ));
    }
    Ok(())
}

fn seconds(what: &str, given: Option<u64>, default: Duration) -> Result<Duration, String> {
    match given {
        None => Ok(default),
        Some(0) => Err(format!("the {what} must be at least 1 second")),
        Some(secs) => Ok(Duration::from_secs(secs)),
    }
}

/// The user from the command line or the file; the password only from a variable or a file,
/// the command line's source winning over the config's.
fn credentials(
    args: &ServeArgs,
    file: &ServeConfig,
    base: &Path,
) -> Result<Option<Credentials>, String> {
    let user = args.user.clone().or_else(|| file.user.clone());
    let source = match (&args.password_env, &args.password_file) {
        (Some(_), Some(_)) => {
            return Err("give --password-env or --password-file, not both".to_string());
        }
        (Some(var), None) => Some(PasswordSource::Env(var.clone())),
        (None, Some(path)) => Some(PasswordSource::File(path.clone())),
        (None, None) => match (&file.password_env, &file.password_file) {
            (Some(_), Some(_)) => {
                return Err("[serve] has both password_env and password_file; keep one".to_string());
            }
            (Some(var), None) => Some(PasswordSource::Env(var.clone())),
            (None, Some(path)) => Some(PasswordSource::File(base.join(path))),
            (None, None) => None,
        },
    };
    match (user, source) {
        (None, None) => Ok(None),
        (Some(user), None) => Err(format!(
            "user {user:?} has no password: give --password-env VAR or --password-file FILE"
        )),
        (None, Some(_)) => Err("a password is set but no user: give --user NAME".to_string()),
        (Some(user), Some(source)) => {
            let password = source.read()?;
            Credentials::new(&user, &password)
                .map(Some)
                .map_err(|reason| format!("Basic Authentication: {reason}"))
        }
    }
}

enum PasswordSource {
    Env(String),
    File(PathBuf),
}

impl PasswordSource {
    fn read(&self) -> Result<String, String> {
        match self {
            PasswordSource::Env(var) => std::env::var(var).map_err(|err| {
                format!("cannot read the password from the environment variable {var}: {err}")
            }),
            PasswordSource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|err| {
                    format!("cannot read the password file {}: {err}", path.display())
                })?;
                // The first line, as `echo secret > file` or Notepad (BOM, CRLF) leave it.
                let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
                let line = text.lines().next().unwrap_or("");
                Ok(line.to_string())
            }
        }
    }
}
