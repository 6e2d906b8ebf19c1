//! The shipped nginx example (deploy/nginx/bachata1c.conf) in front of a test's `serve`: one of
//! its server blocks pointed at the test's ports, without TLS, run by the real nginx.

use std::net::SocketAddr;
use std::process::Child;
use std::time::{Duration, Instant};

use super::Workdir;

pub struct Nginx {
    child: Child,
    pub port: u16,
    error_log: std::path::PathBuf,
}

/// Which server block of the example runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// The first: HTTPS on 443, passing the webhook and 1C's paths to bachata1c.
    Https,
    /// The second: plain HTTP on 80, redirecting everything to https://.
    Http,
}

impl Nginx {
    /// nginx with the example's server block on 127.0.0.1, passing to `upstream`; `None`
    /// (recorded as skipped) without nginx.
    pub fn start(work: &Workdir, upstream: SocketAddr) -> Option<Nginx> {
        Nginx::start_edited(work, upstream, Block::Https, |line| line.to_string())
    }

    /// The same with the example's `block`, each of its lines passed through `edit` (as a
    /// dealer's edit of the example would change it).
    pub fn start_edited(
        work: &Workdir,
        upstream: SocketAddr,
        block: Block,
        edit: impl Fn(&str) -> String,
    ) -> Option<Nginx> {
        if !super::have_tool("nginx", "Debian package nginx-light or nginx") {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let example = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx/bachata1c.conf"),
        )
        .unwrap();
        let mut text = &example[example.find("server {").unwrap()..];
        if block == Block::Http {
            text = &text[text.find("\n}\n").unwrap() + 3..];
            text = &text[text.find("server {").unwrap()..];
        }
        let text = &text[..text.find("\n}\n").unwrap() + 3];
        let text: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("ssl_") && !line.contains("[::]"))
            .map(|line| {
                edit(line)
                    .replace("listen 443 ssl;", &format!("listen 127.0.0.1:{port};"))
                    .replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
                    .replace("127.0.0.1:8080", &upstream.to_string())
            })
            .collect::<Vec<_>>()
            .join("\n");
        let root = work.path().display().to_string();
        let config = format!(
            "daemon off;\nmaster_process off;\npid {root}/nginx.pid;\nerror_log {root}/nginx-error.log;\n\
             events {{}}\nhttp {{\n  access_log {root}/nginx-access.log;\n\
             client_body_temp_path {root}/nginx-body;\n  proxy_temp_path {root}/nginx-proxy;\n\
             fastcgi_temp_path {root}/nginx-fcgi;\n  uwsgi_temp_path {root}/nginx-uwsgi;\n\
             scgi_temp_path {root}/nginx-scgi;\n{text}\n}}\n"
        );
        let conf = work.write("nginx.conf", config);
        let child = std::process::Command::new("nginx")
            .args(["-e", &format!("{root}/nginx-error.log"), "-p", &root, "-c"])
            .arg(&conf)
            .spawn()
            .unwrap();
        let nginx = Nginx {
            child,
            port,
            error_log: work.join("nginx-error.log"),
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "nginx did not start: {}",
                nginx.errors()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(nginx)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// nginx's error log so far.
    pub fn errors(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.error_log).unwrap_or_default()).into_owned()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
