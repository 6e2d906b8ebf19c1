//! `bachata1c serve`: the HTTP endpoint Bachata posts its webhook to. It owns the server's
//! life (listening, TLS, timeouts, graceful shutdown) and the extension point for a worker
//! that runs beside it in the same process; [`http`] answers requests, [`store`] saves bodies.

pub mod client;
pub mod connections;
pub mod http;
mod login;
pub mod metrics;
mod settings;
pub mod store;
pub mod throttle;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum_server::Handle;

pub use crate::auth::Credentials;
pub use store::Store;

use crate::monitor::activity::{self, Activity};
use crate::stop::Stop;
pub use settings::{
    DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_LISTEN,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_TRUSTED_PROXIES, DEFAULT_WEBHOOK_PATH, Settings, Tls,
};

/// How long requests in flight (and their durable writes) may take to finish after the stop
/// is requested before their connections are closed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Why `serve` did not start or stopped on its own.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing was served: bad address, port in use, unusable folders or TLS files. Checked
    /// in that order from the last: the files and folders before the port is taken.
    #[error("{0}")]
    Startup(String),
    /// It ran and then had to stop: the background worker ended, or the server failed.
    #[error("{0}")]
    Stopped(String),
}

/// Work that runs on its own thread beside the server, such as converting the inbox
/// (`serve --convert`). It must return soon after the stop is requested. If it returns (or
/// panics) before that, the server shuts down too and [`run`] reports [`Error::Stopped`], so a
/// service manager restarts the whole service rather than keep half of it running. Its error
/// is only shown (in the line saying why the server stops), so any error will do.
pub type Background = Box<dyn FnOnce(Stop) -> Result<(), BackgroundError> + Send>;

/// Why a [`Background`] worker ended early.
pub type BackgroundError = Box<dyn std::error::Error + Send + Sync>;

/// Serves until `stop` is requested (then finishes the requests in flight), with an optional
/// background worker. Prints the bound address on stderr once listening. Everything that can
/// be checked is checked before the port is taken (TLS files, folders, their permissions): a
/// service that cannot work says why without holding the port meanwhile.
pub fn run(settings: &Settings, stop: &Stop, background: Option<Background>) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bachata1c-serve")
        .build()
        .map_err(|err| Error::Startup(format!("cannot start the server runtime: {err}")))?;
    let tls = match &settings.tls {
        Some(tls) => Some(runtime.block_on(rustls_config(tls))?),
        None => None,
    };
    let store = Store::new(settings.inbox.clone(), settings.failed.clone());
    check_folders(settings)?;
    let stale = store
        .prepare()
        .map_err(|err| Error::Startup(err.to_string()))?;
    if stale > 0 {
        crate::say!(
            "bachata1c: removed {stale} half-written temporary file(s) left by a serve that was stopped abruptly"
        );
    }
    let trace = settings
        .trace_1c
        .as_ref()
        .map(crate::support::trace::Tracer::start);
    let listener = listen(settings.listen)?;
    let address = listener
        .local_addr()
        .map_err(|err| Error::Startup(format!("cannot listen on {}: {err}", settings.listen)))?;

    let worker = background.map(|work| spawn_worker(work, stop.clone()));
    let scheme = if tls.is_some() { "https" } else { "http" };
    crate::say!(
        "bachata1c: listening on {scheme}://{address}{} (inbox {}, failed {}){}",
        settings.path,
        store.inbox().display(),
        store.failed().display(),
        match &settings.credentials {
            Some(c) => format!(", Basic Authentication as {:?}", c.user()),
            None => ", no authentication".to_string(),
        }
    );
    if let Some(site) = &settings.site {
        crate::say!(
            "bachata1c: 1C's «Обмен с сайтом» answered on {} (leads from {}){}",
            site.paths
                .iter()
                .map(|path| format!("{scheme}://{address}{path}"))
                .collect::<Vec<_>>()
                .join(" and "),
            site.ledger.display(),
            format!(", login {:?}", site.credentials.user())
        );
        if settings.convert.is_none() {
            crate::say!(
                "bachata1c: warning: nothing in this process converts the inbox (no --convert), \
                 so 1C gets only the leads a `bachata1c watch` or `run` on this exchange folder \
                 converts; without one, every exchange of 1C's is empty. Add --convert to \
                 convert here"
            );
        }
    }
    if !settings.site_without_login.is_empty() {
        crate::say!(
            "bachata1c: warning: 1C's «Обмен с сайтом» is off: {NO_LOGIN}; 1C is answered \
             `failure` with this reason on {}. Or set [site_exchange] enabled = false",
            settings
                .site_without_login
                .iter()
                .map(|path| format!("{scheme}://{address}{path}"))
                .collect::<Vec<_>>()
                .join(" and ")
        );
    }
    if !address.ip().is_loopback() {
        match (&settings.credentials, &tls) {
            (None, _) => crate::say!(
                "bachata1c: warning: anyone who can reach {address} can post into the inbox; set a user and password"
            ),
            (Some(_), None) => crate::say!(
                "bachata1c: warning: {address} is reachable from other machines over plain HTTP: the password travels readable; use --tls-cert/--tls-key or nginx with HTTPS in front"
            ),
            (Some(_), Some(_)) => {}
        }
    }

    let activity = open_activity(settings);
    let app = http::App::new(store, settings, activity.clone(), trace);
    let connections = app.connections.clone();
    let router = http::router(app.clone());
    let served = runtime.block_on(async {
        let handle = Handle::new();
        let stopper = handle.clone();
        let stop_when = stop.clone();
        tokio::spawn(async move {
            stop_when.requested().await;
            stopper.graceful_shutdown(Some(SHUTDOWN_GRACE));
        });
        if let Some(activity) = activity.clone() {
            tokio::spawn(write_activity_every(activity));
        }
        let mut server = axum_server::from_tcp(listener)
            .map_err(|err| Error::Startup(format!("cannot listen on {address}: {err}")))?
            .handle(handle);
        server
            .http_builder()
            .http1()
            .keep_alive(true)
            // hyper starts this timer whenever it waits for a request head, including on an
            // idle keep-alive connection, so it bounds idle connections too.
            .header_read_timeout(settings.header_timeout);
        let server = server.http1_only();
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let result = match tls {
            Some(config) => {
                let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
                    .handshake_timeout(settings.header_timeout);
                let acceptor = connections::Capped::new(acceptor, connections);
                server.acceptor(acceptor).serve(service).await
            }
            None => {
                let acceptor = axum_server::accept::DefaultAcceptor::new();
                let acceptor = connections::Capped::new(acceptor, connections);
                server.acceptor(acceptor).serve(service).await
            }
        };
        app.saves_finished().await;
        result.map_err(|err| Error::Stopped(format!("the server failed: {err}")))
    });
    // Whatever ended the server, the worker must stop too.
    stop.request();
    if let Some(activity) = &activity {
        write_activity(activity);
    }
    let worker_result = match worker {
        Some(worker) => worker
            .join()
            .unwrap_or_else(|_| Err(Error::Stopped("the background worker panicked".to_string()))),
        None => Ok(()),
    };
    served?;
    worker_result?;
    crate::say!("bachata1c: stopped");
    Ok(())
}

