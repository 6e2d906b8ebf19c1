//! The HTTP side of `serve`: the routes, the checks in the order that costs least (credentials,
//! declared length, body read with a limit and a deadline, tolerant reading), the answers, and
//! one log line per request. Saving happens on a blocking thread, answered only once durable.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use chrono::Utc;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::client::{Client, client_address};
use super::connections::{self, Connections};
use super::login::too_many_wrong_passwords;
use super::throttle::Throttle;
use super::{Credentials, Settings, Store, store};
use crate::monitor::Parts;
use crate::monitor::activity::Activity;
use crate::payload;
use crate::site::{self, AnswerKind, Intake, Site};
use crate::support::trace::{self, Tracer};

/// The path that answers health checks (never the webhook's or 1C's).
pub const HEALTH_PATH: &str = "/health";
/// Where Prometheus scrapes the flow's metrics.
pub const METRICS_PATH: &str = "/metrics";

/// What every request handler shares.
#[derive(Debug)]
pub struct App {
    store: Store,
    pub(super) credentials: Option<Credentials>,
    path: String,
    body_limit: usize,
    body_timeout: Duration,
    pub connections: Arc<Connections>,
    /// 1C's «Обмен с сайтом», when the exchange folder is known and a login set for it.
    pub(super) site: Option<Arc<Site>>,
    /// 1C's paths while it has no login: answered `failure` with the reason.
    site_without_login: Vec<String>,
    /// Wrong passwords per client address.
    pub(super) throttle: Throttle,
    trusted_proxies: Vec<IpAddr>,
    /// Each save holds a read guard; shutdown takes the write lock to wait for them all.
    saving: Arc<tokio::sync::RwLock<()>>,
    /// What `/metrics` reads; when 1C and Bachata were last heard from (with a state folder).
    pub(super) flow: Parts,
    pub(super) activity: Option<Arc<Activity>>,
    pub(super) counters: super::metrics::Counters,
    /// The trace of 1C's exchange (`--trace-1c`), whenever 1C's paths are answered.
    trace: Option<Arc<Tracer>>,
}

impl App {
    pub fn new(
        store: Store,
        settings: &Settings,
        activity: Option<Arc<Activity>>,
        trace: Option<Arc<Tracer>>,
    ) -> Arc<App> {
        Arc::new(App {
            store,
            credentials: settings.credentials.clone(),
            path: settings.path.clone(),
            body_limit: settings.body_limit,
            body_timeout: settings.body_timeout,
            connections: Connections::new(connections::effective_cap(settings.max_connections)),
            site: settings.site.clone().map(|site| Arc::new(Site::new(site))),
            site_without_login: settings.site_without_login.clone(),
            throttle: Throttle::new(super::throttle::first_block()),
            trusted_proxies: settings.trusted_proxies.clone(),
            saving: Arc::new(tokio::sync::RwLock::new(())),
            trace,
            flow: settings.flow.clone(),
            activity,
            counters: super::metrics::Counters::default(),
        })
    }

    /// Waits until every save in progress has finished, including those whose client hung up.
    pub async fn saves_finished(&self) {
        drop(self.saving.write().await);
    }
}

pub fn router(app: Arc<App>) -> Router {
    let mut router = Router::new()
        .route(&app.path, post(receive).fallback(post_only))
        .route(HEALTH_PATH, get(health).fallback(get_only))
        .route(
            METRICS_PATH,
            get(super::metrics::metrics).fallback(get_only),
        );
    let traced = || middleware::from_fn_with_state(app.clone(), trace_1c);
    if let Some(site) = &app.site {
        for path in &site.settings().paths {
            router = router.route(path, any(site_exchange).layer(traced()));
        }
    }
    for path in &app.site_without_login {
        router = router.route(path, any(site_without_login).layer(traced()));
    }
    router
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), log_request))
        .with_state(app)
}

/// What the log line says beyond method, path and status: the body size and what was done.
#[derive(Debug, Clone)]
struct Outcome {
    bytes: Option<usize>,
    note: String,
}

pub(super) fn answer(
    status: StatusCode,
    bytes: Option<usize>,
    note: String,
    text: String,
) -> Response {
    let mut response = (status, text).into_response();
    response.extensions_mut().insert(Outcome { bytes, note });
    response
}

