//! `[alerts.email]` against a real SMTP server on the loopback (Python's aiosmtpd,
//! tests/smtp_server.py): STARTTLS and implicit TLS with a login, the server's certificate
//! issued by a test CA that only `ca_file` makes trusted, a wrong password, an untrusted
//! server, and plain SMTP to this machine. The server reads each mail back with Python's own
//! email parser.
mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bachata1c::alerts::{
    Alerts, Condition, DeliveryError, EmailSettings, Login, Said, Security, Settings, State,
};
use bachata1c::ledger::Ledger;
use chrono::{DateTime, Utc};
use common::have_python_module;
use common::mail::{MailServer, PASSWORD, USER, certificates};

fn settings(
    server: &MailServer,
    security: Security,
    password: &str,
    ca: Option<&Path>,
) -> Settings {
    Settings {
        email: Some(EmailSettings {
            host: "127.0.0.1".into(),
            port: server.port,
            security,
            login: Some(Login {
                user: USER.into(),
                password: password.into(),
                password_from: "the environment variable BACHATA1C_SMTP_PASSWORD".into(),
            }),
            from: "bachata1c <alerts@dealer.test>".parse().unwrap(),
            to: vec![
                "Отдел продаж <sales@dealer.test>".parse().unwrap(),
                "it@dealer.test".parse().unwrap(),
            ],
            ca: ca.map(|path| std::fs::read(path).unwrap()),
            timeout: Duration::from_secs(30),
        }),
        ..Settings::default()
    }
}

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + minutes * 60, 0).unwrap()
}

fn waiting() -> Condition {
    Condition {
        name: "leads_waiting".into(),
        summary: Said {
            ru: "3 лида ждут 1С дольше 2 ч".into(),
            en: "3 leads have waited for 1C over 2 h".into(),
        },
        details: Said {
            ru: "Проверьте регламентное задание «Обмен с сайтом» в 1С.".into(),
            en: "Check 1C's scheduled «Обмен с сайтом» job.".into(),
        },
    }
}

struct Place {
    dir: tempfile::TempDir,
}

impl Place {
    fn new() -> Place {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("Обмен/state")).unwrap();
        Place { dir }
    }
    fn folder(&self) -> PathBuf {
        self.dir.path().join("Обмен")
    }
    fn ledger(&self) -> Ledger {
        Ledger::open(&self.folder().join("state/ledger.sqlite")).unwrap()
    }
}

/// Fires and resolves through `security`, and checks both mails as the server read them.
fn fires_and_resolves(mode: &str, security: Security) {
    if !have_python_module("aiosmtpd") {
        return;
    }
    let place = Place::new();
    let certificates = certificates(place.dir.path());
    let server = MailServer::start(mode, &certificates, &place.dir.path().join("received"));
    let alerts = Alerts::new(
        &place.folder(),
        settings(&server, security, PASSWORD, Some(&certificates.ca)),
    );
    let mut ledger = place.ledger();
    let fired = alerts.evaluate(&mut ledger, &[waiting()], at(0)).unwrap();
    assert!(fired[0].result.is_ok(), "{:?}", fired[0].result);
    assert!(
        alerts
            .evaluate(&mut ledger, &[waiting()], at(1))
            .unwrap()
            .is_empty()
    );
    let resolved = alerts.evaluate(&mut ledger, &[], at(150)).unwrap();
    assert!(resolved[0].result.is_ok(), "{:?}", resolved[0].result);

    let mails = server.mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    for (mail, delivery, state) in [
        (&mails[0], &fired[0], State::Firing),
        (&mails[1], &resolved[0], State::Resolved),
    ] {
        assert_eq!(delivery.alert.state, state);
        assert_eq!(mail["tls"], true, "{mail}");
        assert_eq!(mail["login"], USER);
        assert_eq!(mail["mail_from"], "alerts@dealer.test");
        assert_eq!(
            mail["rcpt_tos"],
            serde_json::json!(["sales@dealer.test", "it@dealer.test"])
        );
        assert_eq!(mail["from"], "bachata1c <alerts@dealer.test>");
        assert_eq!(
            mail["to"],
            "Отдел продаж <sales@dealer.test>, it@dealer.test"
        );
        assert_eq!(mail["subject"], delivery.alert.subject.as_str());
        assert_eq!(mail["content_type"], "text/plain");
        assert_eq!(mail["charset"], "utf-8");
        let body = mail["body"].as_str().unwrap().replace("\r\n", "\n");
        assert_eq!(body, delivery.alert.text);
    }
    assert!(
        mails[0]["subject"]
            .as_str()
            .unwrap()
            .contains("Внимание: 3 лида ждут 1С дольше 2 ч")
    );
    assert!(
        mails[0]["body"]
            .as_str()
            .unwrap()
            .contains("«Обмен с сайтом»")
    );
    assert!(
        mails[1]["subject"]
            .as_str()
            .unwrap()
            .starts_with("[bachata1c] Исправлено:")
    );
}

