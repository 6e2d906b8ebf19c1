//! The site exchange's rules for who may change or take which lead (issue 17, points 1, 3 and
//! 4), through the real `bachata1c serve` on the loopback and a client that behaves as 1C's
//! «Обмен с сайтом» module (tests/common/onec): a report from 1C changes only a lead 1C could
//! know; two 1C sessions at once never get the same lead, and each `success` confirms what its
//! own session received; a client with the login cannot push out another's open exchange.
mod common;

use common::exchange::{leads_json, webhook};
use common::onec::{Client, OneCDatabase, OrderStatus, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, run};

const USER: &str = "bachata";

/// An exchange folder with `webhooks` converted by `run` with `run_args`, and `serve`
/// answering 1C on it.
fn exchange_with(work: &Workdir, webhooks: &[String], run_args: &[&str]) -> Server {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    for (i, body) in webhooks.iter().enumerate() {
        work.write(&format!("exchange/inbox/hook-{i:05}.json"), body);
    }
    let mut command = work.bachata1c(&["run", "--dir", "exchange"]);
    let (code, stderr) = run(command.args(run_args));
    assert_eq!(code, 0, "{stderr}");
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

fn client(server: &Server) -> Client {
    Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    )
}

/// `count` leads, one per webhook, in the order of their numbers.
fn leads(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| webhook(&[(&format!("c{i}"), &format!("+7916{i:07}"))]))
        .collect()
}

