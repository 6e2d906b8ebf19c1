//! `[alerts] command` with real commands under the system shell: what a dealer's script gets
//! (the text on standard input, the condition and state in its environment), a script that
//! hangs past its timeout (killed with what it started), one that fails (a delivery failure
//! naming the command, delivered at the next evaluation once the script works).
#![cfg(unix)]

use std::path::Path;
use std::time::Duration;

use bachata1c::alerts::{
    Alerts, CommandError, CommandSettings, Condition, DeliveryError, Said, Settings, State,
};
use bachata1c::ledger::Ledger;
use chrono::{DateTime, Utc};

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + minutes * 60, 0).unwrap()
}

fn waiting() -> Condition {
    Condition {
        name: "leads_waiting".into(),
        summary: Said {
            ru: "2 лида ждут 1С".into(),
            en: "2 leads wait for 1C".into(),
        },
        details: Said {
            ru: "Проверьте обмен с сайтом в 1С.".into(),
            en: "Check 1C's site exchange.".into(),
        },
    }
}

fn settings(command: &str, timeout: Duration) -> Settings {
    Settings {
        command: Some(CommandSettings {
            command: command.into(),
            timeout,
        }),
        ..Settings::default()
    }
}

/// A script in `dir` (its path quoted for sh); the folder's name has a space and Cyrillic.
fn script(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&path, permissions).unwrap();
    format!("'{}'", path.display())
}

struct Place {
    dir: tempfile::TempDir,
}

impl Place {
    fn new() -> Place {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("скрипты оповещений")).unwrap();
        std::fs::create_dir_all(dir.path().join("Обмен/state")).unwrap();
        Place { dir }
    }
    fn scripts(&self) -> std::path::PathBuf {
        self.dir.path().join("скрипты оповещений")
    }
    fn folder(&self) -> std::path::PathBuf {
        self.dir.path().join("Обмен")
    }
    fn ledger(&self) -> Ledger {
        Ledger::open(&self.folder().join("state/ledger.sqlite")).unwrap()
    }
}

#[test]
fn the_script_gets_the_text_on_stdin_and_the_condition_and_state_in_its_environment() {
    let place = Place::new();
    let out = place.scripts();
    let command = script(
        &out,
        "record.sh",
        &format!(
            "n=$(ls '{dir}' | grep -c '[.]text$') \n\
             cat > '{dir}/call'$n'.text'\n\
             printf '%s\\n%s\\n%s\\n%s\\n' \"$BACHATA1C_ALERT\" \"$BACHATA1C_ALERT_STATE\" \
             \"$BACHATA1C_ALERT_SUBJECT\" \"$BACHATA1C_ALERT_FOLDER\" > '{dir}/call'$n'.env'\n",
            dir = out.display()
        ),
    );
    let alerts = Alerts::new(&place.folder(), settings(&command, Duration::from_secs(60)));
    let mut ledger = place.ledger();
    let fired = alerts.evaluate(&mut ledger, &[waiting()], at(0)).unwrap();
    assert!(fired[0].result.is_ok(), "{:?}", fired[0].result);
    let resolved = alerts.evaluate(&mut ledger, &[], at(30)).unwrap();
    assert!(resolved[0].result.is_ok(), "{:?}", resolved[0].result);

    for (n, state, alert) in [
        (0, State::Firing, &fired[0].alert),
        (1, State::Resolved, &resolved[0].alert),
    ] {
        let text = std::fs::read_to_string(out.join(format!("call{n}.text"))).unwrap();
        assert_eq!(text, alert.text, "the whole text, byte for byte");
        let env = std::fs::read_to_string(out.join(format!("call{n}.env"))).unwrap();
        let lines: Vec<&str> = env.lines().collect();
        assert_eq!(
            lines,
            [
                "leads_waiting",
                state.as_str(),
                alert.subject.as_str(),
                place.folder().to_str().unwrap()
            ]
        );
    }
    let firing = std::fs::read_to_string(out.join("call0.text")).unwrap();
    assert!(
        firing.contains("Проверьте обмен с сайтом в 1С."),
        "{firing}"
    );
    assert!(
        firing.contains(&place.folder().display().to_string()),
        "{firing}"
    );
}