/// A webhook request, its answer counted for `/metrics` (a client that hangs up before the
/// answer is not counted: it was not answered).
async fn receive(State(app): State<Arc<App>>, request: Request) -> Response {
    let response = receive_webhook(app.clone(), request).await;
    app.counters.webhook_answered(response.status());
    response
}

async fn receive_webhook(app: Arc<App>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if let Some(refused) = app.login_refused(&parts, app.credentials.as_slice()) {
        return refused;
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.body_limit as u64) {
        return too_large(app.body_limit, declared);
    }
    let body = match read_body(body, app.body_limit, app.body_timeout).await {
        Ok(body) => body,
        Err(failure) => return failure,
    };

    // Saving runs to its end even if the client hangs up meanwhile (hyper then drops this
    // future): a body half-way to the disk is finished, and its line is logged here, once the
    // file is durable, rather than by `log_request`, which a hang-up would skip.
    let (answer_tx, answer_rx) = tokio::sync::oneshot::channel();
    let log = parts.extensions.get::<RequestLog>().cloned();
    let guard = app.saving.clone().read_owned().await;
    if let Some(activity) = &app.activity {
        activity.webhook_received(Utc::now());
    }
    tokio::spawn(async move {
        let _guard = guard;
        let saved = tokio::task::spawn_blocking(move || save(&app.store, &body)).await;
        let mut response = saved.unwrap_or_else(|err| {
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                format!("saving failed: {err}"),
                "the webhook could not be saved; try again\n".to_string(),
            )
        });
        if let Some(log) = log {
            let outcome = response.extensions_mut().remove::<Outcome>();
            let hung_up = answer_tx.is_closed();
            let extra = if hung_up {
                "the client hung up before the answer"
            } else {
                ""
            };
            log.write(response.status(), outcome, extra);
            response.extensions_mut().insert(Logged);
        }
        let _ = answer_tx.send(response);
    });
    answer_rx.await.unwrap_or_else(|_| {
        answer(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "saving was interrupted".to_string(),
            "the webhook could not be saved; try again\n".to_string(),
        )
    })
}

/// Reads the whole body, refusing it past `limit` bytes (413) or past `deadline` (408).
async fn read_body(body: Body, limit: usize, deadline: Duration) -> Result<Bytes, Response> {
    match tokio::time::timeout(deadline, Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => {
            Err(too_large(limit, None))
        }
        Ok(Err(err)) => {
            let mut response = answer(
                StatusCode::BAD_REQUEST,
                None,
                format!("the body could not be received: {err}"),
                "the body could not be received\n".to_string(),
            );
            close_after(&mut response);
            Err(response)
        }
        Err(_) => {
            let mut response = answer(
                StatusCode::REQUEST_TIMEOUT,
                None,
                format!("the body took longer than {} s", deadline.as_secs()),
                "the body took too long to arrive\n".to_string(),
            );
            close_after(&mut response);
            Err(response)
        }
    }
}

