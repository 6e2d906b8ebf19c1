//! Checks a monitor can run, through the real binary: `status --check` as a monitoring plugin
//! (exit status, first line, performance data) on folders whose leads really wait, with 1C
//! driven by tests/common's client that behaves as 1C's «Обмен с сайтом», and `serve`'s
//! `/metrics` read by the Prometheus project's own parser, its figures equal to `status`'s.
//! Old leads are made as the product dates them: by their webhook file's time.
mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::exchange::webhook;
use common::onec::{Client, OneCDatabase, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, run};

const USER: &str = "bachata";

fn exchange(work: &Workdir) {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
}

/// A webhook in the inbox whose file was last written `ago`: the time the product takes as
/// its received time.
fn webhook_received(work: &Workdir, name: &str, body: &str, ago: Duration) {
    let path = work.write(&format!("exchange/inbox/{name}"), body);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(SystemTime::now() - ago)
        .unwrap();
}

fn convert(work: &Workdir) {
    let (code, stderr) = run(&mut work.bachata1c(&["run", "--dir", "exchange"]));
    assert!(code == 0 || code == 1, "{stderr}");
}

/// `status --check` with `extra`: (exit status, stdout).
fn check(work: &Workdir, extra: &[&str]) -> (i32, String) {
    let mut command = work.bachata1c(&["status", "exchange", "--check"]);
    command.args(extra);
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap(), stdout)
}

/// The check's first line, split at `|`: (text, performance data).
fn first_line(stdout: &str) -> (String, String) {
    let line = stdout.lines().next().unwrap();
    let (text, perfdata) = line.split_once(" | ").expect("performance data after |");
    (text.to_string(), perfdata.to_string())
}

/// One item of the performance data, as the plugin conventions write it:
/// `'label'=value[UOM];warn;crit;min;max`: (value with its unit, warn, crit).
fn perf(perfdata: &str, label: &str) -> (String, String, String) {
    let item = perfdata
        .split(' ')
        .find_map(|item| item.strip_prefix(&format!("'{label}'=")))
        .unwrap_or_else(|| panic!("no {label} in {perfdata}"));
    let fields: Vec<&str> = item.split(';').collect();
    assert_eq!(fields.len(), 5, "{item}");
    (fields[0].into(), fields[1].into(), fields[2].into())
}

fn serve(work: &Workdir) -> Server {
    Server::start(
        work,
        &[
            "--dir",
            "exchange",
            "--user",
            USER,
            "--password-env",
            "BACHATA1C_TEST_PASSWORD",
        ],
    )
}

/// One scheduled exchange of 1C's, as its «Обмен с сайтом» runs it: the leads it took.
fn onec_exchange(server: &Server) -> usize {
    let mut db = OneCDatabase::new(Profile::Ut11);
    Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    )
    .exchange(&mut db)
    .unwrap();
    db.orders().len()
}

/// A lead left waiting past `max_waiting` is CRITICAL with its words and figures, and OK once
/// 1C has taken it.
#[test]
fn a_lead_waiting_past_max_waiting_is_critical_until_1c_takes_it() {
    let work = Workdir::new();
    exchange(&work);
    // 1C's exchange runs here: serve records its request (written when serve stops).
    let server = serve(&work);
    assert_eq!(onec_exchange(&server), 0);
    server.stop();
    webhook_received(
        &work,
        "old.json",
        &webhook(&[("c1", "+79160000001")]),
        Duration::from_secs(3 * 3600 + 60),
    );
    convert(&work);

    let (code, stdout) = check(&work, &[]);
    assert_eq!(code, 2, "{stdout}");
    let (text, perfdata) = first_line(&stdout);
    assert_eq!(
        text,
        "BACHATA1C CRITICAL - exchange: Leads have waited for 1C over 2 h: 1 lead, the oldest \
         for 3 h 1 min"
    );
    assert_eq!(perf(&perfdata, "waiting").0, "1");
    let (age, _, crit) = perf(&perfdata, "oldest_waiting");
    let age: u64 = age.strip_suffix('s').unwrap().parse().unwrap();
    assert!((3 * 3600 + 60..4 * 3600).contains(&age), "{age}");
    assert_eq!(crit, "7200");
    assert!(stdout.contains("CRITICAL leads_waiting: Лиды ждут 1С дольше 2 ч"));
    // A monitor that allows a day is content.
    assert_eq!(check(&work, &["--max-waiting", "1d"]).0, 0);

    let server = serve(&work);
    assert_eq!(onec_exchange(&server), 1);
    let (code, stdout) = check(&work, &[]);
    server.stop();
    assert_eq!(code, 0, "{stdout}");
    let (text, perfdata) = first_line(&stdout);
    assert!(
        text.starts_with("BACHATA1C OK - exchange: 0 leads waiting for 1C"),
        "{text}"
    );
    assert_eq!(perf(&perfdata, "waiting").0, "0");
    assert_eq!(perf(&perfdata, "confirmed").0, "1c");
}

