//! The alerts `run`, `watch` and `serve` raise, through the real binary on a real exchange
//! folder (issue 21, «Alerts without a monitor»): a lead left waiting past `max_waiting` makes
//! `status --check` exit 2 and the alert command run once, with the same alert by mail at an
//! SMTP server on the loopback; no repeat within `repeat_hours`; `resolved` once 1C (tests/
//! common's client, as 1C's «Обмен с сайтом» behaves) has taken the lead; `serve` and `watch`
//! on one folder tell each message once between them. Old leads are made as the product dates
//! them, by their webhook file's time, so `max_waiting = "1s"` needs no waiting; what runs in
//! the background is polled for with a generous deadline, and nothing about speed is asserted.
#![cfg(unix)]

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::exchange::webhook;
use common::mail::{MailServer, certificates};
use common::onec::{Client, OneCDatabase, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, have_python_module, run};

const USER: &str = "bachata";

/// Waits until `done` holds; panics after a deadline far beyond any sane delay.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One message the alert command got: its environment and its standard input.
#[derive(Debug, Clone, PartialEq)]
struct Told {
    condition: String,
    state: String,
    subject: String,
    text: String,
}

/// An exchange folder made by `init`, with an alert command that keeps each message it gets
/// in `told/`, one file per call, named by the time of the call.
struct Place {
    work: Workdir,
}

impl Place {
    fn new() -> Place {
        let work = Workdir::new();
        let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
        assert_eq!(code, 0, "{stderr}");
        std::fs::create_dir_all(work.join("told")).unwrap();
        let script = work.write(
            "alert.sh",
            format!(
                "#!/bin/sh\n\
                 [ -e '{fail}' ] && {{ echo 'the chat is gone' >&2; exit 3; }}\n\
                 f='{told}'/$(date +%s%N)-$$\n\
                 {{ printf '%s\\n%s\\n%s\\n' \"$BACHATA1C_ALERT\" \"$BACHATA1C_ALERT_STATE\" \
                 \"$BACHATA1C_ALERT_SUBJECT\"; cat; }} > \"$f.tmp\" && mv \"$f.tmp\" \"$f.told\"\n",
                fail = work.join("fail").display(),
                told = work.join("told").display()
            ),
        );
        let mut permissions = std::fs::metadata(&script).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&script, permissions).unwrap();
        Place { work }
    }

    fn folder(&self) -> PathBuf {
        self.work.join("exchange")
    }

    /// The folder's config: the alert command (and `mail`), a lead waiting a second too long,
    /// the other checks off (the test machine's free disk space is no business of the test),
    /// and a look every second.
    fn alerts(&self, mail: Option<&MailServer>) {
        let mut config = format!(
            "[alerts]\n\
             command = '{}'\n\
             max_waiting = \"1s\"\n\
             max_1c_silence = \"off\"\n\
             max_refused = \"off\"\n\
             min_free_disk = \"off\"\n\
             check_every_seconds = 1\n",
            self.work.join("alert.sh").display()
        );
        if let Some(mail) = mail {
            config.push_str(&format!(
                "\n[alerts.email]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\
                 from = \"bachata1c <alerts@dealer.test>\"\nto = \"it@dealer.test\"\n",
                mail.port
            ));
        }
        self.work.write("exchange/bachata1c.toml", config);
    }

    /// A config without alerts, beside the folder: for a `serve` that only lets 1C take leads.
    fn quiet_config(&self) -> String {
        self.work.write("quiet.toml", "").display().to_string()
    }

    /// The messages the command got, oldest first.
    fn told(&self) -> Vec<Told> {
        let mut names: Vec<String> = self
            .work
            .list("told")
            .into_iter()
            .filter(|name| name.ends_with(".told"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|name| {
                let text = String::from_utf8(self.work.read(&format!("told/{name}"))).unwrap();
                let mut lines = text.splitn(4, '\n');
                let mut next = || lines.next().unwrap_or_default().to_string();
                Told {
                    condition: next(),
                    state: next(),
                    subject: next(),
                    text: next(),
                }
            })
            .collect()
    }

    fn states(&self) -> Vec<(String, String)> {
        self.told()
            .into_iter()
            .map(|told| (told.condition, told.state))
            .collect()
    }

    /// A webhook whose file was last written an hour ago: a lead received an hour ago.
    fn old_webhook(&self, name: &str, phone: &str) {
        let path = self.work.write(
            &format!("exchange/inbox/{name}"),
            webhook(&[(name.trim_end_matches(".json"), phone)]),
        );
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
    }

    /// `run`: (exit status, stderr).
    fn run(&self) -> (i32, String) {
        run(&mut self.work.bachata1c(&["run", "--dir", "exchange"]))
    }

    /// `status --check`'s exit status.
    fn check(&self) -> i32 {
        let output = self
            .work
            .bachata1c(&["status", "exchange", "--check"])
            .output()
            .unwrap();
        output.status.code().unwrap()
    }

    /// `serve` with 1C's login and `extra`.
    fn serve(&self, extra: &[&str]) -> Server {
        let mut args = vec![
            "--dir",
            "exchange",
            "--user",
            USER,
            "--password-env",
            "BACHATA1C_TEST_PASSWORD",
        ];
        args.extend_from_slice(extra);
        Server::start(&self.work, &args)
    }

    /// `watch -v` logging to `log`.
    fn watch(&self, log: &str) -> Child {
        self.work
            .bachata1c(&["watch", "--dir", "exchange", "-v", "--log-file", log])
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.work.join(name)).unwrap_or_default()
    }
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

