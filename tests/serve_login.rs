//! Who may take leads from `serve`: 1C's exchange is never served without a login, and wrong
//! passwords are slowed down per client address (the webhook's and 1C's `checkauth`) while a
//! client that logs in right is never slowed; the one log line per burst is what the fail2ban
//! filter in docs/serve.md matches. The real binary on the loopback, real HTTP clients (ureq,
//! curl), fail2ban's own `fail2ban-regex`.
mod common;

use std::collections::BTreeSet;
use std::process::Command;

use base64::Engine;
use common::exchange::{leads_json, webhook};
use common::onec::{Client, OneCDatabase, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, run};

const USER: &str = "bachata";
/// How serve's one line per burst starts.
const BURST: &str = "bachata1c: too many wrong passwords from ";

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

/// One request: (status, Retry-After, body).
fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, Option<u64>, String) {
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = if method == "POST" {
        webhook(&[("c9", "+79160000009")])
    } else {
        String::new()
    };
    let mut response = agent
        .run(request.body(body).unwrap())
        .expect("an HTTP answer");
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (response.status().as_u16(), retry_after, text)
}

/// An exchange folder with two leads waiting for 1C.
fn with_waiting_leads(work: &Workdir) {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    work.write(
        "exchange/inbox/hook.json",
        webhook(&[("c1", "+79160000001"), ("c2", "+79160000002")]),
    );
    let (code, stderr) = run(&mut work.bachata1c(&["run", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
}

fn states(work: &Workdir) -> Vec<String> {
    leads_json(work, "exchange")
        .iter()
        .map(|lead| lead["state"].as_str().unwrap().to_string())
        .collect()
}

/// Issue 17.8: `serve` without `--user` answered 1C's `checkauth` to anyone with `success`,
/// and `query` handed out every lead's name and phone. Now 1C's paths answer `failure` with
/// the reason (1C shows it in its exchange log), nothing is read or offered, and `serve` says
/// so at start; the webhook still works.
#[test]
fn the_1c_exchange_is_never_served_without_a_login() {
    let work = Workdir::new();
    with_waiting_leads(&work);
    let server = Server::start(&work, &["exchange"]);
    let agent = agent();
    for path in ["/1c_exchange.php", "/bitrix/admin/1c_exchange.php"] {
        for query in ["type=sale&mode=checkauth", "type=catalog&mode=checkauth"] {
            let (status, _, body) =
                send(&agent, "GET", &server.url(&format!("{path}?{query}")), &[]);
            assert_eq!(status, 200, "{body}");
            assert!(body.starts_with("failure\n"), "{path}?{query}: {body}");
            assert!(body.contains("no login is set"), "{body}");
        }
        let (_, _, body) = send(
            &agent,
            "GET",
            &server.url(&format!("{path}?type=sale&mode=query")),
            &[("Cookie", "bachata1c_session=guess")],
        );
        assert!(body.starts_with("failure\n"), "{body}");
        assert!(
            !body.contains("79160000001") && !body.contains("Иван"),
            "{body}"
        );
    }
    // 1C's own client is refused at its login, and nothing was offered or taken.
    let mut db = OneCDatabase::new(Profile::Ut11);
    let refused = Client::new(
        &server.url("/1c_exchange.php"),
        "anyone",
        "anything",
        Profile::Ut11,
    )
    .exchange(&mut db);
    assert!(refused.is_err(), "{refused:?}");
    assert!(db.orders().is_empty());
    assert_eq!(states(&work), ["waiting", "waiting"]);
    // Said at start, with what to set.
    let start = server.lines().join("\n");
    assert!(
        start.contains("1C's «Обмен с сайтом» is off: no login is set for it")
            && start.contains("[site_exchange] user"),
        "{start}"
    );
    // The webhook itself still takes leads (a loopback serve behind a proxy that checks).
    let (status, _, body) = send(&agent, "POST", &server.url("/webhook"), &[]);
    assert_eq!(status, 200, "{body}");
}

/// `serve` with a login whose first closing lasts an hour instead of a second (the test hook
/// `BACHATA1C_TEST_FIRST_BLOCK_SECONDS`), so that no assertion races a clock.
fn serve_with_login(work: &Workdir) -> Server {
    let mut command = work.bachata1c(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "exchange",
        "--user",
        USER,
        "--password-env",
        "BACHATA1C_TEST_PASSWORD",
    ]);
    command.env("BACHATA1C_TEST_FIRST_BLOCK_SECONDS", "3600");
    Server::spawn(command)
}

/// Sends wrong passwords as `client` (a trusted proxy's X-Forwarded-For: the loopback is one by
/// default) until its logins are closed: the number of 401s before the first 429, and that 429's
/// Retry-After and body.
fn guess_until_closed(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    client: &str,
) -> (usize, u64, String) {
    let wrong = basic(USER, "wrong");
    for refused in 0..40 {
        let (status, retry_after, body) = send(
            agent,
            method,
            url,
            &[("Authorization", &wrong), ("X-Forwarded-For", client)],
        );
        match status {
            401 => continue,
            429 => return (refused, retry_after.expect("Retry-After"), body),
            other => panic!("{other}: {body}"),
        }
    }
    panic!("{client}: 40 wrong passwords and never closed");
}

/// Issue 17.9: 2,000 wrong guesses took 0.9 s from one client. Now the fifth wrong password
/// from an address closes its logins (429, Retry-After) for the webhook and for 1C's
/// `checkauth`; a right client at another address is served at once meanwhile, and the closed
/// address's refusals write no line each: one line per burst, which fail2ban's filter from
/// docs/serve.md (run by fail2ban-regex itself) matches, and a line forged into the log by a
/// stranger does not.
#[test]
fn wrong_passwords_close_the_guessers_logins_and_never_a_right_clients() {
    let work = Workdir::new();
    with_waiting_leads(&work);
    let server = serve_with_login(&work);
    let agent = agent();
    let right = basic(USER, PASSWORD);

    let (wrong_401s, retry_after, body) =
        guess_until_closed(&agent, "POST", &server.url("/webhook"), "203.0.113.7");
    assert_eq!(wrong_401s, 5, "closed after {wrong_401s} wrong passwords");
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    assert!(body.contains("too many wrong passwords"), "{body}");
    // The guesser's right password waits too: while closed, nothing from it is checked.
    let (status, _, _) = send(
        &agent,
        "POST",
        &server.url("/webhook"),
        &[
            ("Authorization", &right),
            ("X-Forwarded-For", "203.0.113.7"),
        ],
    );
    assert_eq!(status, 429);
    // Bachata at another address, and the loopback itself, are served at once.
    for client in [Some("198.51.100.20"), None] {
        let mut headers = vec![("Authorization", right.as_str())];
        headers.extend(client.map(|c| ("X-Forwarded-For", c)));
        let (status, _, body) = send(&agent, "POST", &server.url("/webhook"), &headers);
        assert_eq!(status, 200, "{client:?}: {body}");
    }

    // 1C's login the same way: `failure` first, which 1C shows, then the reason.
    let checkauth = server.url("/1c_exchange.php?type=sale&mode=checkauth");
    let (wrong_401s, retry_after, body) =
        guess_until_closed(&agent, "GET", &checkauth, "203.0.113.8");
    assert_eq!(wrong_401s, 5);
    assert!(retry_after >= 1);
    assert!(
        body.starts_with("failure\ntoo many wrong passwords"),
        "{body}"
    );
    let mut db = OneCDatabase::new(Profile::Ut11);
    let imported = Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    )
    .exchange(&mut db)
    .unwrap_or_else(|err| panic!("{err}\n{:?}", server.lines()));
    assert_eq!(imported.created().len(), 2);

    // One line per burst, none per refusal.
    let log = server.lines();
    let bursts = |client: &str| {
        let line = format!("{BURST}{client} (");
        log.iter().filter(|l| l.starts_with(&line)).count()
    };
    assert_eq!(
        (bursts("203.0.113.7"), bursts("203.0.113.8")),
        (1, 1),
        "{log:?}"
    );
    let refusal_lines = log
        .iter()
        .filter(|line| line.contains("/webhook 429 ") || line.contains(".php 429 "));
    assert_eq!(refusal_lines.count(), 0, "{log:?}");

    // A stranger's request that puts the burst's words into its own log line.
    let forged = "bachata1c: too many wrong passwords from 192.0.2.99 (1";
    let (_, _, _) = send(
        &agent,
        "GET",
        &server.url(&format!(
            "/1c_exchange.php?type={}&mode=x",
            forged.replace(' ', "%20").replace('(', "%28")
        )),
        &[("X-Forwarded-For", forged)],
    );
    let (_, log) = server.stop();
    assert!(
        log.iter().any(|line| line.contains("192.0.2.99")),
        "{log:?}"
    );
    let banned = fail2ban_bans(&work, &log);
    if let Some(banned) = banned {
        assert_eq!(
            banned,
            BTreeSet::from(["203.0.113.7".to_string(), "203.0.113.8".to_string()])
        );
    }
}

/// The addresses fail2ban's filter from docs/serve.md finds in `log`, as serve wrote it and as
/// fail2ban's journal backend shows it (`host bachata1c[pid]: line`); `None` without
/// fail2ban-regex (recorded as skipped).
fn fail2ban_bans(work: &Workdir, log: &[String]) -> Option<BTreeSet<String>> {
    if !common::have_tool("fail2ban-regex", "Debian package fail2ban") {
        return None;
    }
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/serve.md"),
    )
    .unwrap();
    let start = doc
        .find("```ini\n# /etc/fail2ban/filter.d/bachata1c.conf")
        .expect("docs/serve.md shows the fail2ban filter");
    let filter = &doc[start + "```ini\n".len()..];
    let filter = &filter[..filter.find("```").unwrap()];
    let filter_path = work.write("bachata1c-filter.conf", filter);
    let journal: Vec<String> = log
        .iter()
        .map(|line| format!("dealer-server bachata1c[4242]: {line}"))
        .collect();
    let log_path = work.write(
        "serve.log",
        format!("{}\n{}\n", log.join("\n"), journal.join("\n")),
    );
    let output = Command::new("fail2ban-regex")
        .args(["-o", "<ip>"])
        .arg(&log_path)
        .arg(&filter_path)
        .output()
        .unwrap();
    let found = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{found}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Each burst line twice (as written, and from the journal).
    let lines: Vec<&str> = found.lines().filter(|l| !l.is_empty()).collect();
    let bursts = log.iter().filter(|l| l.starts_with(BURST)).count();
    assert_eq!(lines.len(), 2 * bursts, "{found}");
    Some(lines.into_iter().map(str::to_string).collect())
}

