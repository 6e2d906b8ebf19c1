//! `bachata1c serve`: the HTTP endpoint Bachata posts its webhook to. It owns the server's
//! life (listening, TLS, timeouts, graceful shutdown) and the extension point for a worker
//! that runs beside it in the same process; [`http`] answers requests, [`store`] saves bodies.

pub mod auth;
pub mod connections;
pub mod http;
pub mod store;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use axum_server::Handle;

pub use auth::Credentials;
pub use store::Store;

/// Everything `serve` needs, with the command line and the config file already merged.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// The path Bachata posts to, such as `/webhook`.
    pub path: String,
    /// Bodies above this many bytes are refused with 413.
    pub body_limit: usize,
    /// `None`: every request is accepted (for a loopback address behind a proxy that checks).
    pub credentials: Option<Credentials>,
    pub inbox: PathBuf,
    pub failed: PathBuf,
    pub tls: Option<Tls>,
    /// Longest time for a client to send the request line and headers, the TLS handshake, and
    /// the longest an idle keep-alive connection is kept.
    pub header_timeout: Duration,
    /// Longest time for a client to send the whole body.
    pub body_timeout: Duration,
    /// Most connections open at once (lowered to what the descriptor limit allows); at the cap
    /// the longest-idle connection is closed to make room.
    pub max_connections: usize,
}

/// PEM certificate chain and private key for HTTPS served directly with rustls.
#[derive(Debug, Clone)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_PATH: &str = "/webhook";
pub const HEALTH_PATH: &str = "/health";
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// How long requests in flight (and their durable writes) may take to finish after a
/// shutdown signal before their connections are closed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Why `serve` did not start or stopped on its own.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing was served: bad address, port in use, unusable folders or TLS files.
    #[error("{0}")]
    Startup(String),
    /// It ran and then had to stop: the background worker ended, or the server failed.
    #[error("{0}")]
    Stopped(String),
}

/// A shutdown request shared by the HTTP server and a background worker. The server requests
/// it on SIGINT/SIGTERM/Ctrl+C; a worker polls [`Shutdown::is_requested`] or sleeps in
/// [`Shutdown::wait_timeout`], which returns early when shutdown is requested.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    inner: Arc<ShutdownInner>,
}

#[derive(Debug, Default)]
struct ShutdownInner {
    requested: Mutex<bool>,
    condvar: Condvar,
    notify: tokio::sync::Notify,
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    pub fn request(&self) {
        let mut requested = lock(&self.inner.requested);
        *requested = true;
        self.inner.condvar.notify_all();
        self.inner.notify.notify_waiters();
    }

    pub fn is_requested(&self) -> bool {
        *lock(&self.inner.requested)
    }

    /// Sleeps up to `timeout` on a worker thread; returns true when shutdown was requested.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let requested = lock(&self.inner.requested);
        let (requested, _) = self
            .inner
            .condvar
            .wait_timeout_while(requested, timeout, |requested| !*requested)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *requested
    }

    /// Calls `f` on a small thread of its own once shutdown is requested: the bridge to a
    /// worker that waits on something else (a channel, a file watcher), e.g.
    /// `shutdown.on_request(move || { let _ = wake.send(Wake::Stop); })`.
    pub fn on_request(&self, f: impl FnOnce() + Send + 'static) {
        let shutdown = self.clone();
        std::thread::Builder::new()
            .name("bachata1c-shutdown".to_string())
            .spawn(move || {
                while !shutdown.wait_timeout(Duration::from_secs(3600)) {}
                f();
            })
            .expect("a thread can be started");
    }

    /// Resolves once shutdown is requested (for async code).
    pub async fn requested(&self) {
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            // Register before checking, so a request between the check and the await is seen.
            notified.as_mut().enable();
            if self.is_requested() {
                return;
            }
            notified.await;
        }
    }
}

fn lock(mutex: &Mutex<bool>) -> std::sync::MutexGuard<'_, bool> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Work that runs on its own thread beside the server, such as converting the inbox
/// (`serve --convert`). It must return soon after its [`Shutdown`] is requested. If it returns
/// (or panics) before that, the server shuts down too and [`run`] reports [`Error::Stopped`],
/// so a service manager restarts the whole service rather than keep half of it running.
pub type Background = Box<dyn FnOnce(Shutdown) -> anyhow::Result<()> + Send>;

/// Serves until SIGINT, SIGTERM or Ctrl+C (then finishes the requests in flight), with an
/// optional background worker. Prints the bound address on stderr once listening.
pub fn run(settings: Settings, background: Option<Background>) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bachata1c-serve")
        .build()
        .map_err(|err| Error::Startup(format!("cannot start the server runtime: {err}")))?;
    let shutdown = Shutdown::new();
    let on_signal = shutdown.clone();
    runtime.spawn(async move {
        wait_for_signal().await;
        crate::say!("bachata1c: shutting down: finishing requests in flight");
        on_signal.request();
    });
    run_until(&runtime, settings, shutdown, background)
}