/// 1C's exchange ran here once, before any lead: a lead that waits now is a stall.
fn onec_known(place: &Place) {
    let server = place.serve(&["--config", &place.quiet_config()]);
    assert_eq!(onec_exchange(&server), 0);
    let (code, _) = server.stop();
    assert_eq!(code, 0);
}

/// 1C takes the leads waiting, through a `serve` that raises no alerts of its own.
fn onec_takes(place: &Place) -> usize {
    let server = place.serve(&["--config", &place.quiet_config()]);
    let taken = onec_exchange(&server);
    server.stop();
    taken
}

fn stop(child: Child) {
    let status = Command::new("bash") // its builtin kill: no procps needed
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
}

fn firing() -> (String, String) {
    ("leads_waiting".into(), "firing".into())
}

fn resolved() -> (String, String) {
    ("leads_waiting".into(), "resolved".into())
}

/// `run` evaluates once after its exchange: the alert by command and by mail, the same
/// message, naming the folder and what to do; nothing again at the next run; resolved by the
/// run after 1C took the lead.
#[test]
fn run_alerts_once_by_command_and_mail_and_resolves_after_1c_takes_the_lead() {
    let place = Place::new();
    onec_known(&place);
    let with_mail = have_python_module("aiosmtpd");
    let mail = with_mail.then(|| {
        let dir = place.work.join("mail");
        MailServer::start("plain", &certificates(place.work.path()), &dir)
    });
    place.alerts(mail.as_ref());
    place.old_webhook("c1.json", "+79160000001");

    let (code, stderr) = place.run();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("bachata1c: alerts: alert leads_waiting sent by command: [bachata1c]"),
        "{stderr}"
    );
    assert_eq!(
        place.check(),
        2,
        "status --check judges what the alert told"
    );
    let told = place.told();
    assert_eq!(place.states(), [firing()]);
    let folder = place.folder().display().to_string();
    let text = &told[0].text;
    for said in [
        "Внимание: Лиды ждут 1С дольше 1 с: 1 лид, самый давний — 1 ч",
        "Alert: Leads have waited for 1C over 1 s: 1 lead, the oldest for 1 h",
        &format!("Папка обмена {folder} на сервере "),
        &format!("Exchange folder {folder} on server "),
        &format!("bachata1c leads \"{folder}\" --only waiting --only offered"),
        &format!("bachata1c status \"{folder}\""),
        "(BACHATA1C_ALERT: leads_waiting)",
    ] {
        assert!(text.contains(said), "{said:?} in\n{text}");
    }
    assert!(
        told[0]
            .subject
            .starts_with("[bachata1c] Внимание: Лиды ждут 1С"),
        "{}",
        told[0].subject
    );
    if let Some(mail) = &mail {
        let mails = mail.mails();
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert_eq!(mails[0]["subject"], told[0].subject.as_str());
        let body = mails[0]["body"].as_str().unwrap().replace("\r\n", "\n");
        assert_eq!(&body, text, "the same alert by mail");
    }

    // Within repeat_hours a run that finds the lead still waiting tells nothing.
    let (code, stderr) = place.run();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("alerts:"), "{stderr}");
    assert_eq!(place.states(), [firing()]);

    assert_eq!(onec_takes(&place), 1);
    let (code, stderr) = place.run();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("alerts: resolved leads_waiting sent by command: [bachata1c] Исправлено"),
        "{stderr}"
    );
    assert_eq!(place.check(), 0);
    let told = place.told();
    assert_eq!(place.states(), [firing(), resolved()]);
    assert!(
        told[1].text.starts_with("Исправлено: Лиды ждут 1С"),
        "{}",
        told[1].text
    );
    if let Some(mail) = &mail {
        let mails = mail.mails();
        assert_eq!(mails.len(), 2, "{mails:?}");
        assert_eq!(mails[1]["subject"], told[1].subject.as_str());
    }
}