/// Tells the client this connection ends after the answer, because the rest of its body is
/// not going to be read; without it a pooling client may send its next request into a
/// connection that is closing.
pub(super) fn close_after(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

fn too_large(limit: usize, declared: Option<u64>) -> Response {
    let note = match declared {
        Some(n) => format!("body of {n} bytes is above the limit of {limit}"),
        None => format!("body is above the limit of {limit} bytes"),
    };
    let mut response = answer(
        StatusCode::PAYLOAD_TOO_LARGE,
        declared.map(|n| n as usize),
        note,
        format!("the body is larger than {limit} bytes\n"),
    );
    close_after(&mut response);
    response
}

/// Reads the body with the converter's own tolerant reader, then keeps it: a readable one in
/// the inbox (200), an unreadable one in failed/ with its reason (400). Runs on a blocking
/// thread because it reads a megabyte of JSON at worst and waits for fsync.
fn save(store: &Store, body: &[u8]) -> Response {
    let now = Utc::now();
    let size = Some(body.len());
    match payload::read(body) {
        Ok(_) => match store.save_webhook(body, now) {
            Ok(name) => answer(
                StatusCode::OK,
                size,
                format!("saved {name}"),
                format!("saved {name}\n"),
            ),
            Err(err) => unwritable(&err, size),
        },
        Err(reason) if body.is_empty() => answer(
            StatusCode::BAD_REQUEST,
            size,
            format!("refused: {reason}"),
            format!("unreadable webhook: {reason}\n"),
        ),
        Err(reason) => {
            let text = format!("refused by bachata1c serve at {now}: {reason}\n");
            match store.save_refused(body, &text, now) {
                Ok(name) => answer(
                    StatusCode::BAD_REQUEST,
                    size,
                    format!("refused: {reason}; kept as {name} in failed/"),
                    format!("unreadable webhook: {reason}\n"),
                ),
                Err(err) => unwritable(&err, size),
            }
        }
    }
}

/// The body could not be made durable: 507 for a full disk, 503 otherwise, so that Bachata
/// retries later instead of the lead being lost.
fn unwritable(err: &crate::files::Error, size: Option<usize>) -> Response {
    let status = if store::is_disk_full(&err.source) {
        StatusCode::INSUFFICIENT_STORAGE
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    answer(
        status,
        size,
        err.to_string(),
        "the webhook could not be saved; try again later\n".to_string(),
    )
}

/// 1C's «Обмен с сайтом» (see `crate::site`): the request handed to the site exchange on a
/// blocking thread (it uses the ledger), its answer as 1C reads it.
async fn site_exchange(State(app): State<Arc<App>>, request: Request) -> Response {
    let Some(site) = app.site.clone() else {
        return refuse(StatusCode::NOT_FOUND, "not found\n", None);
    };
    let (parts, body) = request.into_parts();
    let header = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .map(|value| value.as_bytes().to_vec())
    };
    let authorization = header(header::AUTHORIZATION);
    let cookie = header(header::COOKIE).map(|v| String::from_utf8_lossy(&v).into_owned());
    let in_session = site.has_session(cookie.as_deref());
    let client = client_of(&parts);
    // Without a session only `checkauth` can succeed: that is the login a closed address may
    // not try. A live session (its cookie came from a right login) goes on.
    if !in_session && let Some(wait) = app.throttle.closed(client, Instant::now()) {
        return too_many_wrong_passwords(wait, "failure\n");
    }
    let query = parts.uri.query().unwrap_or("").to_string();
    let mut unread = false;
    let body = if parts.method == axum::http::Method::POST {
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        // Only within a session (a stranger's body is never read); an upload goes to the disk
        // as it comes, within its bounds, whatever `file_limit` says; goods are dropped.
        match site.intake(&query, cookie.as_deref(), declared) {
            Intake::Refuse(refused) => {
                let mut response = site_answer(refused);
                close_after(&mut response);
                return response;
            }
            Intake::Upload(part) => match receive_part(body, part, app.body_timeout).await {
                Ok((upload, bytes)) => site::Body::Part(upload, bytes),
                Err(reason) => return upload_failed(&query, &reason),
            },
            Intake::Drop => match drop_body(body, app.body_timeout).await {
                Ok(bytes) => site::Body::Dropped(bytes),
                Err(reason) => return upload_failed(&query, &reason),
            },
            Intake::Ignore => {
                unread = true;
                site::Body::None
            }
        }
    } else {
        site::Body::None
    };
    let sent_login = authorization.is_some();
    let answered = tokio::task::spawn_blocking(move || {
        site.answer(&site::Request {
            query: &query,
            authorization: authorization.as_deref(),
            cookie: cookie.as_deref(),
            body,
        })
    })
    .await;
    let mut response = match answered {
        Ok(answer) => {
            // A refused login is 401 (site::checkauth); out of a session only `checkauth`
            // answers `success`, so that is a right login.
            if sent_login && answer.kind == AnswerKind::Unauthorized {
                app.wrong_password(client);
            } else if sent_login && !in_session && answer.body.starts_with(b"success") {
                app.throttle.right(client);
            }
            // 1C's exchange ran: a request in its session, or its right login.
            if (in_session || answer.body.starts_with(b"success"))
                && let Some(activity) = &app.activity
            {
                activity.heard_from_1c(Utc::now());
            }
            site_answer(answer)
        }
        Err(err) => answer(
            StatusCode::OK,
            None,
            format!("1C: failed: {err}"),
            "failure\ninternal error; try again".to_string(),
        ),
    };
    if unread {
        close_after(&mut response);
    }
    response
}

/// While a trace of 1C's exchange runs (`serve --trace-1c`): each request of 1C's and its
/// answer into it (see [`trace`]). The request's body is copied as the handler reads it; the
/// answer, whole in memory already, is read here and handed on unchanged.
async fn trace_1c(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let Some(tracer) = app.trace.clone().filter(|tracer| tracer.recording()) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let seen = trace::Seen::new(client_of(&parts), &parts);
    let (body, copied) = trace::Copied::tee(body);
    let response = next.run(Request::from_parts(parts, body)).await;
    let (parts, body) = response.into_parts();
    let answer = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let exchange = seen.answered(&copied, &parts, &answer);
    // A line appended to a file: short, but a file write all the same.
    tokio::task::block_in_place(|| tracer.record(&exchange));
    Response::from_parts(parts, Body::from(answer))
}

/// Writes a body into a part of a file 1C uploads as it arrives (never the whole in memory),
/// within the part's bounds and `deadline`; the reason when it does not arrive whole.
async fn receive_part(
    mut body: Body,
    mut part: site::uploads::Part,
    deadline: Duration,
) -> Result<(Arc<site::uploads::Upload>, u64), site::Failure> {
    let received = tokio::time::timeout(deadline, async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|err| format!("the part could not be received: {err}"))?;
            if let Ok(data) = frame.into_data() {
                // A write into the page cache: short, but a file write all the same.
                tokio::task::block_in_place(|| part.write(&data))?;
            }
        }
        Ok::<_, site::Failure>(())
    })
    .await;
    match received {
        Ok(Ok(())) => Ok(part.finish()),
        Ok(Err(reason)) => Err(reason),
        Err(_) => Err(format!(
            "the part took longer than {} s to arrive",
            deadline.as_secs()
        )),
    }
}

