//! `bachata1c serve`: the real binary on a loopback port, real HTTP requests, real folders.
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine;
use common::server::{PASSWORD, Server};
use common::{SmallDisk, Workdir, run};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

fn basic(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

/// POSTs `body` with the given Authorization: (status, answer text, WWW-Authenticate).
fn post(
    agent: &ureq::Agent,
    url: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> (u16, String, Option<String>) {
    let mut request = agent.post(url).header("Content-Type", "application/json");
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    let mut response = request.send(body).expect("an HTTP answer");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (response.status().as_u16(), text, challenge)
}

/// The inbox, as `init` makes it: `serve` refuses a folder that is not there (a mistyped one).
fn make_inbox(work: &Workdir, inbox: &str) {
    std::fs::create_dir_all(work.join(inbox)).unwrap();
}

/// `serve --dir exchange` (or the `--inbox` in `extra`) with Basic Authentication.
fn authenticated(work: &Workdir, extra: &[&str]) -> Server {
    let inbox = extra
        .iter()
        .position(|arg| *arg == "--inbox")
        .map_or("exchange/inbox", |at| extra[at + 1]);
    make_inbox(work, inbox);
    let mut args = vec![
        "--dir",
        "exchange",
        "--user",
        "bachata",
        "--password-env",
        "BACHATA1C_TEST_PASSWORD",
    ];
    args.extend_from_slice(extra);
    Server::start(work, &args)
}

/// `authenticated` over HTTPS with a fresh self-signed certificate for localhost and
/// 127.0.0.1, returned for the client to trust.
fn authenticated_over_tls(work: &Workdir) -> (Server, rcgen::CertifiedKey<rcgen::KeyPair>) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    work.write("tls/cert.pem", generated.cert.pem());
    work.write("tls/key.pem", generated.signing_key.serialize_pem());
    let server = authenticated(
        work,
        &["--tls-cert", "tls/cert.pem", "--tls-key", "tls/key.pem"],
    );
    (server, generated)
}

/// The contents of every file in a folder, hidden ones included.
fn contents(work: &Workdir, folder: &str) -> Vec<Vec<u8>> {
    work.list(folder)
        .iter()
        .map(|name| work.read(&format!("{folder}/{name}")))
        .collect()
}

#[test]
fn accepted_bodies_are_in_the_inbox_byte_for_byte_and_nothing_else_is() {
    let work = Workdir::new();
    let server = authenticated(&work, &[]);
    let agent = agent();
    let auth = basic("bachata", PASSWORD);
    let mut sent = Vec::new();
    for fixture in [
        "inbox/dialog-2026-11-26-sales.json",
        "inbox/note-example.json",
        "inbox/saved-by-windows-1251.json",
    ] {
        let body = std::fs::read(common::fixture_path(fixture)).unwrap();
        let (status, text, _) = post(&agent, &server.url("/webhook"), Some(&auth), &body);
        assert_eq!(status, 200, "{fixture}: {text}");
        assert!(text.starts_with("saved webhook-"), "{text}");
        sent.push(body);
    }
    // The integration note's own example: a trailing comma and the key `custoData`.
    let note = br#"{"clients":[{"searchId":"1/3","login":"i_visitor_in_tune_282","clientId":"3f693c89349195","name":"Yvan","phone":"79801234444","email":"test@gmail.com","custoData":{"foo":"bar","another":"one"}}],}"#;
    let (status, _, _) = post(&agent, &server.url("/webhook"), Some(&auth), note);
    assert_eq!(status, 200);
    sent.push(note.to_vec());

    let names = work.list("exchange/inbox");
    assert_eq!(names.len(), 4, "{names:?}");
    for name in &names {
        assert!(
            name.starts_with("webhook-") && name.ends_with(".json"),
            "{name}"
        );
    }
    let mut saved = contents(&work, "exchange/inbox");
    saved.sort();
    sent.sort();
    assert_eq!(saved, sent);
    assert!(work.list("exchange/failed").is_empty());
    let (code, log) = server.stop_with("INT");
    assert_eq!(code, 0, "{log:?}");
    assert_eq!(log.last().map(String::as_str), Some("bachata1c: stopped"));
}

#[test]
fn missing_or_wrong_credentials_get_401_with_a_challenge_and_save_nothing() {
    let work = Workdir::new();
    let server = authenticated(&work, &[]);
    let agent = agent();
    let body = br#"{"clients":[{"phone":"79161234567"}]}"#;
    let wrong = [
        None,
        Some(basic("bachata", "wrong")),
        Some(basic("someone", PASSWORD)),
        Some(basic("bachata", &format!("{PASSWORD}x"))),
        Some("Bearer abc".to_string()),
    ];
    for authorization in &wrong {
        let (status, _, challenge) = post(
            &agent,
            &server.url("/webhook"),
            authorization.as_deref(),
            body,
        );
        assert_eq!(status, 401, "{authorization:?}");
        assert_eq!(challenge.as_deref(), Some("Basic realm=\"bachata1c\""));
    }
    // An unreadable body without credentials is not kept either.
    let (status, _, _) = post(&agent, &server.url("/webhook"), None, b"not json");
    assert_eq!(status, 401);
    assert!(work.list("exchange/inbox").is_empty());
    assert!(work.list("exchange/failed").is_empty());

    let (code, log) = server.stop();
    assert_eq!(code, 0);
    let requests: Vec<&String> = log
        .iter()
        .filter(|l| l.contains(" POST /webhook "))
        .collect();
    assert_eq!(
        requests.len(),
        wrong.len() + 1,
        "one line per request: {log:?}"
    );
    for line in &log {
        assert!(
            !line.contains(PASSWORD) && !line.contains("s3cret"),
            "{line}"
        );
    }
    assert!(requests[0].contains(" 401 "), "{}", requests[0]);
}

#[test]
fn unreadable_bodies_get_400_and_are_kept_in_failed_with_their_reason() {
    let work = Workdir::new();
    let server = authenticated(&work, &[]);
    let agent = agent();
    let auth = basic("bachata", PASSWORD);
    let bodies: [&[u8]; 3] = [
        b"{\"clients\": [ {\"phone\": \"7916",
        b"<xml>not json</xml>",
        b"{\"event\":\"dialog_completed\"}",
    ];
    for body in bodies {
        let (status, text, _) = post(&agent, &server.url("/webhook"), Some(&auth), body);
        assert_eq!(status, 400, "{text}");
        assert!(text.starts_with("unreadable webhook: "), "{text}");
    }
    assert!(work.list("exchange/inbox").is_empty());
    let failed = work.list("exchange/failed");
    let kept: Vec<&String> = failed.iter().filter(|n| n.ends_with(".json")).collect();
    assert_eq!(kept.len(), 3, "{failed:?}");
    assert_eq!(failed.len(), 6, "each body beside its reason: {failed:?}");
    let mut saved: Vec<Vec<u8>> = kept
        .iter()
        .map(|n| work.read(&format!("exchange/failed/{n}")))
        .collect();
    saved.sort();
    let mut sent: Vec<Vec<u8>> = bodies.iter().map(|b| b.to_vec()).collect();
    sent.sort();
    assert_eq!(saved, sent);
    let truncated = kept
        .iter()
        .find(|n| {
            work.read(&format!("exchange/failed/{n}"))
                .starts_with(b"{\"clients\"")
        })
        .unwrap();
    let reason =
        String::from_utf8(work.read(&format!("exchange/failed/{truncated}.reason.txt"))).unwrap();
    assert!(reason.contains("truncated JSON"), "{reason}");
}

#[test]
fn bodies_above_the_limit_get_413_whether_declared_or_streamed() {
    let work = Workdir::new();
    let server = authenticated(&work, &["--body-limit", "1000"]);
    let agent = agent();
    let auth = basic("bachata", PASSWORD);
    let mut big = br#"{"clients":[{"phone":"79161234567","name":""#.to_vec();
    big.extend(std::iter::repeat_n(b'a', 2000));
    big.extend_from_slice(br#""}]}"#);
    let (status, _, _) = post(&agent, &server.url("/webhook"), Some(&auth), &big);
    assert_eq!(status, 413);

    // Chunked, with no Content-Length to refuse it by: the limit applies while reading.
    let mut stream = TcpStream::connect(server.address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    for chunk in big.chunks(500) {
        let _ = write!(stream, "{:x}\r\n", chunk.len());
        let _ = stream.write_all(chunk);
        let _ = stream.write_all(b"\r\n");
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    assert!(status_line(&mut stream).contains(" 413 "));

    // Exactly at the limit is fine.
    let mut exact = br#"{"clients":[{"phone":"79161234567","name":""#.to_vec();
    exact.extend(std::iter::repeat_n(b'a', 1000 - exact.len() - 4));
    exact.extend_from_slice(br#""}]}"#);
    assert_eq!(exact.len(), 1000);
    let (status, _, _) = post(&agent, &server.url("/webhook"), Some(&auth), &exact);
    assert_eq!(status, 200);
    assert_eq!(contents(&work, "exchange/inbox"), vec![exact]);
    assert!(work.list("exchange/failed").is_empty());
}

#[test]
fn the_body_limit_is_a_size_with_a_unit_on_the_command_line_and_in_the_config() {
    let mut body = br#"{"clients":[{"phone":"79161234567","name":""#.to_vec();
    body.extend(std::iter::repeat_n(b'a', 1500));
    body.extend_from_slice(br#""}]}"#);
    let auth = basic("bachata", PASSWORD);
    for (config, extra) in [
        ("", &["--body-limit", "1K"][..]),
        ("[serve]\nbody_limit = \"1 KiB\"\n", &[][..]),
        (
            "[serve]\nbody_limit = \"1K\"\n",
            &["--body-limit", "2KiB"][..],
        ),
    ] {
        let work = Workdir::new();
        work.write("exchange/bachata1c.toml", config);
        let server = authenticated(&work, extra);
        let (status, _, _) = post(&agent(), &server.url("/webhook"), Some(&auth), &body);
        let expected = if extra.contains(&"2KiB") { 200 } else { 413 };
        assert_eq!(status, expected, "{config} {extra:?}");
    }
}

#[test]
fn timeouts_are_read_under_their_seconds_names_and_the_old_ones() {
    for key in ["header_timeout_seconds", "header_timeout_secs"] {
        let work = Workdir::new();
        work.write("exchange/bachata1c.toml", format!("[serve]\n{key} = 0\n"));
        let (code, stderr) = run(&mut work.bachata1c(&["serve", "exchange"]));
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("--header-timeout, [serve] header_timeout_seconds"),
            "{key}: {stderr}"
        );
    }
}

/// The first line of an HTTP answer read from a raw connection ("" when it was closed).
fn status_line(stream: &mut TcpStream) -> String {
    let mut line = String::new();
    let _ = BufReader::new(stream).read_line(&mut line);
    line
}

#[test]
fn other_methods_get_405_with_allow_and_health_answers() {
    let work = Workdir::new();
    let server = authenticated(&work, &[]);
    let agent = agent();
    for method in ["GET", "PUT", "DELETE"] {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(server.url("/webhook"))
            .header("Authorization", basic("bachata", PASSWORD))
            .body(())
            .unwrap();
        let response = agent.run(request).unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method}");
        assert_eq!(response.headers().get("allow").unwrap(), "POST");
    }
    let mut response = agent.get(server.url("/health")).call().unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response
            .body_mut()
            .read_to_string()
            .unwrap()
            .starts_with("ok")
    );
    let response = agent
        .post(server.url("/elsewhere"))
        .send(&b"{}"[..])
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert!(work.list("exchange/inbox").is_empty());
}

#[test]
fn concurrent_posts_each_leave_exactly_one_file() {
    let work = Workdir::new();
    let server = authenticated(&work, &[]);
    let url = server.url("/webhook");
    let threads: Vec<_> = (0..8)
        .map(|thread| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent = agent();
                let auth = basic("bachata", PASSWORD);
                let mut sent = Vec::new();
                for i in 0..25 {
                    let body = format!(
                        r#"{{"clients":[{{"clientId":"t{thread}-{i}","phone":"7916{thread:03}{i:04}"}},]}}"#
                    );
                    let (status, text, _) = post(&agent, &url, Some(&auth), body.as_bytes());
                    assert_eq!(status, 200, "{text}");
                    sent.push(body.into_bytes());
                }
                sent
            })
        })
        .collect();
    let mut sent: Vec<Vec<u8>> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    sent.sort();
    let mut saved = contents(&work, "exchange/inbox");
    saved.sort();
    assert_eq!(saved.len(), 200);
    assert_eq!(saved, sent);
    let (code, log) = server.stop();
    assert_eq!(code, 0);
    let ok = log
        .iter()
        .filter(|l| l.contains(" POST /webhook 200 "))
        .count();
    assert_eq!(ok, 200);
}