#[test]
fn a_script_past_its_timeout_is_killed_with_every_process_it_started() {
    let place = Place::new();
    let out = place.scripts();
    let command = script(
        &out,
        "hang.sh",
        &format!(
            "echo sending >&2\nsleep 600 &\necho $! > '{dir}/child.pid'\nwait\n",
            dir = out.display()
        ),
    );
    let alerts = Alerts::new(&place.folder(), settings(&command, Duration::from_secs(1)));
    let mut ledger = place.ledger();
    let tried = alerts.evaluate(&mut ledger, &[waiting()], at(0)).unwrap();
    let err = tried[0].result.as_ref().unwrap_err();
    assert!(
        matches!(err, DeliveryError::Command(CommandError::Timeout { .. })),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("hang.sh"), "{message}");
    assert!(message.contains("within 1 s"), "{message}");
    assert!(message.contains("command_timeout_seconds"), "{message}");
    assert!(message.contains("it said: sending"), "{message}");
    // The shell's own child, the `sleep`, is gone too (killed with its process group).
    let pid = std::fs::read_to_string(out.join("child.pid")).unwrap();
    let pid = pid.trim();
    let mut gone = false;
    for _ in 0..100 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie waiting for init to reap it.
        if stat.is_empty() || stat.split(") ").nth(1).is_some_and(|s| s.starts_with('Z')) {
            gone = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(gone, "the script's child {pid} is still running");
    // Still owed: the next evaluation tries again.
    let again = alerts.evaluate(&mut ledger, &[waiting()], at(1)).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].alert.state, State::Firing);
}

#[test]
fn a_failing_script_is_a_failure_naming_it_and_is_delivered_once_it_works() {
    let place = Place::new();
    let out = place.scripts();
    let command = script(
        &out,
        "telegram.sh",
        &format!(
            "cat > /dev/null\n\
             [ -f '{dir}/network-is-up' ] || {{ echo 'curl: (6) Could not resolve host' >&2; exit 6; }}\n\
             echo delivered >> '{dir}/log'\n",
            dir = out.display()
        ),
    );
    let alerts = Alerts::new(&place.folder(), settings(&command, Duration::from_secs(60)));
    let mut ledger = place.ledger();
    let tried = alerts.evaluate(&mut ledger, &[waiting()], at(0)).unwrap();
    let message = tried[0].result.as_ref().unwrap_err().to_string();
    assert!(message.contains("telegram.sh"), "{message}");
    assert!(message.contains("exit code 6"), "{message}");
    assert!(
        message.contains("it said: curl: (6) Could not resolve host"),
        "{message}"
    );
    std::fs::write(out.join("network-is-up"), "").unwrap();
    let tried = alerts.evaluate(&mut ledger, &[waiting()], at(1)).unwrap();
    assert!(tried[0].result.is_ok(), "{:?}", tried[0].result);
    assert!(
        alerts
            .evaluate(&mut ledger, &[waiting()], at(2))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        std::fs::read_to_string(out.join("log")).unwrap(),
        "delivered\n"
    );
}

#[test]
fn a_command_the_shell_cannot_find_says_so() {
    let place = Place::new();
    let alerts = Alerts::new(
        &place.folder(),
        settings("no-such-alert-program --send", Duration::from_secs(60)),
    );
    let tried = alerts
        .evaluate(&mut place.ledger(), &[waiting()], at(0))
        .unwrap();
    let message = tried[0].result.as_ref().unwrap_err().to_string();
    assert!(
        message.contains("`no-such-alert-program --send`"),
        "{message}"
    );
    assert!(message.contains("exit code 127"), "{message}");
    assert!(message.contains("not found"), "{message}");
}
