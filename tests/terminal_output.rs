//! Output a terminal and a log can trust (issue 18, points 4–6): what 1C and HTTP clients send
//! is shown escaped to a person, kept exact for a program, never makes a line too long, and a
//! list cut at its limit says what it left out.
mod common;

use std::process::Output;

use common::exchange::webhook;
use common::onec::{Client, OneCDatabase, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, run};

const USER: &str = "bachata";

/// What a terminal would act on instead of showing.
const ACTED_ON: [char; 4] = ['\u{1b}', '\u{7}', '\u{202E}', '\u{9b}'];

fn output(command: &mut std::process::Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// An exchange folder whose inbox held `webhooks`, run once.
fn exchange_with(work: &Workdir, webhooks: &[String]) {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    for (i, body) in webhooks.iter().enumerate() {
        work.write(&format!("exchange/inbox/hook-{i:05}.json"), body);
    }
    let (code, stderr) = run(&mut work.bachata1c(&["run", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
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

/// Issue 18.4: «Номер по 1С» and «Статус заказа» from 1C's upload were printed raw, so
/// `leads` wrote ESC and BEL to the terminal. The table shows them escaped; CSV to a pipe and
/// JSON keep them exact (JSON with `\u` escapes, which its readers read back).
#[test]
fn what_1c_reported_is_escaped_for_people_and_exact_for_programs() {
    let work = Workdir::new();
    exchange_with(&work, &[webhook(&[("c1", "+79160000001")])]);
    let server = serve(&work);
    let url = server.url("/1c_exchange.php");
    let mut db = OneCDatabase::new(Profile::Unf3Other);
    Client::new(&url, USER, PASSWORD, Profile::Unf3Other)
        .exchange(&mut db)
        .unwrap();
    let site_number = db.orders()[0].site_number.clone();
    let number = "УТ-1\u{1b}[2J\u{9b}31m";
    let status = "В работе\u{1b}]0;pwned\u{7}\u{202E}кат";
    db.change(&site_number, |order| {
        order.number = number.to_string();
        order.status = Some(status.to_string());
    });
    Client::new(&url, USER, PASSWORD, Profile::Unf3Other)
        .upload_statuses(&db.pending_statuses())
        .unwrap();
    server.stop();

    let table = text(&output(&mut work.bachata1c(&["leads", "--dir", "exchange"])).stdout);
    for c in ACTED_ON {
        assert!(!table.contains(c), "{c:?} in the table: {table}");
    }
    assert!(table.contains(r"УТ-1\u{1b}[2J\u{9b}31m"), "{table}");
    assert!(table.contains(r"\u{7}\u{202e}кат"), "{table}");

    let csv = output(&mut work.bachata1c(&["leads", "--dir", "exchange", "--format", "csv"]));
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    let record = reader.records().next().unwrap().unwrap();
    let field = |name: &str| &record[headers.iter().position(|h| h == name).unwrap()];
    assert_eq!(field("onec_number"), number);
    assert_eq!(field("status"), status);

    let json = output(&mut work.bachata1c(&["leads", "--dir", "exchange", "--format", "json"]));
    let raw = text(&json.stdout);
    for c in ACTED_ON {
        assert!(!raw.contains(c), "{c:?} in the JSON: {raw}");
    }
    let rows: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(rows[0]["onec_number"], number);
    assert_eq!(rows[0]["status"], status);

    // CSV on a terminal is for a person: escaped (`script` gives the command a terminal).
    if which("script") {
        let bin = work.bachata1c(&[]).get_program().to_owned();
        let shell = format!(
            "'{}' leads --dir exchange --format csv",
            bin.to_str().unwrap()
        );
        let on_terminal = output(
            std::process::Command::new("script")
                .current_dir(work.path())
                .args(["-qec", &shell, "/dev/null"]),
        );
        let shown = String::from_utf8_lossy(&on_terminal.stdout);
        for c in ACTED_ON {
            assert!(!shown.contains(c), "{c:?} on the terminal: {shown}");
        }
        assert!(shown.contains(r"УТ-1\u{1b}[2J"), "{shown}");
    } else {
        common::skip("leads --format csv on a terminal: no `script` (util-linux) here");
    }
}

fn which(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Issue 18.6: `leads` showed 50 rows and said nothing of the rest.
#[test]
fn a_list_cut_at_its_limit_says_how_many_it_left_out_and_how_to_see_them() {
    let work = Workdir::new();
    let clients: Vec<(String, String)> = (0..60)
        .map(|i| (format!("c{i}"), format!("+7916000{i:04}")))
        .collect();
    let clients: Vec<(&str, &str)> = clients
        .iter()
        .map(|(id, phone)| (id.as_str(), phone.as_str()))
        .collect();
    exchange_with(&work, &[webhook(&clients)]);

    let table = output(&mut work.bachata1c(&["leads", "--dir", "exchange"]));
    let lines: Vec<String> = text(&table.stdout).lines().map(String::from).collect();
    assert_eq!(lines.len(), 1 + 50 + 1, "{lines:#?}");
    assert_eq!(
        lines.last().unwrap(),
        "(50 of 60 leads shown, newest first; --limit 60 shows them all)"
    );
    let all = output(&mut work.bachata1c(&["leads", "--dir", "exchange", "--limit", "60"]));
    let all = text(&all.stdout);
    assert_eq!(all.lines().count(), 1 + 60, "{all}");
    assert!(!all.contains("shows them all"), "{all}");

    // CSV stays a CSV: the note goes to stderr.
    let csv = output(&mut work.bachata1c(&[
        "leads", "--dir", "exchange", "--format", "csv", "--limit", "5",
    ]));
    assert_eq!(
        csv::Reader::from_reader(csv.stdout.as_slice())
            .records()
            .count(),
        5
    );
    assert_eq!(
        text(&csv.stderr).trim_end(),
        "bachata1c: 5 of 60 leads shown, newest first; --limit 60 shows them all"
    );
    let whole = output(&mut work.bachata1c(&["leads", "--dir", "exchange", "--format", "json"]));
    assert!(whole.stderr.is_empty(), "{}", text(&whole.stderr));
}

/// Issue 18.5: an unauthenticated request put U+202E (right-to-left override) into the log,
/// and an authenticated `filename=` made 60 KB lines. Format characters are escaped, and an
/// over-long line is cut with a marker saying how much.
#[test]
fn the_log_escapes_format_characters_and_cuts_over_long_lines() {
    let work = Workdir::new();
    exchange_with(&work, &[]);
    let server = serve(&work);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let _ = agent
        .get(server.url("/1c_exchange.php?type=%E2%80%AEexe.gpj%E2%80%AC%E2%81%A6&mode=checkauth"))
        .call()
        .unwrap();
    // A long path is cut where the log keeps it, with the marker.
    let _ = agent
        .get(server.url(&format!("/{}", "p".repeat(300))))
        .call();
    let mut onec = Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Unf3Other,
    );
    onec.checkauth().unwrap();
    let long_name = format!("{}.xml", "x".repeat(50_000));
    let _ = onec.post_file(&long_name, 0, b"<x/>");
    let (_, log) = server.stop();
    let spoofed = log
        .iter()
        .find(|line| line.contains("exe.gpj"))
        .unwrap_or_else(|| panic!("{log:#?}"));
    assert!(
        spoofed.contains(r"\u{202e}exe.gpj\u{202c}\u{2066}"),
        "{spoofed}"
    );
    for line in &log {
        assert!(
            !line
                .chars()
                .any(|c| ACTED_ON.contains(&c) || c == '\u{202C}'),
            "{line}"
        );
        assert!(line.chars().count() <= 2_100, "{} characters", line.len());
    }
    assert!(
        log.iter().any(|line| line.contains("characters cut]")),
        "{log:#?}"
    );
    let cut_path = format!(" /{}…[101 characters cut] 404 ", "p".repeat(199));
    assert!(log.iter().any(|line| line.contains(&cut_path)), "{log:#?}");
}

/// Issue 18.7: `run` wrote `?` for characters windows-1251 lacks (🚗) and said nothing. Each
/// file's line counts them (the lead is kept), with `--batch` too, and so does `convert`'s.
#[test]
fn characters_windows_1251_lacks_are_counted_in_each_file_s_line() {
    let emoji = r#"{"clients":[{"clientId":"c1","name":"Иванов 🚗","phone":"+79160000001","customData":{"Интерес":"Тест-драйв 👍"}}]}"#;
    let plain = webhook(&[("c2", "+79160000002")]);
    for batch in [false, true] {
        let work = Workdir::new();
        let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
        assert_eq!(code, 0, "{stderr}");
        work.write("exchange/inbox/emoji.json", emoji);
        work.write("exchange/inbox/plain.json", &plain);
        let mut args = vec!["run", "--dir", "exchange"];
        if batch {
            args.push("--batch");
        }
        let (code, stderr) = run(&mut work.bachata1c(&args));
        assert_eq!(code, 0, "{stderr}");
        let line = |name: &str| {
            stderr
                .lines()
                .find(|l| l.contains(name) && l.contains('→'))
                .unwrap_or_else(|| panic!("no line for {name}: {stderr}"))
                .to_string()
        };
        assert!(
            line("emoji.json").ends_with("; 2 characters not in windows-1251 written as ?"),
            "batch {batch}: {stderr}"
        );
        assert!(!line("plain.json").contains("windows-1251"), "{stderr}");
        let outputs = work.list("exchange/outbox");
        let csv: Vec<u8> = outputs
            .iter()
            .filter(|name| name.ends_with(".csv"))
            .flat_map(|name| work.read(&format!("exchange/outbox/{name}")))
            .collect();
        let text = encoding_rs::WINDOWS_1251.decode(&csv).0.into_owned();
        assert!(
            text.contains("Иванов ?") && text.contains("Тест-драйв ?"),
            "{text}"
        );
    }

    let work = Workdir::new();
    work.write("in/emoji.json", emoji);
    let (code, stderr) = run(&mut work.bachata1c(&["convert", "in", "--out", "out"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("emoji.csv; 2 characters not in windows-1251 written as ?"),
        "{stderr}"
    );
}
