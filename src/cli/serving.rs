//! The options of `serve`: where it listens, whom it lets in, what it accepts.

use super::*;

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8080; config: [serve] listen]. Port 0
    /// picks a free port; the address actually used is printed on stderr.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<std::net::SocketAddr>,

    /// URL path Bachata posts to [default: /webhook; config: [serve] path].
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,

    /// Basic Authentication user name; needs --password-env or --password-file [config:
    /// [serve] user].
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// Name of the environment variable that holds the password [config: [serve]
    /// password_env].
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,

    /// File whose first line is the password [config: [serve] password_file].
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Largest accepted body: bytes or a size like 2MiB, 512K; larger ones get 413 [default:
    /// 1MiB; config: [serve] body_limit].
    #[arg(long, value_name = "SIZE")]
    pub body_limit: Option<ByteSize>,

    /// PEM certificate chain: serve HTTPS directly (needs --tls-key) [config: [serve] tls_cert].
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert [config: [serve] tls_key].
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Seconds a client may take to send the request head; also how long an idle connection
    /// is kept open [default: 10; config: [serve] header_timeout_seconds].
    #[arg(long, value_name = "SECS")]
    pub header_timeout: Option<u64>,

    /// Seconds a client may take to send the body [default: 30; config: [serve]
    /// body_timeout_seconds].
    #[arg(long, value_name = "SECS")]
    pub body_timeout: Option<u64>,

    /// Most connections open at once [default: 512, lowered to what the process's file
    /// descriptor limit allows; config: [serve] max_connections]. At the cap the longest-idle
    /// connection is closed to make room.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,

    /// A reverse proxy's address whose X-Forwarded-For (or X-Real-IP) names the client, so
    /// that wrong passwords are counted per real client; repeat for several [default:
    /// 127.0.0.1 and ::1, a proxy on this machine; config: [serve] trusted_proxies]. Any other
    /// peer is the client itself, whatever headers it sends.
    #[arg(long, value_name = "ADDR")]
    pub trusted_proxy: Option<Vec<std::net::IpAddr>>,

    /// Record 1C's requests and our answers for this long (30m, 2h; at most 24h) into
    /// state/trace-1c/, for `bachata1c report`: credentials and cookies hidden, bodies cut at
    /// 16 KiB. It ends by itself, also across restarts, and is removed 7 days later [config:
    /// [site_exchange] trace_1c].
    #[arg(long = "trace-1c", value_name = "LENGTH")]
    pub trace_1c: Option<crate::span::Span>,

    /// Also convert what arrives, as `bachata1c watch` would, in this same process: one
    /// service for the whole way from Bachata to 1C. The options below apply to it; serve
    /// itself uses only the inbox and failed folders (and state/ for 1C's «Обмен с сайтом»).
    #[arg(long)]
    pub convert: bool,

    #[command(flatten, next_help_heading = "Converting (with --convert)")]
    pub watch: WatchArgs,
}