/// A failing command is logged with its reason, changes nothing of the exchange, and the
/// message is delivered by the next run once the command works.
#[test]
fn a_failing_alert_command_is_logged_and_retried_by_the_next_run() {
    let place = Place::new();
    onec_known(&place);
    place.alerts(None);
    place.work.write("fail", "");
    place.old_webhook("c1.json", "+79160000001");
    let (code, stderr) = place.run();
    assert_eq!(code, 0, "the exchange went on: {stderr}");
    assert!(
        stderr.contains("bachata1c: alerts: alert leads_waiting not sent by command: "),
        "{stderr}"
    );
    assert!(stderr.contains("the chat is gone"), "{stderr}");
    assert!(stderr.contains("trying again at the next look"), "{stderr}");
    let days = place.work.list("exchange/archive");
    let day = days.iter().find(|name| !name.starts_with('.')).unwrap();
    assert_eq!(
        place.work.list(&format!("exchange/archive/{day}")),
        ["c1.json"],
        "converted"
    );
    assert!(place.told().is_empty());

    std::fs::remove_file(place.work.join("fail")).unwrap();
    let (code, stderr) = place.run();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(place.states(), [firing()]);
}

/// Without a channel nothing is evaluated: no line, no row in the ledger's alerts.
#[test]
fn without_a_channel_nothing_is_evaluated_or_written() {
    let place = Place::new();
    onec_known(&place);
    place.work.write(
        "exchange/bachata1c.toml",
        "[alerts]\nmax_waiting = \"1s\"\nmin_free_disk = \"off\"\n",
    );
    place.old_webhook("c1.json", "+79160000001");
    let (code, stderr) = place.run();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("alerts"), "{stderr}");
    assert_eq!(place.check(), 2, "the check judges all the same");
    let mut ledger =
        bachata1c::ledger::Ledger::open(&place.folder().join("state/ledger.sqlite")).unwrap();
    assert_eq!(ledger.update_alerts(|rows| rows.len()).unwrap(), 0);
}

/// `watch` looks at start and then every `check_every_seconds`: the alert once while the lead
/// waits however many looks pass, resolved once 1C took it.
#[test]
fn watch_alerts_once_while_a_lead_waits_and_resolves_after_1c_takes_it() {
    let place = Place::new();
    onec_known(&place);
    place.alerts(None);
    let watch = place.watch("watch.log");
    place.old_webhook("c1.json", "+79160000001");
    eventually("the alert", || !place.told().is_empty());
    assert_eq!(place.check(), 2);
    let looks = |log: &str, what: &str| log.matches(what).count();
    // Looks that find it still holding tell nothing again.
    eventually("three more looks", || {
        looks(&place.log("watch.log"), "holds leads_waiting") >= 3
    });
    assert_eq!(place.states(), [firing()]);

    assert_eq!(onec_takes(&place), 1);
    eventually("the resolved message", || place.told().len() >= 2);
    let quiet = looks(&place.log("watch.log"), "nothing wrong");
    eventually("three more looks", || {
        looks(&place.log("watch.log"), "nothing wrong") >= quiet + 3
    });
    assert_eq!(place.states(), [firing(), resolved()]);
    stop(watch);
    assert_eq!(place.check(), 0);
}

