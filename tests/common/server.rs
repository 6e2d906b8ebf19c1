//! A running `bachata1c serve` for the tests that talk to it over the loopback.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use super::Workdir;

/// The password every test server is started with (in BACHATA1C_TEST_PASSWORD).
pub const PASSWORD: &str = "s3cret-пароль";

/// A running `bachata1c serve`, its address read from its stderr, its log kept for asserts.
pub struct Server {
    pub child: Child,
    pub address: SocketAddr,
    pub scheme: &'static str,
    log: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts `serve --listen 127.0.0.1:0` with `args`, with the password in BACHATA1C_TEST_PASSWORD.
    pub fn start(work: &Workdir, args: &[&str]) -> Server {
        let mut command = work.bachata1c(&["serve", "--listen", "127.0.0.1:0"]);
        command.args(args);
        Server::spawn(command)
    }

    /// Starts `command` (a `serve`, however wrapped) and waits until it listens.
    pub fn spawn(mut command: std::process::Command) -> Server {
        command
            .env("BACHATA1C_TEST_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start bachata1c serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = Vec::new();
        let (scheme, address) = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("serve exited before listening: {seen:?}"))
                .unwrap();
            seen.push(line.clone());
            if let Some(rest) = line.strip_prefix("bachata1c: listening on ") {
                let (scheme, rest) = rest.split_once("://").unwrap();
                let address = rest.split('/').next().unwrap().parse().unwrap();
                break (if scheme == "https" { "https" } else { "http" }, address);
            }
        };
        let log = Arc::new(Mutex::new(seen));
        let sink = log.clone();
        // Drain stderr all the time, so the server never blocks on a full pipe.
        let reader = std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            address,
            scheme,
            log,
            reader: Some(reader),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.address)
    }

    /// The log so far.
    pub fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Whether a line `wanted` accepts comes within a minute: serve writes a request's line
    /// after its answer, so a client that has its answer may be ahead of the log.
    #[allow(dead_code)]
    pub fn logs(&self, wanted: impl Fn(&str) -> bool) -> bool {
        for _ in 0..1200 {
            if self.lines().iter().any(|line| wanted(line)) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    }

    /// Kills it as a power cut would (SIGKILL): nothing is finished.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks it to stop with SIGTERM (as systemd does) and waits: (exit code, the whole log).
    pub fn stop(self) -> (i32, Vec<String>) {
        self.stop_with("TERM")
    }

    /// Asks it to stop with a signal (TERM, or INT as Ctrl+C sends) and waits.
    pub fn stop_with(mut self, signal: &str) -> (i32, Vec<String>) {
        // bash's own kill: a fresh machine may have no /bin/kill (procps).
        let status = std::process::Command::new("bash")
            .args(["-c", "kill -s \"$1\" \"$0\""])
            .args([&self.child.id().to_string(), signal])
            .status()
            .unwrap();
        assert!(status.success());
        let code = self.child.wait().unwrap().code().expect("exit code");
        self.reader.take().unwrap().join().unwrap();
        let log = self.log.lock().unwrap().clone();
        (code, log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
