//! `bachata1c doctor` plays 1C's «Обмен с сайтом» client against real servers on the loopback
//! and says what stands in the way: the real binary against the real `serve` (directly, over
//! TLS with certificates made here, behind the real nginx with the shipped example edited as
//! dealers edit it), and against a small server of this test that answers as a broken PHP site
//! does. Issue 21: «doctor reports a stripped Authorization header and a wrong password, and
//! leaves the queue as it was».
mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::exchange::{leads_json, webhook};
use common::nginx::{Block, Nginx};
use common::onec::{Client, OneCDatabase, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, run};

const USER: &str = "bachata";

/// Three leads converted into the exchange folder's queue, and `serve` answering 1C on it.
fn exchange_with_leads(work: &Workdir, extra: &[&str]) -> Server {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    work.write(
        "exchange/inbox/hook.json",
        webhook(&[
            ("c1", "+79160000001"),
            ("c2", "+79160000002"),
            ("c3", "+79160000003"),
        ]),
    );
    let (code, stderr) = run(&mut work.bachata1c(&["run", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    serve(work, extra)
}

fn serve(work: &Workdir, extra: &[&str]) -> Server {
    let mut args = vec![
        "--dir",
        "exchange",
        "--user",
        USER,
        "--password-env",
        "BACHATA1C_TEST_PASSWORD",
    ];
    args.extend_from_slice(extra);
    Server::start(work, &args)
}

/// What doctor printed and how it ended.
struct Report {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Report {
    /// The line of `step` (`VERDICT step: …`); fails the test when there is none.
    fn line(&self, step: &str) -> &str {
        self.stdout
            .lines()
            .find(|line| {
                line.split_once(' ')
                    .is_some_and(|(_, rest)| rest.trim_start().starts_with(&format!("{step}:")))
            })
            .unwrap_or_else(|| panic!("no line for {step}:\n{self}"))
    }

    fn verdict(&self, step: &str) -> &str {
        self.line(step).split_whitespace().next().unwrap()
    }

    fn has(&self, step: &str) -> bool {
        self.stdout
            .lines()
            .any(|line| line.contains(&format!(" {step}:")))
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}\n{}{}", self.code, self.stdout, self.stderr)
    }
}

/// `bachata1c doctor URL --user bachata --password-env …` with `password`; `ca`: the only
/// certificate authority doctor's system trusts (SSL_CERT_FILE), when given.
fn doctor(work: &Workdir, url: &str, password: &str, ca: Option<&str>) -> Report {
    let mut command = work.bachata1c(&[
        "doctor",
        url,
        "--user",
        USER,
        "--password-env",
        "DOCTOR_PASSWORD",
    ]);
    command
        .env("DOCTOR_PASSWORD", password)
        .env_remove("SSL_CERT_DIR");
    match ca {
        Some(pem) => command.env("SSL_CERT_FILE", work.write("trusted-ca.pem", pem)),
        None => command.env_remove("SSL_CERT_FILE"),
    };
    let output = command.output().unwrap();
    Report {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The right login finds nothing in the way, and the look at the orders leaves the queue as
/// it was: the same `leads --format json` before and after, and 1C's client still gets every
/// lead. Only counts and sizes are shown, never a client's name or phone.
#[test]
fn a_right_login_finds_nothing_in_the_way_and_leaves_the_queue_as_it_was() {
    let work = Workdir::new();
    let server = exchange_with_leads(&work, &[]);
    let before = leads_json(&work, "exchange");
    assert_eq!(before.len(), 3);
    let report = doctor(&work, &server.url("/1c_exchange.php"), PASSWORD, None);
    assert_eq!(report.code, 0, "{report}");
    for step in [
        "address",
        "connect",
        "checkauth catalog",
        "checkauth sale",
        "init",
        "file_limit",
        "query",
        "line endings",
        "timing",
    ] {
        assert_eq!(report.verdict(step), "OK", "{report}");
    }
    assert!(!report.stdout.contains("WARNING") && !report.stdout.contains("PROBLEM"));
    assert!(report.line("query").contains("3 order(s)"), "{report}");
    assert!(
        report.line("file_limit").contains("1048576 bytes"),
        "{report}"
    );
    assert!(
        report
            .stdout
            .lines()
            .last()
            .unwrap()
            .contains("nothing stands in the way"),
        "{report}"
    );
    for personal in ["Иван", "Петров", "9160000001", "916 000"] {
        assert!(!report.stdout.contains(personal), "{personal}: {report}");
    }
    assert_eq!(leads_json(&work, "exchange"), before, "the queue changed");
    assert!(
        server.lines().iter().any(|l| l.contains(
            "sale/query: a doctor's look: 3 lead(s) would be offered; nothing marked offered"
        )),
        "{:?}",
        server.lines()
    );
    // 1C comes after the doctor and takes every lead.
    let mut db = OneCDatabase::new(Profile::Ut11);
    let imported = Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    )
    .exchange(&mut db)
    .unwrap();
    assert_eq!(imported.created().len(), 3);
}

/// A doctor run in the middle of 1C's own exchange takes nothing from it: 1C's query holds its
/// leads for its session, doctor's look is offered none of them (as another session would not
/// be), and 1C's `success` still confirms exactly what it was offered.
#[test]
fn a_doctor_run_during_1c_s_exchange_leaves_1c_s_offer_alone() {
    let work = Workdir::new();
    let server = exchange_with_leads(&work, &[]);
    let mut onec = Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    );
    onec.checkauth().unwrap();
    assert_eq!(onec.query().unwrap().len(), 3);
    let held = leads_json(&work, "exchange");
    let report = doctor(&work, &server.url("/1c_exchange.php"), PASSWORD, None);
    assert_eq!(report.code, 0, "{report}");
    assert!(
        report.line("query").contains("no order waiting"),
        "{report}"
    );
    assert_eq!(leads_json(&work, "exchange"), held);
    onec.success().unwrap();
    let states: Vec<String> = leads_json(&work, "exchange")
        .iter()
        .map(|lead| lead["state"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(states, vec!["confirmed"; 3], "{:?}", server.lines());
}

/// A wrong password is told as such (not as a stripped header), stops at 1C's connection
/// test, and changes nothing.
#[test]
fn a_wrong_password_is_reported_as_such() {
    let work = Workdir::new();
    let server = exchange_with_leads(&work, &[]);
    let before = leads_json(&work, "exchange");
    let report = doctor(
        &work,
        &server.url("/1c_exchange.php"),
        "not-the-password",
        None,
    );
    assert_eq!(report.code, 1, "{report}");
    assert_eq!(report.verdict("checkauth catalog"), "PROBLEM");
    let line = report.line("checkauth catalog");
    assert!(line.contains("wrong user or password"), "{report}");
    assert!(!line.contains("Authorization header"), "{report}");
    // Nothing after a refused login: 1C stops there too.
    assert!(!report.has("init") && !report.has("query"), "{report}");
    assert!(
        report
            .stdout
            .lines()
            .last()
            .unwrap()
            .contains("1 problem(s)")
    );
    assert_eq!(leads_json(&work, "exchange"), before);
}

/// The most frequent complaint of these modules behind nginx: a location that clears the
/// Authorization header. bachata1c's refusal says no credentials came; doctor, which sent
/// them, names the proxy.
#[test]
fn a_proxy_that_strips_the_authorization_header_is_named() {
    let work = Workdir::new();
    let server = exchange_with_leads(&work, &[]);
    let before = leads_json(&work, "exchange");
    let stripping = |line: &str| {
        if line.trim() == "proxy_set_header Host $host;" {
            format!("{line}\n        proxy_set_header Authorization \"\";")
        } else {
            line.to_string()
        }
    };
    let Some(nginx) = Nginx::start_edited(&work, server.address, Block::Https, stripping) else {
        return;
    };
    let report = doctor(&work, &nginx.url("/1c_exchange.php"), PASSWORD, None);
    assert_eq!(report.code, 1, "{report}\n{}", nginx.errors());
    let line = report.line("checkauth catalog");
    assert!(line.starts_with("PROBLEM"), "{report}");
    assert!(
        line.contains("no Authorization header reached bachata1c")
            && line.contains("proxy_set_header Authorization"),
        "{report}"
    );
    assert!(
        server.logs(|l| l.contains("login refused: no credentials") && l.contains("forwarded for")),
        "{:?}",
        server.lines()
    );
    assert_eq!(leads_json(&work, "exchange"), before);
    // The example as shipped passes the header: the same doctor finds nothing in the way.
    drop(nginx);
    let Some(nginx) = Nginx::start(&work, server.address) else {
        return;
    };
    let report = doctor(&work, &nginx.url("/1c_exchange.php"), PASSWORD, None);
    assert_eq!(report.code, 0, "{report}\n{}", nginx.errors());
    assert_eq!(leads_json(&work, "exchange"), before);
}

/// The example's plain-HTTP block answers 301 to https://: 1C does not follow it, and doctor
/// says which address to type into 1C's node instead.
#[test]
fn a_redirect_is_reported_with_the_address_to_type() {
    let work = Workdir::new();
    let server = exchange_with_leads(&work, &[]);
    let Some(nginx) =
        Nginx::start_edited(&work, server.address, Block::Http, |line| line.to_string())
    else {
        return;
    };
    let report = doctor(&work, &nginx.url("/1c_exchange.php"), PASSWORD, None);
    assert_eq!(report.code, 1, "{report}");
    let line = report.line("checkauth catalog");
    assert!(line.starts_with("PROBLEM"), "{report}");
    assert!(
        line.contains(
            "HTTP 301 redirect to https://127.0.0.1/1c_exchange.php?type=catalog&mode=checkauth"
        ),
        "{report}"
    );
    assert!(line.contains("1C does not follow redirects"), "{report}");
    assert!(
        line.contains("type https://127.0.0.1/1c_exchange.php into 1C's node"),
        "{report}"
    );
    // nginx answered; serve never saw the request.
    assert!(!server.lines().iter().any(|l| l.contains("checkauth")));
}

/// A certificate authority made here, trusted by doctor through SSL_CERT_FILE.
struct Authority {
    pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl Authority {
    fn new() -> Authority {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Doctor Test CA");
        let key = rcgen::KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        Authority {
            pem,
            issuer: rcgen::Issuer::new(params, key),
        }
    }
}

/// Seconds since the epoch now.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// doctor against `serve` over HTTPS with a certificate for `names`, valid for `days` and a half
/// more, signed by an authority doctor's system trusts (its only one: SSL_CERT_FILE) or, when
/// not `signed`, by itself. Also the queue as it was before doctor ran.
fn over_tls(names: &[&str], days: u64, signed: bool) -> (Workdir, Report, Vec<serde_json::Value>) {
    let work = Workdir::new();
    let authority = Authority::new();
    let mut params =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, names[0]);
    params.not_after =
        rcgen::date_time_ymd(1970, 1, 1) + Duration::from_secs(now() + days * 86_400 + 43_200);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = match signed {
        true => params.signed_by(&key, &authority.issuer).unwrap(),
        false => params.self_signed(&key).unwrap(),
    };
    work.write("tls/cert.pem", cert.pem());
    work.write("tls/key.pem", key.serialize_pem());
    let server = exchange_with_leads(
        &work,
        &["--tls-cert", "tls/cert.pem", "--tls-key", "tls/key.pem"],
    );
    let before = leads_json(&work, "exchange");
    let url = server.url("/1c_exchange.php");
    let report = doctor(&work, &url, PASSWORD, Some(&authority.pem));
    (work, report, before)
}

/// A certificate signed by an authority this system trusts: the chain and the name are right,
/// its days left are counted, and fewer than 14 is a warning, not a problem.
#[test]
fn a_trusted_certificate_is_checked_and_its_days_left_counted() {
    let (_work, report, _) = over_tls(&["127.0.0.1"], 10, true);
    assert_eq!(report.code, 0, "{report}");
    assert!(
        report.line("tls").contains("issued by Doctor Test CA"),
        "{report}"
    );
    assert_eq!(report.verdict("tls chain"), "OK", "{report}");
    assert_eq!(report.verdict("tls name"), "OK", "{report}");
    assert_eq!(report.verdict("tls expiry"), "WARNING", "{report}");
    assert!(
        report.line("tls expiry").contains("10 days left"),
        "{report}"
    );
    assert_eq!(report.verdict("query"), "OK", "{report}");
}

/// A self-signed certificate (1C on a current platform checks the chain against the system's
/// authorities and refuses it): reported with its days left, and the other steps still run.
#[test]
fn a_self_signed_certificate_is_a_chain_problem_and_the_other_checks_go_on() {
    let (work, report, before) = over_tls(&["127.0.0.1"], 30, false);
    assert_eq!(report.code, 1, "{report}");
    assert_eq!(report.verdict("tls chain"), "PROBLEM", "{report}");
    assert!(report.line("tls chain").contains("self-signed"), "{report}");
    assert_eq!(report.verdict("tls expiry"), "OK", "{report}");
    assert!(
        report.line("tls expiry").contains("30 days left"),
        "{report}"
    );
    assert!(
        report.line("tls chain").contains("the steps below go on"),
        "{report}"
    );
    for step in ["checkauth catalog", "checkauth sale", "init", "query"] {
        assert_eq!(report.verdict(step), "OK", "{step}: {report}");
    }
    assert!(
        report
            .stdout
            .lines()
            .last()
            .unwrap()
            .contains("1 problem(s)"),
        "{report}"
    );
    assert_eq!(leads_json(&work, "exchange"), before);
}

/// A certificate for another name: the chain is fine, the name is not.
#[test]
fn a_certificate_for_another_name_is_a_name_problem() {
    let (_work, report, _) = over_tls(&["leads.example-dealer.ru"], 60, true);
    assert_eq!(report.code, 1, "{report}");
    assert_eq!(report.verdict("tls chain"), "OK", "{report}");
    assert_eq!(report.verdict("tls name"), "PROBLEM", "{report}");
    assert!(
        report
            .line("tls name")
            .contains("the certificate is for leads.example-dealer.ru, not 127.0.0.1"),
        "{report}"
    );
}

/// A one-thread HTTP/1.1 server of this test: each request's path and query to `answer`,
/// which gives the status line's code and the body; the connection closed after each.
fn site(answer: impl Fn(&str) -> (u16, Vec<u8>) + Send + 'static) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let target = request_line.split_whitespace().nth(1).unwrap_or("");
            let (status, body) = answer(target);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    address
}

/// A site that logs in (with CR LF, as a PHP script on Windows may) but prints a PHP warning
/// before its XML: 1C reads no orders (`Лев(ОтветСервера, 5) = "<?xml"` fails).
#[test]
fn an_answer_that_does_not_begin_with_xml_is_reported_without_its_content() {
    let address = site(|target| {
        let body = if target.contains("mode=checkauth") {
            "success\r\nPHPSESSID\r\nabc123\r\n"
        } else if target.contains("mode=init") {
            "zip=no\nfile_limit=2000000"
        } else {
            "<br />\n<b>Warning</b>: Undefined variable $phone in <b>/var/www/exchange.php</b> on line 12<br />\n<?xml version=\"1.0\" encoding=\"UTF-8\"?><КоммерческаяИнформация><Документ><Наименование>Иван</Наименование></Документ></КоммерческаяИнформация>"
        };
        (200, body.as_bytes().to_vec())
    });
    let work = Workdir::new();
    let report = doctor(
        &work,
        &format!("http://{address}/exchange.php"),
        PASSWORD,
        None,
    );
    assert_eq!(report.code, 1, "{report}");
    assert_eq!(report.verdict("checkauth sale"), "OK", "{report}");
    assert!(
        !report.line("checkauth sale").contains("bachata1c"),
        "{report}"
    );
    assert_eq!(report.verdict("file_limit"), "OK", "{report}");
    let query = report.line("query");
    assert!(query.starts_with("PROBLEM"), "{report}");
    assert!(query.contains("does not begin with `<?xml`"), "{report}");
    assert!(query.contains("PHP message"), "{report}");
    assert!(query.contains("Не удалось прочитать данные"), "{report}");
    assert!(
        !report.stdout.contains("Иван") && !report.stdout.contains("$phone"),
        "{report}"
    );
    assert_eq!(report.verdict("line endings"), "WARNING", "{report}");
    assert!(
        report
            .line("line endings")
            .contains("checkauth catalog, checkauth sale: CR LF")
    );
}

/// Usage errors are 2, with the reason: an address 1C cannot read, a password not given.
#[test]
fn usage_errors_exit_2() {
    let work = Workdir::new();
    let report = doctor(
        &work,
        "https://leads.example.ru:84x3/1c_exchange.php",
        PASSWORD,
        None,
    );
    assert_eq!(report.code, 2, "{report}");
    assert!(
        report.stderr.contains("cannot read the port \"84x3\""),
        "{report}"
    );
    let output = work
        .bachata1c(&["doctor", "http://127.0.0.1:1/x", "--user", USER])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let mut unset = work.bachata1c(&[
        "doctor",
        "http://127.0.0.1:1/x",
        "--user",
        USER,
        "--password-env",
        "DOCTOR_UNSET_PASSWORD",
    ]);
    unset.env_remove("DOCTOR_UNSET_PASSWORD");
    let (code, stderr) = run(&mut unset);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("DOCTOR_UNSET_PASSWORD"), "{stderr}");
}

/// Every `bachata1c doctor` command the docs show, run as written (through bash, `bachata1c` the
/// binary under test), the example address and folder replaced by this test's: on the guide's
/// set-up (1C's own login in `[site_exchange]`, its password in a file) it finds nothing in the
/// way.
#[test]
fn every_doctor_command_the_docs_show_runs_as_written() {
    let work = Workdir::new();
    let (code, stderr) = run(&mut work.bachata1c(&["init", "srv/bachata"]));
    assert_eq!(code, 0, "{stderr}");
    work.write(
        "srv/bachata/bachata1c.toml",
        "[site_exchange]\nuser = \"1c\"\npassword_file = \"1c-password.txt\"\n",
    );
    work.write("srv/bachata/1c-password.txt", "пароль-1С\n");
    work.write(
        "srv/bachata/inbox/hook.json",
        webhook(&[("c1", "+79160000001")]),
    );
    let (code, stderr) = run(&mut work.bachata1c(&["run", "srv/bachata"]));
    assert_eq!(code, 0, "{stderr}");
    let server = Server::start(
        &work,
        &[
            "--dir",
            "srv/bachata",
            "--user",
            USER,
            "--password-env",
            "BACHATA1C_TEST_PASSWORD",
        ],
    );
    let before = leads_json(&work, "srv/bachata");
    let binary = std::path::PathBuf::from(env!("CARGO_BIN_EXE_bachata1c"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    let mut printed = String::new();
    for doc in ["docs/1c-site-exchange.md", "docs/serve.md"] {
        let text =
            std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(doc))
                .unwrap();
        let mut in_sh = false;
        let mut shown = 0;
        for line in text.lines() {
            let line = line.trim();
            match line {
                "```sh" => in_sh = true,
                "```" => in_sh = false,
                _ if in_sh && line.starts_with("bachata1c doctor ") => {
                    let command = line
                        .replace("https://leads.example-dealer.ru", &server.url(""))
                        .replace(
                            "/srv/bachata",
                            &work.join("srv/bachata").display().to_string(),
                        );
                    let output = std::process::Command::new("bash")
                        .args(["-c", &format!("exec {command}")])
                        .current_dir(work.path())
                        .env("PATH", &path)
                        .env_remove("SSL_CERT_FILE")
                        .output()
                        .unwrap();
                    let stdout = String::from_utf8_lossy(&output.stdout);
                    assert!(
                        output.status.success() && stdout.contains("nothing stands in the way"),
                        "{doc}: {line}\n{stdout}{}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                    shown += 1;
                    printed = stdout.into_owned();
                }
                _ => {}
            }
        }
        assert!(shown > 0, "{doc} shows no doctor command");
        ran += shown;
    }
    assert!(ran >= 3, "{ran}");
    assert_eq!(leads_json(&work, "srv/bachata"), before);

    // The guide's example of what doctor prints is what it prints, numbers aside (its
    // certificate lines need an https:// address and are left out).
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/1c-site-exchange.md"),
    )
    .unwrap();
    let numbers = regex::Regex::new(r"[0-9]+").unwrap();
    let shape = |line: &str| numbers.replace_all(line, "#").into_owned();
    let example: Vec<&str> = guide
        .lines()
        .skip_while(|line| !line.starts_with("OK      address:"))
        .take_while(|line| !line.starts_with("```"))
        .collect();
    let mut compared = 0;
    for line in &example {
        let Some(step) = line.get(8..).and_then(|rest| rest.split(':').next()) else {
            continue;
        };
        if line.starts_with("bachata1c")
            || ["address", "connect"].contains(&step)
            || step.starts_with("tls")
        {
            continue;
        }
        let real = printed
            .lines()
            .find(|real| {
                real.get(8..)
                    .is_some_and(|rest| rest.starts_with(&format!("{step}:")))
            })
            .unwrap_or_else(|| panic!("doctor printed no {step} line:\n{printed}"));
        assert_eq!(shape(line), shape(real), "docs/1c-site-exchange.md");
        compared += 1;
    }
    assert_eq!(compared, 7, "{example:?}");
}