/// Why 1C's exchange is off without a login, and what to set: in the start line and in the
/// `failure` 1C shows in its exchange log.
pub const NO_LOGIN: &str = "no login is set for it, and it hands out leads, which are personal \
     data: set [site_exchange] user and password_file (or password_env) in bachata1c.toml, or \
     serve's --user with --password-file, which 1C then uses too";

/// The folders `serve` and its worker write must be there and writable: a mistyped folder is
/// refused (as `run` refuses it) rather than made into a new, empty exchange folder that
/// nothing else reads, and a folder the service user cannot write is named with that user.
fn check_folders(settings: &Settings) -> Result<(), Error> {
    if !settings.inbox.is_dir() {
        let missing = crate::exchange::Error::NoInbox(settings.inbox.clone());
        return Err(Error::Startup(missing.to_string()));
    }
    let (inbox, failed) = (settings.inbox.as_path(), settings.failed.as_path());
    let mut written: Vec<(&'static str, &Path, PathBuf)> = vec![
        ("inbox", inbox, inbox.to_path_buf()),
        ("failed", failed, failed.to_path_buf()),
    ];
    let state = settings
        .site
        .as_ref()
        .and_then(|site| Some((site.ledger.parent()?, site.ledger.clone())));
    if let Some((state, ledger)) = &state {
        written.push(("state", state, state.to_path_buf()));
        written.push(("state", state, ledger.clone()));
    }
    if let Some(watch) = &settings.convert {
        written.extend(watch.exchange.folders.written());
    }
    crate::files::access::check_writable(&written).map_err(|err| Error::Startup(err.to_string()))
}

/// Where 1C's and Bachata's last requests are recorded: the state folder, when it is known
/// and there (see [`crate::monitor::activity`]).
fn open_activity(settings: &Settings) -> Option<Arc<Activity>> {
    let state = settings
        .flow
        .state
        .as_ref()
        .filter(|state| state.is_dir())?;
    let (activity, problem) = Activity::open(state);
    if let Some(problem) = problem {
        crate::say!("bachata1c: warning: {problem}; it is started anew");
    }
    Some(Arc::new(activity))
}

/// Writes what was heard at most every [`activity::FLUSH_EVERY`], off the request threads.
async fn write_activity_every(activity: Arc<Activity>) {
    loop {
        tokio::time::sleep(activity::FLUSH_EVERY).await;
        let writer = activity.clone();
        let _ = tokio::task::spawn_blocking(move || write_activity(&writer)).await;
    }
}

fn write_activity(activity: &Activity) {
    if let Err(err) = activity.flush() {
        crate::say!("bachata1c: cannot record when 1C and Bachata were last heard from: {err}");
    }
}