/// A folder whose leads go to 1C as files has a queue nothing takes from: its leads waiting
/// there are no stall.
#[test]
fn leads_of_a_folder_1c_never_asked_are_no_stall() {
    let work = Workdir::new();
    exchange(&work);
    webhook_received(
        &work,
        "old.json",
        &webhook(&[("c1", "+79160000001")]),
        Duration::from_secs(48 * 3600),
    );
    convert(&work);
    let (code, stdout) = check(&work, &[]);
    assert_eq!(code, 0, "{stdout}");
    let (_, perfdata) = first_line(&stdout);
    assert_eq!(perf(&perfdata, "1c_silence").0, "U");
}

/// 1C silent longer than `max_1c_silence` is CRITICAL while leads wait, and nothing while
/// none does.
#[test]
fn one_c_silence_is_critical_only_while_leads_wait() {
    let work = Workdir::new();
    exchange(&work);
    let server = serve(&work);
    onec_exchange(&server);
    server.stop();
    // Real time passes: a threshold of a second is passed in two.
    std::thread::sleep(Duration::from_secs(2));
    let (code, stdout) = check(&work, &["--max-1c-silence", "1s"]);
    assert_eq!(code, 0, "nothing waits: {stdout}");

    webhook_received(
        &work,
        "new.json",
        &webhook(&[("c1", "+79160000001")]),
        Duration::ZERO,
    );
    convert(&work);
    let (code, stdout) = check(&work, &["--max-1c-silence", "1s"]);
    assert_eq!(code, 2, "{stdout}");
    let (text, perfdata) = first_line(&stdout);
    assert!(
        text.starts_with("BACHATA1C CRITICAL - exchange: 1C silent for ")
            && text.ends_with(" s with 1 lead waiting"),
        "{text}"
    );
    let (silence, _, crit) = perf(&perfdata, "1c_silence");
    assert!(silence.ends_with('s') && crit == "1", "{perfdata}");
    assert!(stdout.contains("CRITICAL 1c_silent: 1С не обращается"));
    // The default (an hour) is not passed.
    assert_eq!(check(&work, &[]).0, 0);
}

/// Silence from Bachata is nothing by default (nights and weekends are quiet), a WARNING when
/// a threshold is set, by option or in `[alerts]`.
#[test]
fn webhook_silence_is_off_by_default_and_a_warning_when_set() {
    let work = Workdir::new();
    exchange(&work);
    let server = serve(&work);
    let (status, _) = post_webhook(&server, Some((USER, PASSWORD)));
    assert_eq!(status, 200);
    server.stop();
    std::thread::sleep(Duration::from_secs(2));

    let (code, stdout) = check(&work, &[]);
    assert_eq!(code, 0, "{stdout}");
    let (code, stdout) = check(&work, &["--max-webhook-silence", "1s"]);
    assert_eq!(code, 1, "{stdout}");
    let (text, perfdata) = first_line(&stdout);
    assert!(
        text.starts_with("BACHATA1C WARNING - exchange: No webhook from Bachata for "),
        "{text}"
    );
    assert_eq!(perf(&perfdata, "webhook_silence").1, "1");
    work.write(
        "exchange/bachata1c.toml",
        "[alerts]\nmax_webhook_silence = \"1s\"\n",
    );
    assert_eq!(check(&work, &[]).0, 1);
    assert_eq!(check(&work, &["--max-webhook-silence", "off"]).0, 0);
}

/// Refused inputs in failed/ are a WARNING naming how many, until a person deals with them.
#[test]
fn refused_inputs_are_a_warning() {
    let work = Workdir::new();
    exchange(&work);
    work.write("exchange/inbox/broken.json", "{\"clients\": [");
    work.write("exchange/inbox/text.json", "not json at all");
    let (code, stderr) =
        run(&mut work.bachata1c(&["run", "--dir", "exchange", "--give-up-after", "0"]));
    assert_eq!(code, 1, "{stderr}");
    let (code, stdout) = check(&work, &[]);
    assert_eq!(code, 1, "{stdout}");
    let (text, perfdata) = first_line(&stdout);
    assert_eq!(
        text,
        "BACHATA1C WARNING - exchange: 2 refused inputs in failed/"
    );
    assert_eq!(
        perf(&perfdata, "refused"),
        ("2".into(), "0".into(), String::new())
    );
    assert!(stdout.contains("WARNING inputs_refused: В failed/ 2 отклонённых файла"));
    assert_eq!(check(&work, &["--max-refused", "2"]).0, 0);
}

