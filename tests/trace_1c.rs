//! `serve --trace-1c`: the real serve on the loopback, called by the emulator of 1C's «Обмен с
//! сайтом» client (tests/common/onec). The trace holds 1C's requests and our answers without
//! a credential or a cookie's value, ends by itself (also across restarts: a serve without the
//! option, or the config key met again, traces nothing), and `report` takes it: bodies only
//! with --with-personal-data.
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use common::bundle::{found, unzip};
use common::onec::{Client, OneCDatabase, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, run};

const USER: &str = "bachata";
const NAME: &str = "Светлана Трассировкина";
const PHONE: &str = "+79165550011";

/// An exchange folder with one lead waiting for 1C.
fn exchange(work: &Workdir) {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    work.write(
        "ex/inbox/hook.json",
        format!(r#"{{"clients":[{{"clientId":"t1","name":"{NAME}","phone":"{PHONE}","email":"sveta@example.ru"}}]}}"#),
    );
    let (code, stderr) = run(&mut work.bachata1c(&["run", "ex"]));
    assert_eq!(code, 0, "{stderr}");
}

fn serve(work: &Workdir, extra: &[&str]) -> Server {
    let mut args = vec![
        "ex",
        "--user",
        USER,
        "--password-env",
        "BACHATA1C_TEST_PASSWORD",
    ];
    args.extend_from_slice(extra);
    Server::start(work, &args)
}

fn exchange_with_1c(server: &Server) -> Client {
    let mut client = Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    );
    let mut db = OneCDatabase::new(Profile::Ut11);
    client
        .exchange(&mut db)
        .unwrap_or_else(|err| panic!("{err}\n{:?}", server.lines()));
    client
}

fn trace_lines(work: &Workdir) -> Vec<serde_json::Value> {
    let path = work.join("ex/state/trace-1c/exchange.jsonl");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| serde_json::from_str(line).expect("a whole JSON line"))
        .collect()
}

fn record(work: &Workdir) -> serde_json::Value {
    serde_json::from_slice(&work.read("ex/state/trace-1c/trace.json")).unwrap()
}