#[test]
fn an_alert_and_its_resolution_arrive_by_mail_over_starttls_with_a_login() {
    fires_and_resolves("starttls", Security::Starttls);
}

#[test]
fn an_alert_and_its_resolution_arrive_by_mail_over_implicit_tls_with_a_login() {
    fires_and_resolves("tls", Security::Tls);
}

/// The failure of one attempt through a server in `mode` with these settings.
fn failure(mode: &str, password: &str, trust_the_ca: bool, security: Security) -> Option<String> {
    if !have_python_module("aiosmtpd") {
        return None;
    }
    let place = Place::new();
    let certificates = certificates(place.dir.path());
    let server = MailServer::start(mode, &certificates, &place.dir.path().join("received"));
    let ca = trust_the_ca.then_some(certificates.ca.as_path());
    let alerts = Alerts::new(&place.folder(), settings(&server, security, password, ca));
    let mut ledger = place.ledger();
    let tried = alerts.evaluate(&mut ledger, &[waiting()], at(0)).unwrap();
    let err = tried[0].result.as_ref().expect_err("a failure");
    assert!(matches!(err, DeliveryError::Email(_)), "{err:?}");
    assert!(server.mails().is_empty());
    // Owed still: the next evaluation tries again.
    let again = alerts.evaluate(&mut ledger, &[waiting()], at(1)).unwrap();
    assert_eq!(again.len(), 1);
    Some(err.to_string())
}

#[test]
#[allow(clippy::print_stderr, reason = "shows the message a dealer would read")]
fn a_wrong_password_is_a_delivery_failure_naming_the_server_the_user_and_the_password_source() {
    let Some(message) = failure("starttls", "wrong", true, Security::Starttls) else {
        return;
    };
    eprintln!("{message}");
    assert!(message.contains("127.0.0.1:"), "{message}");
    assert!(message.contains("(starttls, [alerts.email])"), "{message}");
    assert!(message.contains("535"), "{message}");
    assert!(
        message.contains(&format!(
            "the server refused the login of {USER} ([alerts.email] user)"
        )),
        "{message}"
    );
    assert!(
        message.contains("the environment variable BACHATA1C_SMTP_PASSWORD"),
        "{message}"
    );
    assert!(
        !message.contains("wrong"),
        "no password in messages: {message}"
    );
}

#[test]
#[allow(clippy::print_stderr, reason = "shows the message a dealer would read")]
fn a_server_whose_certificate_no_trusted_ca_issued_is_refused() {
    // Without ca_file the test CA is unknown: nothing is sent, the login least of all.
    for (mode, security) in [("starttls", Security::Starttls), ("tls", Security::Tls)] {
        let Some(message) = failure(mode, PASSWORD, false, security) else {
            return;
        };
        eprintln!("{message}");
        assert!(message.contains("UnknownIssuer"), "{message}");
        assert!(message.contains("set [alerts.email] ca_file"), "{message}");
        assert!(message.contains("127.0.0.1:"), "{message}");
    }
}

#[test]
fn plain_smtp_to_a_relay_on_this_machine_delivers() {
    if !have_python_module("aiosmtpd") {
        return;
    }
    let place = Place::new();
    let certificates = certificates(place.dir.path());
    let server = MailServer::start("plain", &certificates, &place.dir.path().join("received"));
    let mut settings = settings(&server, Security::None, PASSWORD, None);
    settings.email.as_mut().unwrap().login = None;
    let alerts = Alerts::new(&place.folder(), settings);
    let fired = alerts
        .evaluate(&mut place.ledger(), &[waiting()], at(0))
        .unwrap();
    assert!(fired[0].result.is_ok(), "{:?}", fired[0].result);
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["tls"], false);
    assert_eq!(mails[0]["subject"], fired[0].alert.subject.as_str());
}

#[test]
#[allow(clippy::print_stderr, reason = "shows the message a dealer would read")]
fn a_server_that_offers_no_starttls_gets_no_login_in_clear() {
    let Some(message) = failure("plain", PASSWORD, true, Security::Starttls) else {
        return;
    };
    assert!(message.contains("(starttls, [alerts.email])"), "{message}");
    eprintln!("{message}");
    assert!(message.contains("STARTTLS"), "{message}");
}