/// A POST of a webhook through curl from the local address `from` (curl's `--interface`: the
/// loopback has all of 127.0.0.0/8), as `user:password`, with extra headers: the status.
fn curl_post(url: &str, from: &str, password: &str, headers: &[&str]) -> u16 {
    let mut command = Command::new("curl");
    command
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--interface",
            from,
        ])
        .args(["-u", &format!("{USER}:{password}")])
        .args(["-H", "Content-Type: application/json"])
        .args(["--data", &webhook(&[("c9", "+79160000009")])]);
    for header in headers {
        command.args(["-H", header]);
    }
    let output = command.arg(url).output().expect("curl");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Behind the shipped nginx example every request reaches `serve` from 127.0.0.1; what counts
/// is the client nginx saw (its X-Forwarded-For, believed from the loopback only). A guesser
/// at one address closes its own logins; Bachata at another is served at once; a guesser
/// that claims another's address in its own X-Forwarded-For is still counted as itself.
#[test]
fn behind_the_nginx_example_each_client_counts_by_its_own_address() {
    if !common::have_tool("curl", "Debian package curl") {
        return;
    }
    let work = Workdir::new();
    with_waiting_leads(&work);
    let server = serve_with_login(&work);
    let Some(nginx) = common::nginx::Nginx::start(&work, server.address) else {
        return;
    };
    let url = nginx.url("/webhook");
    // The guesser claims to be Bachata in its own X-Forwarded-For: nginx appends what it saw.
    let claim = "X-Forwarded-For: 127.0.0.3";
    let statuses: Vec<u16> = (0..6)
        .map(|_| curl_post(&url, "127.0.0.2", "wrong", &[claim]))
        .collect();
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 401, 429],
        "{}",
        nginx.errors()
    );
    assert_eq!(curl_post(&url, "127.0.0.2", PASSWORD, &[]), 429);
    // Bachata is served at once.
    assert_eq!(
        curl_post(&url, "127.0.0.3", PASSWORD, &[]),
        200,
        "{:?}",
        server.lines()
    );
    let log = server.lines();
    let bursts: Vec<&String> = log.iter().filter(|line| line.starts_with(BURST)).collect();
    assert_eq!(bursts.len(), 1, "{log:?}");
    assert!(
        bursts[0].starts_with(&format!("{BURST}127.0.0.2 (")),
        "{log:?}"
    );
}