/// Free space is measured on the exchange folder's disk: twice what `df` says is free is a
/// WARNING (a tenth of it is not reached), and its figure is the disk's.
#[test]
fn little_free_disk_space_is_a_warning() {
    let work = Workdir::new();
    exchange(&work);
    let (code, stdout) = check(&work, &[]);
    assert_eq!(code, 0, "{stdout}");
    let (_, perfdata) = first_line(&stdout);
    let (free, _, _) = perf(&perfdata, "disk_free");
    let free: u64 = free.strip_suffix('B').unwrap().parse().unwrap();
    let min = (free * 2).to_string();
    let (code, stdout) = check(&work, &["--min-free-disk", &min]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("free on the disk of "), "{stdout}");
    assert_eq!(check(&work, &["--min-free-disk", "off"]).0, 0);
}

/// What a check cannot look at is UNKNOWN (3), with the reason on its line.
#[test]
fn a_check_that_cannot_look_is_unknown() {
    let work = Workdir::new();
    let (code, stdout) = check(&work, &[]);
    assert_eq!(code, 3);
    assert!(
        stdout.starts_with("BACHATA1C UNKNOWN - exchange: no such exchange folder"),
        "{stdout}"
    );
    exchange(&work);
    work.write("exchange/state/ledger.sqlite", "not a database, just text");
    let (code, stdout) = check(&work, &[]);
    assert_eq!(code, 3);
    assert!(
        stdout.starts_with("BACHATA1C UNKNOWN - cannot read the ledger ")
            && stdout.contains("ledger.sqlite"),
        "{stdout}"
    );
    let (code, stdout) = check(&work, &["--max-waiting", "soon"]);
    assert_eq!(code, 3);
    assert!(
        stdout.starts_with("BACHATA1C UNKNOWN - bachata1c status: invalid value 'soon'"),
        "{stdout}"
    );
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

fn post_webhook(server: &Server, login: Option<(&str, &str)>) -> (u16, String) {
    let mut request = agent()
        .post(&server.url("/webhook"))
        .header("Content-Type", "application/json");
    if let Some((user, password)) = login {
        request = request.header("Authorization", &basic(user, password));
    }
    let mut response = request
        .send(webhook(&[("w1", "+79160000009")]).as_bytes())
        .unwrap();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (response.status().as_u16(), text)
}

fn get(server: &Server, path: &str, login: Option<(&str, &str)>) -> (u16, String, String) {
    let mut request = agent().get(&server.url(path));
    if let Some((user, password)) = login {
        request = request.header("Authorization", &basic(user, password));
    }
    let mut response = request.call().unwrap();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (response.status().as_u16(), kind, text)
}

/// `/metrics` read by Prometheus' own parser: (name, labels as `k=v,…`) → value.
fn parse_metrics(text: &str) -> Option<std::collections::BTreeMap<(String, String), f64>> {
    if !common::have_python_module("prometheus_client") {
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/read_metrics.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut samples = std::collections::BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let sample: serde_json::Value = serde_json::from_str(line).unwrap();
        let labels: Vec<String> = sample["labels"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
            .collect();
        samples.insert(
            (
                sample["name"].as_str().unwrap().to_string(),
                labels.join(","),
            ),
            sample["value"].as_f64().unwrap(),
        );
    }
    Some(samples)
}

/// `status`'s own lines, as a person reads them.
fn status_lines(work: &Workdir) -> String {
    let output = work.bachata1c(&["status", "exchange"]).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// `/metrics` is behind serve's login, parses as the Prometheus text format, and its figures
/// are `status`'s: the queue by state, the inputs by outcome, failed/, and 1C's and
/// Bachata's last requests, which `status` reads from serve's record after serve stops.
#[test]
fn metrics_parse_and_equal_status() {
    let work = Workdir::new();
    exchange(&work);
    for (i, phone) in ["+79160000001", "+79160000002", "+79160000003"]
        .iter()
        .enumerate()
    {
        work.write(
            &format!("exchange/inbox/hook-{i}.json"),
            webhook(&[(&format!("c{i}"), phone)]),
        );
    }
    work.write(
        "exchange/inbox/copy.json",
        webhook(&[("c0", "+79160000001")]),
    );
    work.write("exchange/inbox/broken.json", "not json");
    let (code, _) = run(&mut work.bachata1c(&["run", "--dir", "exchange", "--give-up-after", "0"]));
    assert_eq!(code, 1);
    let server = serve(&work);
    assert_eq!(onec_exchange(&server), 3);
    work.write(
        "exchange/inbox/later.json",
        webhook(&[("c9", "+79160000009")]),
    );
    convert(&work);
    assert_eq!(post_webhook(&server, Some((USER, PASSWORD))).0, 200);
    assert_eq!(post_webhook(&server, Some((USER, "wrong"))).0, 401);

    let (code, _, _) = get(&server, "/metrics", None);
    assert_eq!(code, 401, "no login, no metrics");
    let (code, kind, text) = get(&server, "/metrics", Some((USER, PASSWORD)));
    assert_eq!(code, 200, "{text}");
    assert_eq!(kind, "text/plain; version=0.0.4; charset=utf-8");
    let (_, stdout) = check(&work, &[]);
    let (_, perfdata) = first_line(&stdout);
    let status = status_lines(&work);
    server.stop();
    let Some(metrics) = parse_metrics(&text) else {
        return;
    };
    let metric = |name: &str, labels: &str| -> u64 {
        *metrics
            .get(&(name.to_string(), labels.to_string()))
            .unwrap_or_else(|| panic!("no {name}{{{labels}}} in\n{text}")) as u64
    };

    // The queue: status's line and the check's performance data say the same.
    let queue: Vec<u64> = ["waiting", "offered", "confirmed", "known"]
        .iter()
        .map(|state| metric("bachata1c_leads", &format!("state={state}")))
        .collect();
    assert_eq!(queue, [1, 0, 3, 0]);
    assert!(
        status.contains(&format!(
            "1C queue:   {} waiting, {} offered, {} confirmed, {} known to 1C",
            queue[0], queue[1], queue[2], queue[3]
        )),
        "{status}"
    );
    assert_eq!(perf(&perfdata, "waiting").0, queue[0].to_string());
    assert_eq!(perf(&perfdata, "confirmed").0, format!("{}c", queue[2]));
    // failed/: the count status lists.
    let failed = metric("bachata1c_failed_inputs", "");
    assert_eq!(failed, 1);
    assert!(status.contains("failed/:    1 refused input"), "{status}");
    assert_eq!(perf(&perfdata, "refused").0, failed.to_string());
    // The inputs, by outcome: the ledger's, as status's summary counts them.
    assert_eq!(metric("bachata1c_inputs_total", "outcome=converted"), 4);
    assert_eq!(metric("bachata1c_inputs_total", "outcome=duplicate"), 1);
    assert_eq!(metric("bachata1c_inputs_total", "outcome=refused"), 1);
    assert_eq!(metric("bachata1c_inputs_total", "outcome=empty"), 0);
    assert!(
        status.contains(
            "all runs:   6 files taken: 4 converted (0 without qualifying clients), 1 refused, \
             1 duplicate(s)"
        ),
        "{status}"
    );
    // serve's answers to webhooks.
    assert_eq!(metric("bachata1c_webhooks_total", "code=200"), 1);
    assert_eq!(metric("bachata1c_webhooks_total", "code=401"), 1);
    assert!(metric("bachata1c_oldest_waiting_lead_age_seconds", "") < 3600);

    // serve's record, read by status once serve stopped: the same seconds.
    let status = status_lines(&work);
    for (name, label) in [
        (
            "bachata1c_last_1c_request_timestamp_seconds",
            "1C:         last request ",
        ),
        (
            "bachata1c_last_webhook_timestamp_seconds",
            "webhooks:   last received ",
        ),
    ] {
        let at = chrono::DateTime::from_timestamp(metric(name, "") as i64, 0).unwrap();
        let shown = at
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        assert!(
            status.contains(&format!("{label}{shown} (")),
            "{name} {shown}:\n{status}"
        );
    }
}

/// `/metrics` is a route of its own: neither the webhook nor 1C's exchange may take its path.
#[test]
fn the_metrics_path_is_no_webhook_or_site_path() {
    let work = Workdir::new();
    exchange(&work);
    let (code, stderr) =
        run(&mut work.bachata1c(&["serve", "--dir", "exchange", "--path", "/metrics"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("the webhook path (--path, [serve] path) cannot be /metrics"),
        "{stderr}"
    );
    work.write(
        "exchange/bachata1c.toml",
        "[site_exchange]\npath = \"/metrics\"\n",
    );
    let (code, stderr) = run(&mut work.bachata1c(&["serve", "--dir", "exchange"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("the site-exchange path ([site_exchange] path) cannot be /metrics"),
        "{stderr}"
    );
}