#[test]
fn an_unwritable_inbox_gets_503_and_health_says_so() {
    let work = Workdir::new();
    let server = authenticated(&work, &[]);
    let agent = agent();
    std::fs::remove_dir(work.join("exchange/inbox")).unwrap();
    let (status, _, _) = post(
        &agent,
        &server.url("/webhook"),
        Some(&basic("bachata", PASSWORD)),
        br#"{"clients":[]}"#,
    );
    assert_eq!(status, 503);
    let response = agent.get(server.url("/health")).call().unwrap();
    assert_eq!(response.status().as_u16(), 503);
    // Nothing was written anywhere else.
    assert_eq!(work.list("exchange"), vec!["failed"]);
    assert!(work.list("exchange/failed").is_empty());
}

#[test]
fn without_credentials_configured_every_post_is_accepted() {
    let work = Workdir::new();
    make_inbox(&work, "in");
    let server = Server::start(
        &work,
        &[
            "--inbox",
            "in",
            "--failed",
            "bad",
            "--path",
            "/hooks/bachata",
        ],
    );
    // As nginx would send it: the log names the original client, marked as forwarded.
    let response = agent()
        .post(server.url("/hooks/bachata?token=abc"))
        .header("X-Forwarded-For", "203.0.113.7")
        .send(&br#"{"clients":[]}"#[..])
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(work.list("in").len(), 1);
    assert!(work.list("bad").is_empty());
    let (code, log) = server.stop();
    assert_eq!(code, 0);
    let line = log
        .iter()
        .find(|l| l.contains(" POST /hooks/bachata 200 "))
        .expect("a log line without the query string");
    assert!(line.contains("forwarded for 203.0.113.7"), "{line}");
    assert!(!line.contains("token"), "{line}");
}

#[test]
fn the_config_file_sets_address_path_credentials_and_folders() {
    let work = Workdir::new();
    work.write("conf/password.txt", format!("{PASSWORD}\r\n"));
    work.write(
        "conf/bachata1c.toml",
        "[folders]\ndir = \"../exchange\"\n\n[serve]\npath = \"/bachata\"\nuser = \"dealer\"\npassword_file = \"password.txt\"\nbody_limit = 4096\n",
    );
    make_inbox(&work, "exchange/inbox");
    let server = Server::start(&work, &["--config", "conf/bachata1c.toml"]);
    let agent = agent();
    let url = server.url("/bachata");
    let body = br#"{"clients":[{"phone":"79161234567"}]}"#;
    assert_eq!(
        post(&agent, &url, Some(&basic("dealer", PASSWORD)), body).0,
        200
    );
    assert_eq!(
        post(&agent, &url, Some(&basic("bachata", PASSWORD)), body).0,
        401
    );
    assert_eq!(contents(&work, "exchange/inbox"), vec![body.to_vec()]);
}

#[test]
fn unusable_settings_are_refused_before_listening() {
    let work = Workdir::new();
    let cases: [(&[&str], &str); 6] = [
        (&["serve"], "say where to save webhooks"),
        (&["serve", "--dir", "x", "--user", "a"], "has no password"),
        (
            &[
                "serve",
                "--dir",
                "x",
                "--user",
                "a",
                "--password-env",
                "BACHATA1C_UNSET",
            ],
            "BACHATA1C_UNSET",
        ),
        (&["serve", "--dir", "x", "--path", "/health"], "/health"),
        (&["serve", "--dir", "x", "--password", "pw"], "--password"),
        (
            &[
                "serve",
                "--dir",
                "x",
                "--tls-cert",
                "none.pem",
                "--tls-key",
                "none.key",
            ],
            "none.pem",
        ),
    ];
    for (args, expected) in cases {
        let (code, stderr) = run(&mut work.bachata1c(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    work.write("bad.toml", "[serve]\npassword = \"pw\"\n");
    let (code, stderr) = run(&mut work.bachata1c(&["serve", "--dir", "x", "--config", "bad.toml"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("password"), "{stderr}");
}

#[test]
fn idle_and_slow_clients_are_disconnected() {
    let work = Workdir::new();
    let server = authenticated(&work, &["--header-timeout", "1", "--body-timeout", "1"]);
    // Idle: connects and sends nothing. The server closes the connection (read gives EOF or a
    // reset); the generous read timeout only keeps a broken build from hanging the suite.
    let mut idle = TcpStream::connect(server.address).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut buffer = [0u8; 64];
    match idle.read(&mut buffer) {
        Ok(n) => assert_eq!(n, 0, "expected the connection closed"),
        Err(err) => assert_ne!(err.kind(), std::io::ErrorKind::WouldBlock, "still open"),
    }
    // Idle after a first request on a keep-alive connection: closed as well.
    let mut kept = TcpStream::connect(server.address).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    match kept.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(err) => assert_ne!(err.kind(), std::io::ErrorKind::WouldBlock, "still open"),
    }
    assert!(answer.starts_with(b"HTTP/1.1 200 "), "{answer:?}");
    // Slow body: promises 100 bytes, sends 10, then stalls.
    let mut slow = TcpStream::connect(server.address).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Length: 100\r\n\r\n{{\"clients\"",
        basic("bachata", PASSWORD)
    );
    slow.write_all(head.as_bytes()).unwrap();
    assert!(status_line(&mut slow).contains(" 408 "));
    assert!(work.list("exchange/inbox").is_empty());
    assert!(work.list("exchange/failed").is_empty());
}

#[test]
fn https_directly_with_a_certificate_the_client_trusts() {
    let work = Workdir::new();
    let (server, generated) = authenticated_over_tls(&work);
    assert_eq!(server.scheme, "https");
    let trusted = ureq::tls::Certificate::from_der(generated.cert.der()).to_owned();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[trusted]))
        .build();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls)
        .build()
        .new_agent();
    let body = br#"{"clients":[{"phone":"79161234567"},]}"#;
    let url = server.url("/webhook");
    let (status, text, _) = post(&agent, &url, Some(&basic("bachata", PASSWORD)), body);
    assert_eq!(status, 200, "{text}");
    assert_eq!(post(&agent, &url, None, body).0, 401);
    // A client that does not trust the certificate gets no answer at all.
    assert!(self::agent().post(&url).send(&body[..]).is_err());
    // Nor does one speaking plain HTTP to the HTTPS port get anything saved.
    let mut plain = TcpStream::connect(server.address).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let _ = plain.write_all(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    assert!(!status_line(&mut plain).contains(" 200 "));
    assert_eq!(contents(&work, "exchange/inbox"), vec![body.to_vec()]);
    let (code, _) = server.stop();
    assert_eq!(code, 0);
}

#[test]
fn a_full_disk_gets_507_and_leaves_no_partial_file() {
    let work = Workdir::new();
    let Some(_disk) = SmallDisk::mount(work.join("small"), "64k") else {
        return;
    };
    let server = authenticated(
        &work,
        &["--inbox", "small/inbox", "--failed", "small/failed"],
    );
    let agent = agent();
    let auth = basic("bachata", PASSWORD);
    let mut saved = Vec::new();
    let mut refused = None;
    for i in 0..20 {
        let body = format!(
            r#"{{"clients":[{{"clientId":"{i}","phone":"79161234567","name":"{}"}}]}}"#,
            "я".repeat(8000)
        );
        let (status, text, _) = post(
            &agent,
            &server.url("/webhook"),
            Some(&auth),
            body.as_bytes(),
        );
        if status == 200 {
            saved.push(body.into_bytes());
        } else {
            refused = Some((status, text));
            break;
        }
    }
    let (status, text) = refused.expect("64 KiB fill up within 20 bodies of 16 KB");
    assert_eq!(status, 507, "{text}");
    assert!(!saved.is_empty());
    // Exactly the bodies answered 200, whole; the one refused left nothing behind.
    assert_eq!(contents(&work, "small/inbox"), saved);
    let (code, log) = server.stop();
    assert_eq!(code, 0);
    assert!(
        log.iter()
            .any(|l| l.contains(" 507 ") && l.contains("No space left")),
        "{log:?}"
    );
}

/// `serve --convert`: one process from Bachata's POST to the 1C file. The webhook is saved,
/// then the watcher in the same process converts it into the outbox and archives it; SIGTERM
/// stops both cleanly.
#[test]
fn serve_with_convert_takes_a_webhook_all_the_way_to_the_outbox() {
    let work = Workdir::new();
    std::fs::create_dir_all(work.join("exchange/inbox")).unwrap();
    let server = authenticated(
        &work,
        &[
            "--convert",
            "--settle",
            "0",
            "--format",
            "xml",
            "--poll",
            "--rescan",
            "0.2",
        ],
    );
    let body = std::fs::read(common::fixture_path("inbox/note-example.json")).unwrap();
    let auth = basic("bachata", PASSWORD);
    let (status, _, _) = post(&agent(), &server.url("/webhook"), Some(&auth), &body);
    assert_eq!(status, 200);
    let outbox = |work: &Workdir| -> Vec<String> {
        work.list("exchange/outbox")
            .into_iter()
            .filter(|n| n.ends_with(".xml"))
            .collect()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while outbox(&work).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let outputs = outbox(&work);
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    let xml = String::from_utf8(work.read(&format!("exchange/outbox/{}", outputs[0]))).unwrap();
    assert!(xml.contains("<Телефон>+79801234444</Телефон>"), "{xml}");
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log:?}");
    let archived: Vec<String> = work.list("exchange/archive");
    assert_eq!(archived.len(), 2, "one dated folder: {archived:?}");
    assert_eq!(
        archived[0], ".bachata1c-last-number",
        "and the highest number given"
    );
    let inbox = work.list("exchange/inbox");
    assert!(
        inbox.iter().all(|n| n.starts_with('.')),
        "only hidden work folders stay: {inbox:?}"
    );
}

/// Issue 10: with `--tls-cert`, the handshake offered `h2` by ALPN while only HTTP/1.1 is
/// spoken, so curl (which prefers HTTP/2) failed with «stream 1 was not closed cleanly». A client
/// that prefers h2 must be given HTTP/1.1 and be answered.
#[test]
fn https_clients_that_prefer_http2_are_given_http1_and_answered() {
    use std::sync::Arc as StdArc;
    let work = Workdir::new();
    let (server, generated) = authenticated_over_tls(&work);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(generated.cert.der().clone()).unwrap();
    let provider = StdArc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(StdArc::new(config), name).unwrap();
    let socket = TcpStream::connect(server.address).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(connection, socket);
    let body = br#"{"clients":[{"phone":"79161234567"}]}"#;
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: localhost\r\nAuthorization: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        basic("bachata", PASSWORD),
        body.len()
    );
    tls.write_all(head.as_bytes()).unwrap();
    tls.write_all(body).unwrap();
    let mut answer = String::new();
    let _ = tls.read_to_string(&mut answer);
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert_eq!(contents(&work, "exchange/inbox"), vec![body.to_vec()]);
}

/// Issue 10: `/health` answered 200 on a full disk, because its probe file needed no data
/// block. It must see what a webhook would see.
#[test]
fn a_full_disk_fails_health_as_it_fails_a_webhook() {
    let work = Workdir::new();
    let Some(_disk) = SmallDisk::mount(work.join("small"), "64k") else {
        return;
    };
    let server = authenticated(
        &work,
        &["--inbox", "small/inbox", "--failed", "small/failed"],
    );
    let agent = agent();
    assert_eq!(
        agent.get(server.url("/health")).call().unwrap().status(),
        200
    );
    // Fill the disk to the last block.
    let mut filler = std::fs::File::create(work.join("small/filler")).unwrap();
    while filler.write_all(&[0; 4096]).is_ok() {}
    drop(filler);
    let body = br#"{"clients":[{"phone":"79161234567"}]}"#;
    let (status, _, _) = post(
        &agent,
        &server.url("/webhook"),
        Some(&basic("bachata", PASSWORD)),
        body,
    );
    assert_eq!(status, 507);
    let health = agent.get(server.url("/health")).call().unwrap();
    assert_eq!(health.status(), 503);
    // Room again: both recover.
    std::fs::remove_file(work.join("small/filler")).unwrap();
    assert_eq!(
        agent.get(server.url("/health")).call().unwrap().status(),
        200
    );
    let (status, _, _) = post(
        &agent,
        &server.url("/webhook"),
        Some(&basic("bachata", PASSWORD)),
        body,
    );
    assert_eq!(status, 200);
}

/// Issue 10: 300 idle half-sent request heads under `ulimit -n 256` made a real POST wait for
/// the header timeout. With the cap (lowered to what the descriptor limit allows) the idle
/// ones are closed to make room, and the POST is answered long before the header timeout.
#[cfg(target_os = "linux")]
#[test]
fn idle_connections_make_room_for_a_real_post_under_a_low_descriptor_limit() {
    let work = Workdir::new();
    make_inbox(&work, "exchange/inbox");
    let mut command = std::process::Command::new("bash");
    command.current_dir(work.path()).args([
        "-c",
        "ulimit -n 256 && exec \"$@\"",
        "bash",
        env!("CARGO_BIN_EXE_bachata1c"),
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--dir",
        "exchange",
        "--user",
        "bachata",
        "--password-env",
        "BACHATA1C_TEST_PASSWORD",
        "--header-timeout",
        "120",
    ]);
    let server = Server::spawn(command);
    let mut idle = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(server.address).unwrap();
        stream
            .write_all(b"POST /webhook HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        idle.push(stream);
    }
    // The header timeout is 120 s; the answer must come from a freed slot, not from it.
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(40)))
        .build()
        .new_agent();
    let body = br#"{"clients":[{"phone":"79161234567"}]}"#;
    let (status, text, _) = post(
        &agent,
        &server.url("/webhook"),
        Some(&basic("bachata", PASSWORD)),
        body,
    );
    assert_eq!(status, 200, "{text}");
    // The oldest idle connections were the ones closed.
    idle[0]
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut rest = Vec::new();
    assert!(matches!(idle[0].read_to_end(&mut rest), Ok(0) | Err(_)));
    drop(idle);
    let (_, log) = server.stop();
    assert!(
        log.iter()
            .any(|l| l.contains("closed") && l.contains("idle")),
        "{log:?}"
    );
}

/// The server's peak resident memory so far, from /proc (kB).
#[cfg(target_os = "linux")]
fn peak_memory_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Issue 10: 300 connections sending 1 MiB without credentials took the server from 47 to
/// 338 MiB, because bodies were read before the 401. They are answered at once, unread, and
/// the connection is closed.
#[cfg(target_os = "linux")]
#[test]
fn unauthenticated_bodies_are_answered_unread_and_cost_no_memory() {
    let work = Workdir::new();
    let server = authenticated(&work, &[]);
    let before = peak_memory_kb(server.child.id());
    let megabyte = vec![b' '; 1 << 20];
    let threads: Vec<_> = (0..100)
        .map(|i| {
            let address = server.address;
            let body = megabyte.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(address).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(30)))
                    .unwrap();
                let path = ["/webhook", "/nowhere", "/health"][i % 3];
                let head = format!(
                    "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                // The server may close before the body is all sent: that is the point.
                let _ = stream
                    .write_all(head.as_bytes())
                    .and_then(|()| stream.write_all(&body));
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
                String::from_utf8_lossy(&answer).into_owned()
            })
        })
        .collect();
    for (i, thread) in threads.into_iter().enumerate() {
        let answer = thread.join().unwrap();
        if !answer.is_empty() {
            let expected = [" 401 ", " 404 ", " 405 "][i % 3];
            assert!(answer.contains(expected), "{answer}");
            assert!(
                answer.to_ascii_lowercase().contains("connection: close"),
                "{answer}"
            );
        }
    }
    let grown_mb = (peak_memory_kb(server.child.id()) - before) / 1024;
    assert!(
        grown_mb < 40,
        "peak memory grew by {grown_mb} MiB for 100 refused megabytes"
    );
    assert!(work.list("exchange/inbox").is_empty());
}