/// Each lead's number (as 1C shows it) and state, by number.
fn states(work: &Workdir) -> Vec<(String, String)> {
    let mut states: Vec<(String, String)> = leads_json(work, "exchange")
        .iter()
        .map(|lead| {
            (
                format!("{:06}", lead["number"].as_u64().unwrap()),
                lead["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    states.sort();
    states
}

fn numbers(orders: &[common::onec::Order]) -> Vec<String> {
    let mut numbers: Vec<String> = orders.iter().map(|o| o.number().to_string()).collect();
    numbers.sort();
    numbers
}

/// Issue 17 point 1: two leads waiting, and before any query 1C's upload carries a document
/// numbered as the second one. It used to mark that lead `known`, so it was never offered. A
/// report changes only a lead 1C could know (offered over HTTP, or in a file 1C reads); any
/// other is a warning in the log naming the number, and `status` and `leads` show it.
#[test]
fn a_report_on_a_number_1c_was_never_given_changes_nothing_and_is_shown() {
    let work = Workdir::new();
    let server = exchange_with(&work, &leads(2), &[]);
    let before = states(&work);
    let second = before[1].0.clone();
    let upload = client(&server)
        .upload_statuses(&[
            OrderStatus::new(&second, "СА-000777"),
            OrderStatus::new("004242", "СА-000778"),
        ])
        .unwrap()
        .expect("an upload");
    assert_eq!(upload.parts, 1);
    assert_eq!(states(&work), before, "nothing changed");
    let lines = server.lines();
    let warning = lines
        .iter()
        .find(|l| l.contains("1C sale/file") && l.contains("warning"))
        .unwrap_or_else(|| panic!("no warning: {lines:?}"));
    assert!(
        warning.contains(&format!("ignored the report on {second}"))
            && warning.contains("no lead numbered 004242"),
        "{warning}"
    );
    // Both are offered, and 1C takes both.
    let mut db = OneCDatabase::new(Profile::Ut11);
    let imported = client(&server).exchange(&mut db).unwrap();
    assert_eq!(imported.created().len(), 2, "{imported:?}");
    // status and leads show the ignored reports: the time, our number, 1C's.
    let (code, stdout) = {
        let output = work
            .bachata1c(&["status", "--dir", "exchange"])
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    assert_eq!(code, Some(0));
    for text in [stdout, leads_table(&work)] {
        assert!(text.contains("1C reports: 2 ignored"), "{text}");
        let line = text
            .lines()
            .find(|l| l.contains(&second) && l.contains("СА-000777"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(line.contains("never offered to 1C"), "{line}");
        assert!(
            line.trim_start()
                .starts_with(&chrono::Local::now().format("%Y-").to_string()),
            "{line}"
        );
        assert!(text.contains("004242 (1C's № СА-000778)"), "{text}");
    }
    // As CSV and JSON, stdout stays what a script reads; the reports go to stderr.
    let output = work
        .bachata1c(&["leads", "--dir", "exchange", "--format", "json"])
        .output()
        .unwrap();
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("1C reports: 2 ignored"));
}

fn leads_table(work: &Workdir) -> String {
    let output = work
        .bachata1c(&["leads", "--dir", "exchange"])
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Issue 17 point 1, the other side: a lead written into the orders file 1C reads
/// (`--commerceml-file`) is one 1C may know without a query, so its report is recorded.
#[test]
fn a_report_on_a_lead_of_the_orders_file_is_recorded() {
    let work = Workdir::new();
    let server = exchange_with(
        &work,
        &leads(2),
        &["--format", "commerceml", "--commerceml-file", "orders.xml"],
    );
    let first = states(&work)[0].0.clone();
    client(&server)
        .upload_statuses(&[OrderStatus::new(&first, "СА-000001")])
        .unwrap();
    let after = states(&work);
    assert_eq!(after[0], (first, "known".to_string()), "{after:?}");
    assert_eq!(after[1].1, "waiting");
    assert!(!leads_table(&work).contains("1C reports:"));
}

/// Issue 17 point 3: two 1C sessions at once (two bases, or a test copy still exchanging).
/// Both used to get the same leads, and only the one that asked last could confirm them. Now
/// a lead offered to one session is not offered to another while that offer is fresh, and
/// each `success` confirms exactly what its own session received.
#[test]
fn two_1c_sessions_at_once_never_get_the_same_lead_and_each_confirms_its_own() {
    let work = Workdir::new();
    work.write(
        "exchange/bachata1c.toml",
        "[site_exchange]\nfile_limit = 1\n",
    );
    let server = exchange_with(&work, &leads(3), &[]);
    let all: Vec<String> = states(&work).into_iter().map(|(n, _)| n).collect();
    // file_limit = 1: one order per query.
    let mut a = client(&server);
    let mut b = client(&server);
    a.checkauth().unwrap();
    b.checkauth().unwrap();
    let to_a = a.query().unwrap();
    let to_b = b.query().unwrap();
    assert_eq!(numbers(&to_a), [all[0].clone()]);
    assert_eq!(numbers(&to_b), [all[1].clone()], "not A's lead again");
    // A asks again in its session (1C retries): its own lead comes again, B's does not.
    assert_eq!(numbers(&a.query().unwrap()), [all[0].clone()]);
    b.success().unwrap();
    assert_eq!(
        states(&work),
        [
            (all[0].clone(), "offered".to_string()),
            (all[1].clone(), "confirmed".to_string()),
            (all[2].clone(), "waiting".to_string()),
        ]
    );
    a.success().unwrap();
    assert_eq!(states(&work)[0].1, "confirmed");
    // A third session gets only what is left.
    let mut c = client(&server);
    c.checkauth().unwrap();
    assert_eq!(numbers(&c.query().unwrap()), [all[2].clone()]);
    assert!(
        server
            .lines()
            .iter()
            .filter(|l| l.contains("1C sale/success: 1C confirmed 1 lead(s)"))
            .count()
            == 2,
        "{:?}",
        server.lines()
    );
}

/// Issue 17 point 4: sessions were capped at 1,000 in all and the idlest dropped, so a client
/// with the 1C login could end the real 1C's session between its query and its `success` by
/// logging in 1,000 times. Now sessions are bounded per login, and a session with an open
/// exchange is never pushed out: the real 1C's `success` still confirms its leads.
#[test]
fn logins_by_the_thousand_do_not_push_out_an_open_exchange() {
    let work = Workdir::new();
    let server = exchange_with(&work, &leads(2), &[]);
    let mut real = client(&server);
    real.checkauth().unwrap();
    assert_eq!(real.query().unwrap().len(), 2);
    for _ in 0..1_001 {
        client(&server).checkauth().unwrap();
    }
    real.success().unwrap();
    assert_eq!(
        states(&work)
            .iter()
            .filter(|(_, s)| s == "confirmed")
            .count(),
        2,
        "{:?}",
        server.lines().last()
    );
}

/// Issue 17 point 4: when every session of the login has an open exchange, a new login is
/// refused with a clear failure (1C logs it) rather than ending one of them; once one ends,
/// logging in works again.
#[test]
fn a_login_whose_sessions_all_have_open_exchanges_is_refused_clearly() {
    let work = Workdir::new();
    work.write(
        "exchange/bachata1c.toml",
        "[site_exchange]\nfile_limit = 1\n",
    );
    // bachata1c's bound per login (docs/serve.md): one lead per query, one query per session.
    const PER_LOGIN: usize = 100;
    let server = exchange_with(&work, &leads(PER_LOGIN), &[]);
    let mut open = Vec::new();
    for _ in 0..PER_LOGIN {
        let mut onec = client(&server);
        onec.checkauth().unwrap();
        assert_eq!(onec.query().unwrap().len(), 1);
        open.push(onec);
    }
    let refused = client(&server).checkauth().unwrap_err().to_string();
    assert!(refused.contains("Авторизация"), "{refused}");
    assert!(
        server
            .lines()
            .iter()
            .any(|l| l.contains("checkauth: failure: 100 exchanges of this login are open")),
        "{:?}",
        server.lines().last()
    );
    open[0].success().unwrap();
    client(&server).checkauth().unwrap();
    for onec in &mut open[1..] {
        onec.success().unwrap();
    }
    assert!(states(&work).iter().all(|(_, s)| s == "confirmed"));
}