/// `serve --convert` alone: the alert once while it runs, resolved after 1C's exchange with it.
#[test]
fn serve_alerts_once_while_a_lead_waits_and_resolves_after_1c_takes_it() {
    let place = Place::new();
    place.alerts(None);
    let server = place.serve(&["--convert", "-v"]);
    assert_eq!(onec_exchange(&server), 0);
    place.old_webhook("c1.json", "+79160000001");
    // serve writes 1C's request down within 5 s: from then on the lead is a stall.
    eventually("the alert", || !place.told().is_empty());
    assert_eq!(place.check(), 2);
    let looks = |what: &str| {
        server
            .lines()
            .iter()
            .filter(|line| line.contains(what))
            .count()
    };
    eventually("three more looks", || looks("holds leads_waiting") >= 3);
    assert_eq!(place.states(), [firing()]);

    assert_eq!(onec_exchange(&server), 1);
    eventually("the resolved message", || place.told().len() >= 2);
    let quiet = looks("nothing wrong");
    eventually("three more looks", || looks("nothing wrong") >= quiet + 3);
    assert_eq!(place.states(), [firing(), resolved()]);
    let (code, lines) = server.stop();
    assert_eq!(code, 0, "{lines:?}");
    let sent: Vec<&String> = lines.iter().filter(|l| l.contains(" sent by ")).collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
}

/// `serve` and `watch` on one folder both look, and each message is told once between them:
/// the ledger's lease lets one deliver it.
#[test]
fn serve_and_watch_on_one_folder_tell_each_message_once_between_them() {
    let place = Place::new();
    place.alerts(None);
    let server = place.serve(&["-v"]);
    assert_eq!(onec_exchange(&server), 0);
    let watch = place.watch("watch.log");
    place.old_webhook("c1.json", "+79160000001");
    eventually("the alert", || !place.told().is_empty());
    let serve_looks = |what: &str| {
        server
            .lines()
            .iter()
            .filter(|line| line.contains(what))
            .count()
    };
    let watch_looks = |what: &str| place.log("watch.log").matches(what).count();
    eventually("three looks of each", || {
        serve_looks("holds leads_waiting") >= 3 && watch_looks("holds leads_waiting") >= 3
    });
    assert_eq!(place.states(), [firing()]);

    assert_eq!(onec_exchange(&server), 1);
    eventually("the resolved message", || place.told().len() >= 2);
    let (serve_quiet, watch_quiet) = (serve_looks("nothing wrong"), watch_looks("nothing wrong"));
    eventually("three more looks of each", || {
        serve_looks("nothing wrong") >= serve_quiet + 3
            && watch_looks("nothing wrong") >= watch_quiet + 3
    });
    assert_eq!(place.states(), [firing(), resolved()]);
    stop(watch);
    let (code, lines) = server.stop();
    assert_eq!(code, 0);
    let sent = lines.iter().filter(|l| l.contains(" sent by ")).count()
        + place.log("watch.log").matches(" sent by ").count();
    assert_eq!(sent, 2, "one message of each state, by one of them");
}

/// Mistakes stop the start, named: a look every 0 seconds, and a `serve` with a channel that
/// does not know the state folder, where what was told is kept.
#[test]
fn a_bad_interval_and_a_serve_without_its_state_folder_are_refused_at_start() {
    let place = Place::new();
    place.alerts(None);
    let config = place.work.join("exchange/bachata1c.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("check_every_seconds = 1", "check_every_seconds = 0"),
    )
    .unwrap();
    let (code, stderr) = place.run();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("[alerts] check_every_seconds = 0: a number of seconds, 1 or more,"),
        "{stderr}"
    );
    assert!(place.told().is_empty());

    place.alerts(None);
    let (code, stderr) = run(&mut place.work.bachata1c(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--inbox",
        "exchange/inbox",
        "--failed",
        "exchange/failed",
        "--config",
        config.to_str().unwrap(),
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("[alerts] sets an alert channel, but the exchange folder's state folder"),
        "{stderr}"
    );
}

/// The log lines docs/monitoring.md shows are the ones the commands write.
#[test]
fn the_pages_log_lines_are_ours() {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/monitoring.md"),
    )
    .unwrap();
    let block = page
        .split("```log\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a ```log block");
    let place = Place::new();
    onec_known(&place);
    place.alerts(None);
    place.work.write("fail", "");
    place.old_webhook("c1.json", "+79160000001");
    let (_, failed) = place.run();
    std::fs::remove_file(place.work.join("fail")).unwrap();
    let (_, sent) = place.run();
    let lines: Vec<&str> = failed.lines().chain(sent.lines()).collect();
    for shown in block.lines() {
        let parts: Vec<&str> = shown.split('…').collect();
        assert!(
            lines.iter().any(|line| {
                let mut rest = *line;
                parts.iter().all(|part| match rest.find(part) {
                    Some(at) => {
                        rest = &rest[at + part.len()..];
                        true
                    }
                    None => false,
                })
            }),
            "{shown:?} in {lines:#?}"
        );
    }
}