/// [`run`] without the signal handlers: serves until `shutdown` is requested by the caller.
pub fn run_until(
    runtime: &tokio::runtime::Runtime,
    settings: Settings,
    shutdown: Shutdown,
    background: Option<Background>,
) -> Result<(), Error> {
    let store = Store::new(settings.inbox.clone(), settings.failed.clone());
    let stale = store
        .prepare()
        .map_err(|err| Error::Startup(err.to_string()))?;
    if stale > 0 {
        crate::say!(
            "bachata1c: removed {stale} half-written temporary file(s) left by a serve that was stopped abruptly"
        );
    }
    let listener = TcpListener::bind(settings.listen)
        .map_err(|err| Error::Startup(format!("cannot listen on {}: {err}", settings.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|err| Error::Startup(format!("cannot listen on {}: {err}", settings.listen)))?;
    let tls = match &settings.tls {
        Some(tls) => Some(runtime.block_on(rustls_config(tls))?),
        None => None,
    };

    let worker = background.map(|work| spawn_worker(work, shutdown.clone()));
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

    let app = http::App::new(store, &settings);
    let connections = app.connections.clone();
    let router = http::router(app.clone());
    let served = runtime.block_on(async {
        let handle = Handle::new();
        let stopper = handle.clone();
        let stop_when = shutdown.clone();
        tokio::spawn(async move {
            stop_when.requested().await;
            stopper.graceful_shutdown(Some(SHUTDOWN_GRACE));
        });
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
    shutdown.request();
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

/// Runs `work` on its own thread; if it ends before shutdown was requested, that is a failure
/// and the server is stopped.
fn spawn_worker(
    work: Background,
    shutdown: Shutdown,
) -> std::thread::JoinHandle<Result<(), Error>> {
    std::thread::Builder::new()
        .name("bachata1c-background".to_string())
        .spawn(move || {
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(shutdown.clone())));
            let early = !shutdown.is_requested();
            shutdown.request();
            let problem = match result {
                Ok(Ok(())) if !early => return Ok(()),
                Ok(Ok(())) => "the background worker stopped".to_string(),
                Ok(Err(err)) => format!("the background worker failed: {err:#}"),
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

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => ctrl_c().await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c().await;
}

/// Ctrl+C; if it cannot be watched, never (rather than stopping at once).
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn settings(dir: &std::path::Path) -> Settings {
        Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            path: DEFAULT_PATH.to_string(),
            body_limit: DEFAULT_BODY_LIMIT,
            credentials: None,
            inbox: dir.join("inbox"),
            failed: dir.join("failed"),
            tls: None,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_background_worker_runs_until_shutdown_and_then_the_server_stops_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let shutdown = Shutdown::new();
        let saw_shutdown = Arc::new(AtomicBool::new(false));
        let started = Arc::new((Mutex::new(false), Condvar::new()));
        let (saw, up) = (saw_shutdown.clone(), started.clone());
        let worker: Background = Box::new(move |shutdown| {
            *up.0.lock().unwrap() = true;
            up.1.notify_all();
            // A conversion loop would scan the inbox here between waits.
            while !shutdown.wait_timeout(Duration::from_millis(50)) {}
            saw.store(true, Ordering::SeqCst);
            Ok(())
        });
        let requester = shutdown.clone();
        let stopper = std::thread::spawn(move || {
            let (lock, condvar) = &*started;
            let guard = condvar
                .wait_while(lock.lock().unwrap(), |started| !*started)
                .unwrap();
            drop(guard);
            requester.request();
        });
        run_until(&runtime(), settings(dir.path()), shutdown, Some(worker)).unwrap();
        stopper.join().unwrap();
        assert!(saw_shutdown.load(Ordering::SeqCst));
    }

    #[test]
    fn a_background_worker_that_ends_early_stops_the_server_with_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        let worker: Background = Box::new(|_| Err(anyhow::anyhow!("the outbox is gone")));
        let err = run_until(
            &runtime(),
            settings(dir.path()),
            Shutdown::new(),
            Some(worker),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Stopped(m) if m.contains("the outbox is gone")),
            "{err}"
        );
        let worker: Background = Box::new(|_| panic!("bug"));
        let err = run_until(
            &runtime(),
            settings(dir.path()),
            Shutdown::new(),
            Some(worker),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Stopped(m) if m.contains("panicked")),
            "{err}"
        );
    }

    #[test]
    fn on_request_bridges_shutdown_to_a_channel() {
        let shutdown = Shutdown::new();
        let (wake, woken) = std::sync::mpsc::channel();
        shutdown.on_request(move || wake.send("stop").unwrap());
        assert!(woken.try_recv().is_err());
        shutdown.request();
        assert_eq!(woken.recv().unwrap(), "stop");
        assert!(shutdown.wait_timeout(Duration::from_secs(3600)));
    }

    #[test]
    fn a_port_in_use_is_a_startup_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut settings = settings(dir.path());
        settings.listen = taken.local_addr().unwrap();
        let err = run_until(&runtime(), settings, Shutdown::new(), None).unwrap_err();
        assert!(
            matches!(&err, Error::Startup(m) if m.contains(&taken.local_addr().unwrap().to_string())),
            "{err}"
        );
    }
}
