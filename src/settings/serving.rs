//! `serve`: its address, its login, its paths, and 1C's «Обмен с сайтом» beside it.

use super::*;

/// `serve`: the options over the config's `[serve]` and `[folders]` over the defaults. The
/// password is read here, from its variable or file; it never comes from the command line.
pub fn serve(args: &ServeArgs) -> Result<serve::Settings, Error> {
    let mut watch_args = args.watch.clone();
    watch_args.run.folders = given(&watch_args.run.folders)?;
    let args = &ServeArgs {
        watch: watch_args,
        ..args.clone()
    };
    let folder_args = &args.watch.run.folders;
    let source = Source::of(folder_args)?;
    let file = &source.config.serve;
    let path = args
        .path
        .clone()
        .or_else(|| file.path.clone())
        .unwrap_or_else(|| DEFAULT_WEBHOOK_PATH.to_string());
    check_path(&path, SitePathOf::Webhook)?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Tls {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => match (&file.tls_cert, &file.tls_key) {
            (Some(cert), Some(key)) => Some(Tls {
                cert: source.base.join(cert),
                key: source.base.join(key),
            }),
            (None, None) => None,
            _ => return Err(Error::HalfTls),
        },
    };
    let body_limit = args
        .body_limit
        .or(file.body_limit)
        .map_or(DEFAULT_BODY_LIMIT, |size| {
            usize::try_from(size.0).unwrap_or(usize::MAX)
        });
    let (site, site_without_login) = match site_exchange(args, &source, &path)? {
        SiteChoice::Off => (None, Vec::new()),
        SiteChoice::WithoutLogin(paths) => (None, paths),
        SiteChoice::On(site) => (Some(*site), Vec::new()),
    };
    let answers_1c = site.is_some() || !site_without_login.is_empty();
    let trace_1c = trace_1c(args, &source, answers_1c)?;
    // Without --dir not every part is known: the ones that are must still be apart.
    let known: Vec<(&'static str, PathBuf)> = ["inbox", "outbox", "archive", "failed", "state"]
        .into_iter()
        .filter_map(|part| Some((part, source.folder(folder_args, part).ok()?)))
        .collect();
    let known: Vec<(&'static str, &Path)> = known
        .iter()
        .map(|(part, path)| (*part, path.as_path()))
        .collect();
    apart(&known)?;
    let flow = checks::serve_parts(&source, folder_args, &known)?;
    let timeout = |given: Option<u64>, default, (what, option, key)| match given {
        None => Ok(default),
        Some(0) => Err(Error::ZeroTimeout { what, option, key }),
        Some(secs) => Ok(Duration::from_secs(secs)),
    };
    Ok(serve::Settings {
        listen: args.listen.or(file.listen).unwrap_or_else(|| {
            DEFAULT_LISTEN
                .parse()
                .expect("the default address is valid")
        }),
        path,
        body_limit,
        credentials: credentials(args, &source)?,
        inbox: webhook_folder(&source, folder_args, "inbox")?,
        failed: webhook_folder(&source, folder_args, "failed")?,
        tls,
        header_timeout: timeout(
            args.header_timeout.or(file.header_timeout_seconds),
            DEFAULT_HEADER_TIMEOUT,
            ("header timeout", "header-timeout", "header_timeout_seconds"),
        )?,
        body_timeout: timeout(
            args.body_timeout.or(file.body_timeout_seconds),
            DEFAULT_BODY_TIMEOUT,
            ("body timeout", "body-timeout", "body_timeout_seconds"),
        )?,
        max_connections: match args.max_connections.or(file.max_connections) {
            None => DEFAULT_MAX_CONNECTIONS,
            Some(0) => return Err(Error::ZeroConnections),
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        },
        convert: match args.convert {
            true => Some(watch_from(&source, &args.watch)?),
            false => None,
        },
        site,
        site_without_login,
        trusted_proxies: args
            .trusted_proxy
            .clone()
            .or_else(|| file.trusted_proxies.clone())
            .unwrap_or_else(|| DEFAULT_TRUSTED_PROXIES.to_vec()),
        trace_1c,
        flow,
    })
}

/// `--trace-1c` over `[site_exchange] trace_1c`; the trace's folder whenever 1C is answered.
pub(super) fn trace_1c(
    args: &ServeArgs,
    source: &Source,
    answers_1c: bool,
) -> Result<Option<trace::Settings>, Error> {
    let asked = match (args.trace_1c, source.config.site_exchange.trace_1c) {
        (Some(length), _) => Some(trace::Asked {
            length,
            by: format!("--trace-1c {length}"),
            once: false,
        }),
        (None, Some(length)) => Some(trace::Asked {
            length,
            by: format!("[site_exchange] trace_1c = \"{length}\""),
            once: true,
        }),
        (None, None) => trace::DEFAULT_TRACE_1C.map(|length| trace::Asked {
            length,
            by: format!("the default trace of {length}"),
            once: true,
        }),
    };
    if let Some(asked) = &asked
        && asked.length.0 > trace::MAX_LENGTH
    {
        return Err(Error::TraceLength {
            by: asked.by.clone(),
        });
    }
    let state = source.folder(&args.watch.run.folders, "state");
    match (state, answers_1c) {
        (Ok(state), true) => Ok(Some(trace::Settings {
            dir: state.join(trace::FOLDER),
            asked,
        })),
        _ => match asked {
            Some(asked) => Err(Error::TraceWithoutExchange { by: asked.by }),
            None => Ok(None),
        },
    }
}

/// What `serve` does for 1C's «Обмен с сайтом».
enum SiteChoice {
    Off,
    /// On by default, but no login is set: its paths answer `failure` with the reason.
    WithoutLogin(Vec<String>),
    On(Box<site::Settings>),
}

/// 1C's «Обмен с сайтом»: on whenever the exchange folder's state folder (its ledger) is
/// known, unless `[site_exchange] enabled = false`; served only with a login.
fn site_exchange(
    args: &ServeArgs,
    source: &Source,
    webhook_path: &str,
) -> Result<SiteChoice, Error> {
    let file = &source.config.site_exchange;
    if file.enabled == Some(false) {
        return Ok(SiteChoice::Off);
    }
    let Ok(state) = source.folder(&args.watch.run.folders, "state") else {
        return Ok(SiteChoice::Off);
    };
    let path = file
        .path
        .clone()
        .unwrap_or_else(|| DEFAULT_SITE_PATH.to_string());
    check_path(&path, SitePathOf::Site)?;
    if path == webhook_path || webhook_path == BITRIX_SITE_PATH {
        return Err(Error::SamePath(path));
    }
    let mut paths = vec![path];
    if !paths.iter().any(|p| p == BITRIX_SITE_PATH) {
        paths.push(BITRIX_SITE_PATH.to_string());
    }
    let credentials = match (&file.user, &file.password_env, &file.password_file) {
        (None, None, None) => credentials(args, source)?,
        (user, env, path) => {
            let password = match (env, path) {
                (Some(_), Some(_)) => return Err(Error::TwoPasswordKeys),
                (Some(var), None) => Some(PasswordSource::Env {
                    var: var.clone(),
                    origin: "[site_exchange] password_env",
                }),
                (None, Some(path)) => Some(PasswordSource::File(source.base.join(path))),
                (None, None) => None,
            };
            match (user, password) {
                (Some(user), Some(password)) => Some(Credentials::new(user, &password.read()?)?),
                (Some(user), None) => return Err(Error::NoPassword(user.clone())),
                (None, _) => return Err(Error::NoUser),
            }
        }
    };
    let Some(credentials) = credentials else {
        return Ok(SiteChoice::WithoutLogin(paths));
    };
    let output = &source.config.output;
    let layout = Layout {
        cml_version: output.cml_version.unwrap_or_default(),
        mapping: source.config.mapping.clone(),
        ..Layout::new(Format::Commerceml)
    };
    Ok(SiteChoice::On(Box::new(site::Settings {
        paths,
        credentials,
        ledger: state.join("ledger.sqlite"),
        file_limit: file.file_limit.map_or(DEFAULT_FILE_LIMIT, |size| {
            usize::try_from(size.0).unwrap_or(usize::MAX)
        }),
        uploads: state.join("uploads"),
        session_timeout: file
            .session_minutes
            .map_or(DEFAULT_SESSION_TIMEOUT, |minutes| {
                Duration::from_secs(minutes.max(1) * 60)
            }),
        layout,
    })))
}

/// Where `serve` saves webhooks (it needs no other folder of the exchange folder).
pub(super) fn webhook_folder(
    source: &Source,
    args: &FolderArgs,
    part: &'static str,
) -> Result<PathBuf, Error> {
    source.folder(args, part).map_err(|err| match err {
        Error::NoFolder { part } => Error::NoWebhookFolder { part },
        other => other,
    })
}

#[derive(Clone, Copy)]
enum SitePathOf {
    Webhook,
    Site,
}

/// Only plain path characters: the path becomes a route, and a dealer types it into Bachata or
/// into 1C's node.
fn check_path(path: &str, of: SitePathOf) -> Result<(), Error> {
    let plain = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
    if !path.starts_with('/') || !plain {
        return Err(match of {
            SitePathOf::Webhook => Error::WebhookPath(path.to_string()),
            SitePathOf::Site => Error::SitePath(path.to_string()),
        });
    }
    if path == METRICS_PATH {
        return Err(Error::MetricsPath {
            path: match of {
                SitePathOf::Webhook => "the webhook path (--path, [serve] path)",
                SitePathOf::Site => "the site-exchange path ([site_exchange] path)",
            },
        });
    }
    if path == HEALTH_PATH {
        return Err(match of {
            SitePathOf::Webhook => Error::WebhookPathIsHealth,
            SitePathOf::Site => Error::SamePath(path.to_string()),
        });
    }
    Ok(())
}

/// The user from the command line or the file; the password only from a variable or a file,
/// the command line's source winning over the config's.
pub(super) fn credentials(args: &ServeArgs, source: &Source) -> Result<Option<Credentials>, Error> {
    let file = &source.config.serve;
    let user = args.user.clone().or_else(|| file.user.clone());
    let password = match (&args.password_env, &args.password_file) {
        (Some(_), Some(_)) => return Err(Error::TwoPasswordOptions),
        (Some(var), None) => Some(PasswordSource::Env {
            var: var.clone(),
            origin: "--password-env",
        }),
        (None, Some(path)) => Some(PasswordSource::File(path.clone())),
        (None, None) => match (&file.password_env, &file.password_file) {
            (Some(_), Some(_)) => return Err(Error::TwoPasswordKeys),
            (Some(var), None) => Some(PasswordSource::Env {
                var: var.clone(),
                origin: "[serve] password_env",
            }),
            (None, Some(path)) => Some(PasswordSource::File(source.base.join(path))),
            (None, None) => None,
        },
    };
    match (user, password) {
        (None, None) => Ok(None),
        (Some(user), None) => Err(Error::NoPassword(user)),
        (None, Some(_)) => Err(Error::NoUser),
        (Some(user), Some(password)) => Ok(Some(Credentials::new(&user, &password.read()?)?)),
    }
}