/// Waits (a poll, not a timed assertion) until serve says its trace ended.
fn wait_for_the_end(server: &Server) {
    let start = Instant::now();
    while !server
        .lines()
        .iter()
        .any(|line| line.contains("the trace of 1C's exchange ended"))
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{:?}",
            server.lines()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_trace_holds_1c_s_requests_without_credentials_and_report_takes_it() {
    let work = Workdir::new();
    exchange(&work);
    let server = serve(&work, &["--trace-1c", "1h"]);
    let client = exchange_with_1c(&server);
    let cookie = client.session().expect("a session").cookie_value.clone();

    let lines = trace_lines(&work);
    let queries: Vec<&str> = lines
        .iter()
        .map(|line| line["query"].as_str().unwrap())
        .collect();
    // УТ 11 asks for no `init` before its query (protocol note, rule 16).
    for mode in ["mode=checkauth", "mode=query", "mode=success"] {
        assert!(
            queries.iter().any(|q| q.contains(mode)),
            "{mode} not traced: {queries:?}"
        );
    }
    let text = std::fs::read_to_string(work.join("ex/state/trace-1c/exchange.jsonl")).unwrap();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    for secret in [PASSWORD, basic.as_str(), cookie.as_str()] {
        assert!(!text.contains(secret), "{secret} in the trace");
    }
    assert!(
        text.contains("Basic (hidden)"),
        "1C sent its login: {text:.500}"
    );
    assert!(text.contains("bachata1c_session=(hidden)"), "{text:.500}");
    // The answer to 1C's query, as recorded (personal data: the trace stays in state/).
    let query = lines
        .iter()
        .find(|line| line["query"].as_str().unwrap().contains("mode=query"))
        .unwrap();
    assert_eq!(query["status"], 200);
    let body = query["response"]["body"]["text"].as_str().unwrap();
    assert!(body.contains(NAME), "{body:.300}");
    assert!(query["response"]["body"]["bytes"].as_u64().unwrap() > 0);
    assert!(query["ms"].is_u64());

    // Restarted with the same option: the same trace, to the same end.
    let ends = record(&work)["ends"].clone();
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    let server = serve(&work, &["--trace-1c", "1h"]);
    assert!(
        server.lines().iter().any(|l| l.contains("goes on")),
        "{:?}",
        server.lines()
    );
    assert_eq!(record(&work)["ends"], ends);
    server.stop();

    // A new serve without the option does not trace, and ends the running trace.
    let server = serve(&work, &[]);
    let before = trace_lines(&work).len();
    exchange_with_1c(&server);
    assert_eq!(
        trace_lines(&work).len(),
        before,
        "traced without the option"
    );
    assert!(record(&work)["why"].as_str().unwrap().contains("without"));
    server.stop();

    // The bundle takes the trace: without personal data only the requests' shape.
    let (code, stderr) = run(&mut work.bachata1c(&["report", "ex", "--out", "plain.zip"]));
    assert_eq!(code, 0, "{stderr}");
    let Some(files) = unzip(&work.join("plain.zip")) else {
        return;
    };
    let traced = &files["trace-1c/exchange.jsonl"];
    assert!(traced.contains("mode=checkauth") && traced.contains("Basic (hidden)"));
    assert!(
        traced.contains("<?xml"),
        "an XML body's first line: {traced:.500}"
    );
    assert!(found(&files, &[NAME, PHONE, PASSWORD, cookie.as_str()]).is_empty());
    assert!(files["trace-1c/trace.json"].contains("--trace-1c 1h"));
    assert!(
        files["README.txt"].contains("begun "),
        "{}",
        files["README.txt"]
    );
    let (code, stderr) = run(&mut work.bachata1c(&[
        "report",
        "ex",
        "--out",
        "personal.zip",
        "--with-personal-data",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let files = unzip(&work.join("personal.zip")).unwrap();
    assert!(files["trace-1c/exchange.jsonl"].contains(NAME));
    assert!(found(&files, &[PASSWORD, cookie.as_str()]).is_empty());
}

#[test]
fn a_trace_stops_by_itself_and_the_config_key_traces_once() {
    let work = Workdir::new();
    exchange(&work);
    let server = serve(&work, &["--trace-1c", "2s"]);
    wait_for_the_end(&server);
    let ended = trace_lines(&work).len();
    exchange_with_1c(&server);
    assert_eq!(trace_lines(&work).len(), ended, "traced after its end");
    let record = record(&work);
    assert!(
        record["why"].as_str().unwrap().contains("2s were over"),
        "{record}"
    );
    server.stop();

    // The key: one trace, not one per restart.
    let config = work.join("ex/bachata1c.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("[site_exchange]\n", "[site_exchange]\ntrace_1c = \"2s\"\n"),
    )
    .unwrap();
    let server = serve(&work, &[]);
    assert!(
        server
            .lines()
            .iter()
            .any(|l| l.contains("tracing 1C's exchange")),
        "{:?}",
        server.lines()
    );
    wait_for_the_end(&server);
    server.stop();
    let server = serve(&work, &[]);
    assert!(
        server
            .lines()
            .iter()
            .any(|l| l.contains("a key traces once")),
        "{:?}",
        server.lines()
    );
    let before = trace_lines(&work).len();
    exchange_with_1c(&server);
    assert_eq!(trace_lines(&work).len(), before);
    server.stop();
    assert!(Path::new(&work.join("ex/state/trace-1c/trace.json")).is_file());
}

#[test]
fn a_trace_needs_1c_s_exchange_and_a_length_of_at_most_a_day() {
    let work = Workdir::new();
    let (code, stderr) = run(&mut work.bachata1c(&["init", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = run(&mut work.bachata1c(&["serve", "ex", "--trace-1c", "2d"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("at most 24 hours"), "{stderr}");
    let (code, stderr) = run(&mut work.bachata1c(&["serve", "ex", "--trace-1c", "30"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("30m, 2h"), "{stderr}");
    let (code, stderr) = run(&mut work.bachata1c(&[
        "serve",
        "--inbox",
        "ex/inbox",
        "--failed",
        "ex/failed",
        "--trace-1c",
        "30m",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("needs the exchange folder"), "{stderr}");
}
