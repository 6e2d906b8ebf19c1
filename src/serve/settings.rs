//! What `serve` is asked to do: where it listens, whom it lets in, what it accepts, and what
//! runs beside it. `settings` builds this from the options and the config; this module owns it
//! and its defaults.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::auth::Credentials;
use crate::exchange;
use crate::support::trace;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_WEBHOOK_PATH: &str = "/webhook";
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// The peers whose `X-Forwarded-For` (or `X-Real-IP`) names the client: a reverse proxy on this
/// machine, as deploy/nginx/bachata1c.conf is. Any other peer is the client itself.
pub const DEFAULT_TRUSTED_PROXIES: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::LOCALHOST),
];

/// `serve`: the HTTP endpoint, and with `--convert` the watcher beside it.
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
    /// `--convert`: the watcher over the same exchange folder, in this process.
    pub convert: Option<exchange::Watch>,
    /// 1C's «Обмен с сайтом», when the exchange folder's state folder is known and a login is
    /// set for it.
    pub site: Option<crate::site::Settings>,
    /// 1C's paths when the site exchange would be on but no login is set: leads are never
    /// served without one, so every request there is answered `failure` with the reason.
    pub site_without_login: Vec<String>,
    /// Peers whose `X-Forwarded-For`/`X-Real-IP` names the client (whose wrong passwords are
    /// counted); any other peer is the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// The trace of 1C's exchange (`--trace-1c`), whenever 1C's paths are answered: a start
    /// without the option ends a trace still running, and removes one past its keeping.
    pub trace_1c: Option<trace::Settings>,
    /// What `/metrics` reads, and where 1C's and Bachata's last requests are recorded.
    pub flow: crate::monitor::Parts,
}

/// PEM certificate chain and private key for HTTPS served directly with rustls.
#[derive(Debug, Clone)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}