/// Reads a body to its end and drops it; its length.
async fn drop_body(mut body: Body, deadline: Duration) -> Result<u64, site::Failure> {
    let dropped = tokio::time::timeout(deadline, async {
        let mut bytes = 0;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|err| format!("the file could not be received: {err}"))?;
            if let Ok(data) = frame.into_data() {
                bytes += data.len() as u64;
            }
        }
        Ok::<_, site::Failure>(bytes)
    })
    .await;
    dropped.unwrap_or_else(|_| {
        Err(format!(
            "the file took longer than {} s to arrive",
            deadline.as_secs()
        ))
    })
}

/// An upload that did not arrive whole, answered as 1C reads it (it shows the reason in its
/// exchange log); the rest of the body is left unread, so the connection closes.
fn upload_failed(query: &str, reason: &str) -> Response {
    let mut response = site_answer(Site::upload_failed(query, reason));
    close_after(&mut response);
    response
}

/// 1C's paths while no login is set: `failure` with the reason, which 1C shows in its exchange
/// log; the body is never read.
async fn site_without_login() -> Response {
    let mut response = site_answer(site::Answer {
        kind: AnswerKind::Lines,
        body: format!("failure\n1C's exchange is off here: {}", super::NO_LOGIN).into_bytes(),
        note: "1C refused: 1C's exchange has no login".to_string(),
    });
    close_after(&mut response);
    response
}

/// The client's address as [`log_request`] found it.
pub(super) fn client_of(parts: &axum::http::request::Parts) -> IpAddr {
    parts
        .extensions
        .get::<Client>()
        .map(|client| client.0)
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

fn site_answer(site_answer: site::Answer) -> Response {
    let size = Some(site_answer.body.len());
    let (status, content_type) = match site_answer.kind {
        AnswerKind::Lines => (StatusCode::OK, "text/plain; charset=utf-8"),
        AnswerKind::Xml => (StatusCode::OK, "application/xml; charset=utf-8"),
        AnswerKind::Unauthorized => (StatusCode::UNAUTHORIZED, "text/plain; charset=utf-8"),
    };
    let mut response = (status, site_answer.body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if site_answer.kind == AnswerKind::Unauthorized {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"bachata1c\""),
        );
    }
    response.extensions_mut().insert(Outcome {
        bytes: size,
        note: site_answer.note,
    });
    response
}