/// Issue 10: a password sent over plain HTTP to a non-loopback address travels readable; say so.
#[test]
fn listening_beyond_the_loopback_without_tls_warns_that_the_password_travels_readable() {
    let work = Workdir::new();
    make_inbox(&work, "exchange/inbox");
    let mut command = work.bachata1c(&["serve", "--listen", "0.0.0.0:0"]);
    command.args([
        "--dir",
        "exchange",
        "--user",
        "bachata",
        "--password-env",
        "BACHATA1C_TEST_PASSWORD",
    ]);
    let server = Server::spawn(command);
    let (_, log) = server.stop();
    assert!(
        log.iter()
            .any(|l| l.contains("the password travels readable")),
        "{log:?}"
    );
}

/// Issue 10: a `serve` killed while writing left `.webhook-*.tmp` in the inbox forever. Stale
/// temporary files are removed at start; a live writer's are not.
#[test]
fn a_restarted_serve_removes_what_a_killed_one_left_half_written() {
    let work = Workdir::new();
    let dead = "exchange/inbox/.webhook-20261127T101503.123Z-000001-9f3a1c2b.json.999999999.tmp";
    let live = format!(
        "exchange/inbox/.webhook-20261127T101503.123Z-000002-9f3a1c2b.json.{}.tmp",
        std::process::id()
    );
    work.write(dead, "{\"clie");
    work.write(&live, "{\"clie");
    work.write(
        "exchange/failed/.webhook-x.json.reason.txt.999999999.tmp",
        "why",
    );
    let server = authenticated(&work, &[]);
    let (_, log) = server.stop();
    assert!(!work.join(dead).exists());
    assert!(work.join(&live).exists());
    assert!(work.list("exchange/failed").is_empty());
    assert!(
        log.iter()
            .any(|l| l.contains("removed 2 half-written temporary file(s)")),
        "{log:?}"
    );
}