/// The listening socket; when the address cannot be had, what to do about it.
fn listen(address: SocketAddr) -> Result<TcpListener, Error> {
    TcpListener::bind(address).map_err(|err| {
        let hint = match err.kind() {
            std::io::ErrorKind::AddrInUse => {
                "; another program listens there, often another bachata1c serve (a service \
                 started before: systemctl status bachata1c-serve, or the Windows service): \
                 stop it, or give this one another port with --listen ([serve] listen)"
            }
            std::io::ErrorKind::AddrNotAvailable => {
                "; this machine has no such address: listen on 127.0.0.1 behind nginx, or \
                 0.0.0.0 for every address (--listen, [serve] listen)"
            }
            std::io::ErrorKind::PermissionDenied => {
                "; the system refused the port: below 1024 only root may listen on Linux (use \
                 8080 behind nginx); Windows keeps some ranges reserved (netsh interface ipv4 \
                 show excludedportrange protocol=tcp)"
            }
            _ => "",
        };
        Error::Startup(format!("cannot listen on {address}: {err}{hint}"))
    })
}

/// Runs `work` on its own thread; if it ends before the stop was requested, that is a failure
/// and the server is stopped.
fn spawn_worker(work: Background, stop: Stop) -> std::thread::JoinHandle<Result<(), Error>> {
    std::thread::Builder::new()
        .name("bachata1c-background".to_string())
        .spawn(move || {
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(stop.clone())));
            let early = !stop.is_requested();
            stop.request();
            let problem = match result {
                Ok(Ok(())) if !early => return Ok(()),
                Ok(Ok(())) => "the background worker stopped".to_string(),
                Ok(Err(err)) => format!("the background worker failed: {err}"),
                Err(_) => "the background worker panicked".to_string(),
            };
            crate::say!("bachata1c: {problem}; stopping the server");
            Err(Error::Stopped(problem))
        })
        .expect("a thread can be started")
}

async fn rustls_config(tls: &Tls) -> Result<axum_server::tls_rustls::RustlsConfig, Error> {
    // One crypto provider for the whole process (ring: no C toolchain needed on Windows).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let loaded = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
        .await
        .map_err(|err| {
            Error::Startup(format!(
                "cannot use the TLS certificate {} with key {}: {err}",
                tls.cert.display(),
                tls.key.display()
            ))
        })?;
    // Only HTTP/1.1 is spoken here: offering h2 by ALPN (the loader's default) makes a client
    // that prefers HTTP/2 (curl) talk it to an HTTP/1.1 server and fail.
    let mut config = (*loaded.get_inner()).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(axum_server::tls_rustls::RustlsConfig::from_config(
        Arc::new(config),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Settings over `dir`, whose inbox is made as `init` would.
    fn settings(dir: &std::path::Path) -> Settings {
        std::fs::create_dir_all(dir.join("inbox")).unwrap();
        Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            path: DEFAULT_WEBHOOK_PATH.to_string(),
            body_limit: DEFAULT_BODY_LIMIT,
            credentials: None,
            inbox: dir.join("inbox"),
            failed: dir.join("failed"),
            tls: None,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            convert: None,
            site: None,
            site_without_login: Vec::new(),
            trusted_proxies: DEFAULT_TRUSTED_PROXIES.to_vec(),
            trace_1c: None,
            flow: crate::monitor::Parts {
                folder: dir.to_path_buf(),
                inbox: dir.join("inbox"),
                failed: dir.join("failed"),
                state: None,
                disks: Vec::new(),
            },
        }
    }

    #[test]
    fn a_background_worker_runs_until_the_stop_and_then_the_server_stops_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let stop = Stop::new();
        let saw_stop = Arc::new(AtomicBool::new(false));
        let (up, started) = std::sync::mpsc::channel();
        let saw = saw_stop.clone();
        let worker: Background = Box::new(move |stop| {
            up.send(()).unwrap();
            // A conversion loop would scan the inbox here between waits.
            while !stop.wait_timeout(Duration::from_millis(50)) {}
            saw.store(true, Ordering::SeqCst);
            Ok(())
        });
        let requester = stop.clone();
        let stopper = std::thread::spawn(move || {
            started.recv().unwrap();
            requester.request();
        });
        run(&settings(dir.path()), &stop, Some(worker)).unwrap();
        stopper.join().unwrap();
        assert!(saw_stop.load(Ordering::SeqCst));
    }

    #[test]
    fn a_background_worker_that_ends_early_stops_the_server_with_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        let worker: Background = Box::new(|_| Err("the outbox is gone".into()));
        let err = run(&settings(dir.path()), &Stop::new(), Some(worker)).unwrap_err();
        assert!(
            matches!(&err, Error::Stopped(m) if m.contains("the outbox is gone")),
            "{err}"
        );
        let worker: Background = Box::new(|_| panic!("bug"));
        let err = run(&settings(dir.path()), &Stop::new(), Some(worker)).unwrap_err();
        assert!(
            matches!(&err, Error::Stopped(m) if m.contains("panicked")),
            "{err}"
        );
    }

    #[test]
    fn a_port_in_use_is_a_startup_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut settings = settings(dir.path());
        settings.listen = taken.local_addr().unwrap();
        let err = run(&settings, &Stop::new(), None).unwrap_err();
        assert!(
            matches!(&err, Error::Startup(m) if m.contains(&taken.local_addr().unwrap().to_string())),
            "{err}"
        );
    }
}