/// For monitoring: 200 when a file can be created in the inbox now, 503 when not.
async fn health(State(app): State<Arc<App>>) -> Response {
    let probe_app = app.clone();
    let probed = tokio::task::spawn_blocking(move || probe_app.store.probe_inbox()).await;
    match probed {
        Ok(Ok(())) => answer(
            StatusCode::OK,
            None,
            String::new(),
            "ok: the inbox is writable\n".to_string(),
        ),
        Ok(Err(err)) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            err.to_string(),
            format!("not ok: {err}\n"),
        ),
        Err(err) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            err.to_string(),
            "not ok\n".to_string(),
        ),
    }
}

async fn not_found() -> Response {
    refuse(StatusCode::NOT_FOUND, "not found\n", None)
}

async fn post_only() -> Response {
    refuse(
        StatusCode::METHOD_NOT_ALLOWED,
        "only POST is accepted here\n",
        Some("POST"),
    )
}

async fn get_only() -> Response {
    refuse(
        StatusCode::METHOD_NOT_ALLOWED,
        "only GET is accepted here\n",
        Some("GET,HEAD"),
    )
}

/// Answers 404 or 405 at once without reading the body (whatever came along is never held in
/// memory), and closes the connection after the answer, since the unread body is still on it.
fn refuse(status: StatusCode, text: &'static str, allow: Option<&'static str>) -> Response {
    let mut response = answer(status, None, String::new(), text.to_string());
    if let Some(allow) = allow {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    close_after(&mut response);
    response
}

/// One line per request on stderr: remote, method, path, status, body bytes, milliseconds and
/// what was done. Never a header, so never the password; the path without its query string.
async fn log_request(
    State(app): State<Arc<App>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    // While a request is in hand its connection is never closed to make room for another.
    let _busy = app.connections.busy(remote);
    let client = client_address(remote.ip(), request.headers(), &app.trusted_proxies);
    request.extensions_mut().insert(Client(client));
    // In its own block: a borrow of the request (whose body is not Sync) must not live
    // across the await below.
    let log = {
        let header = |name: header::HeaderName| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        RequestLog {
            remote,
            method: request.method().to_string(),
            path: crate::report::shown::field(request.uri().path(), 200).into_owned(),
            declared: header(header::CONTENT_LENGTH).and_then(|v| v.parse().ok()),
            // Behind a reverse proxy the peer is the proxy; say whom it forwarded for (as claimed).
            forwarded: header(header::HeaderName::from_static("x-forwarded-for"))
                .map(|v| crate::report::shown::field(&v, 100).into_owned()),
            started: Instant::now(),
        }
    };
    request.extensions_mut().insert(log.clone());
    let mut response = next.run(request).await;
    if response.extensions_mut().remove::<Logged>().is_none() {
        let outcome = response.extensions_mut().remove::<Outcome>();
        log.write(response.status(), outcome, "");
    }
    response
}

/// What the log line needs to know about a request, taken before it is handled.
#[derive(Debug, Clone)]
struct RequestLog {
    remote: SocketAddr,
    method: String,
    path: String,
    declared: Option<usize>,
    forwarded: Option<String>,
    started: Instant,
}

/// Marks a response whose line was already written by the handler.
#[derive(Debug, Clone)]
pub(super) struct Logged;

impl RequestLog {
    fn write(&self, status: StatusCode, outcome: Option<Outcome>, extra: &str) {
        let bytes = outcome
            .as_ref()
            .and_then(|o| o.bytes)
            .or(self.declared)
            .unwrap_or(0);
        let mut notes: Vec<String> = Vec::new();
        notes.extend(outcome.map(|o| o.note).filter(|n| !n.is_empty()));
        notes.extend((!extra.is_empty()).then(|| extra.to_string()));
        notes.extend(
            self.forwarded
                .as_ref()
                .map(|f| format!("forwarded for {f}")),
        );
        let note = if notes.is_empty() {
            String::new()
        } else {
            format!(": {}", notes.join("; "))
        };
        crate::say!(
            "bachata1c: {} {} {} {} {bytes} bytes {} ms{note}",
            self.remote,
            self.method,
            self.path,
            status.as_u16(),
            self.started.elapsed().as_millis(),
        );
    }
}
