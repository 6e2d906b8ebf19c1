//! The Telegram example in deploy/ (not run against Telegram: no internet here). The shell
//! script is checked by `sh -n` and shellcheck, then run against a Bot API stand-in on the
//! loopback (TELEGRAM_API_URL): it must read the alert from standard input and post it as
//! sendMessage's form, the token from the environment or from telegram.conf beside it, and
//! fail with Telegram's words when the message is refused. The PowerShell twin is run the same
//! way where `pwsh` exists.
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use bachata1c::alerts::{Alerts, CommandSettings, Condition, Said, Settings};
use bachata1c::ledger::Ledger;

fn deploy(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(relative)
}

/// What the stand-in received: the request line and the form's fields.
#[derive(Debug)]
struct Request {
    line: String,
    content_type: String,
    form: Vec<(String, String)>,
}

impl Request {
    fn field(&self, name: &str) -> &str {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.form))
    }
}

/// The Bot API on 127.0.0.1 (port 0): answers one request with `status` and `body`.
fn bot_api(status: &str, body: &'static str) -> (String, mpsc::Receiver<Request>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let status = status.to_string();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let (mut length, mut content_type) = (0, String::new());
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap(),
                "content-type" => content_type = value.trim().to_string(),
                // curl waits for this before a body past 1 KiB.
                "expect" => writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").unwrap(),
                _ => {}
            }
        }
        let mut form = vec![0; length];
        reader.read_exact(&mut form).unwrap();
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        writer.write_all(answer.as_bytes()).unwrap();
        let _ = send.send(Request {
            line: line.trim_end().to_string(),
            content_type,
            form: decode_form(&form),
        });
    });
    (url, receive)
}

/// application/x-www-form-urlencoded, decoded.
fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    let decode = |part: &str| {
        let bytes = part.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    };
    std::str::from_utf8(body)
        .unwrap()
        .split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap();
            (decode(key), decode(value))
        })
        .collect()
}

const TOKEN: &str = "123456789:AAtest-token";
const TEXT: &str = "Внимание: 3 лида ждут 1С\nПапка обмена /srv/обмен & «кавычки» + 100%\n";

/// Runs the script with `env`, `text` on standard input; its exit code and error output.
fn run(program: &[&str], env: &[(&str, &str)], text: &str) -> (i32, String) {
    let mut child = Command::new(program[0])
        .args(&program[1..])
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("TELEGRAM_CHAT_ID")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_shell_script_parses_and_shellcheck_finds_nothing() {
    let script = deploy("linux/bachata1c-telegram.sh");
    let status = Command::new("sh").arg("-n").arg(&script).status().unwrap();
    assert!(status.success());
    if common::have_tool("shellcheck", "apt-get install shellcheck") {
        let output = Command::new("shellcheck").arg(&script).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn the_shell_script_posts_its_standard_input_to_send_message() {
    let (url, received) = bot_api("200 OK", r#"{"ok":true,"result":{}}"#);
    let script = deploy("linux/bachata1c-telegram.sh");
    let (code, stderr) = run(
        &["sh", script.to_str().unwrap()],
        &[
            ("TELEGRAM_API_URL", &format!("{url}/")),
            ("TELEGRAM_BOT_TOKEN", TOKEN),
            ("TELEGRAM_CHAT_ID", "-1001234567890"),
        ],
        TEXT,
    );
    assert_eq!(code, 0, "{stderr}");
    let request = received.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(
        request.line,
        format!("POST /bot{TOKEN}/sendMessage HTTP/1.1")
    );
    assert_eq!(request.content_type, "application/x-www-form-urlencoded");
    assert_eq!(request.field("chat_id"), "-1001234567890");
    assert_eq!(request.field("text"), TEXT, "the whole text, byte for byte");
}

#[test]
fn the_token_and_chat_come_from_telegram_conf_beside_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bachata1c-telegram.sh");
    std::fs::copy(deploy("linux/bachata1c-telegram.sh"), &script).unwrap();
    // As Notepad saves it: CRLF, spaces around `=`.
    std::fs::write(
        dir.path().join("telegram.conf"),
        format!("TELEGRAM_BOT_TOKEN = {TOKEN}\r\nTELEGRAM_CHAT_ID=42\r\n"),
    )
    .unwrap();
    let (url, received) = bot_api("200 OK", r#"{"ok":true}"#);
    let (code, stderr) = run(
        &["sh", script.to_str().unwrap()],
        &[("TELEGRAM_API_URL", &url)],
        TEXT,
    );
    assert_eq!(code, 0, "{stderr}");
    let request = received.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(
        request.line,
        format!("POST /bot{TOKEN}/sendMessage HTTP/1.1")
    );
    assert_eq!(request.field("chat_id"), "42");

    let unset = tempfile::tempdir().unwrap();
    let lonely = unset.path().join("bachata1c-telegram.sh");
    std::fs::copy(&script, &lonely).unwrap();
    let (code, stderr) = run(&["sh", lonely.to_str().unwrap()], &[], TEXT);
    assert_eq!(code, 2);
    assert!(stderr.contains("TELEGRAM_BOT_TOKEN"), "{stderr}");
    assert!(stderr.contains("telegram.conf"), "{stderr}");
}

/// From bachata1c's own command channel: a refused message is a delivery failure carrying
/// Telegram's words; the alert's text is what reached the Bot API.
#[test]
fn through_the_alert_command_a_refusal_is_a_failure_with_telegrams_words() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("state")).unwrap();
    let condition = Condition {
        name: "leads_waiting".into(),
        summary: Said {
            ru: "3 лида ждут 1С".into(),
            en: "3 leads wait for 1C".into(),
        },
        details: Said::default(),
    };
    let script = deploy("linux/bachata1c-telegram.sh");
    let alerts_with = |url: &str| {
        let command = format!(
            "TELEGRAM_API_URL='{url}' TELEGRAM_BOT_TOKEN='{TOKEN}' TELEGRAM_CHAT_ID=7 sh '{}'",
            script.display()
        );
        Alerts::new(
            dir.path(),
            Settings {
                command: Some(CommandSettings {
                    command,
                    timeout: Duration::from_secs(60),
                }),
                ..Settings::default()
            },
        )
    };
    let mut ledger = Ledger::open(&dir.path().join("state/ledger.sqlite")).unwrap();
    let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();

    let (url, received) = bot_api(
        "400 Bad Request",
        r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
    );
    let tried = alerts_with(&url)
        .evaluate(&mut ledger, std::slice::from_ref(&condition), now)
        .unwrap();
    let message = tried[0].result.as_ref().unwrap_err().to_string();
    assert!(message.contains("exit code 1"), "{message}");
    assert!(
        message.contains("Telegram answered 400") && message.contains("chat not found"),
        "{message}"
    );
    received.recv_timeout(Duration::from_secs(60)).unwrap();

    let (url, received) = bot_api("200 OK", r#"{"ok":true}"#);
    let tried = alerts_with(&url)
        .evaluate(&mut ledger, &[condition], now)
        .unwrap();
    assert!(tried[0].result.is_ok(), "{:?}", tried[0].result);
    let request = received.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(request.field("text"), tried[0].alert.text);
}

#[test]
fn the_powershell_script_posts_its_standard_input_where_pwsh_runs() {
    let script = deploy("windows/bachata1c-telegram.ps1");
    let text = std::fs::read_to_string(&script).unwrap();
    // Windows PowerShell 5.1 reads a BOM-less script as the ANSI code page: ASCII only.
    assert!(text.is_ascii(), "keep the .ps1 ASCII");
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    // pwsh is not in Debian; where it is installed, the script runs as on Windows.
    let Ok(status) = Command::new("pwsh")
        .arg("-Version")
        .stdout(Stdio::null())
        .status()
    else {
        return;
    };
    assert!(status.success());
    let (url, received) = bot_api("200 OK", r#"{"ok":true}"#);
    let (code, stderr) = run(
        &["pwsh", "-NoProfile", "-File", script.to_str().unwrap()],
        &[
            ("TELEGRAM_API_URL", &url),
            ("TELEGRAM_BOT_TOKEN", TOKEN),
            ("TELEGRAM_CHAT_ID", "42"),
        ],
        TEXT,
    );
    assert_eq!(code, 0, "{stderr}");
    let request = received.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(
        request.line,
        format!("POST /bot{TOKEN}/sendMessage HTTP/1.1")
    );
    assert_eq!(request.field("text"), TEXT);
}

fn page(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

/// The fenced blocks of `language` in a page.
fn blocks(text: &str, language: &str) -> Vec<String> {
    text.split(&format!("```{language}\n"))
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap().to_string())
        .collect()
}

/// docs/monitoring.md's Telegram commands, run with /usr/local/bin as a temporary folder and
/// the service's user as ours: they install the script and its telegram.conf, and the try-out
/// line sends the test message with the token and chat the page wrote.
#[cfg(unix)]
#[test]
fn the_monitoring_pages_commands_install_and_try_the_telegram_script() {
    let (en, ru) = (page("docs/monitoring.md"), page("docs/monitoring.ru.md"));
    let commands = blocks(&en, "sh");
    assert_eq!(
        commands,
        blocks(&ru, "sh"),
        "both pages show the same commands"
    );
    assert_eq!(blocks(&en, "toml"), blocks(&ru, "toml"));
    assert_eq!(blocks(&en, "text"), blocks(&ru, "text"));
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
    let script = commands
        .join("\n")
        .replace("/usr/local/bin", bin.to_str().unwrap())
        .replace("/opt/bachata1c/", "")
        .replace("chown bachata1c", &format!("chown {}", user.trim()));
    let (url, received) = bot_api("200 OK", r#"{"ok":true}"#);
    let output = Command::new("sh")
        .args(["-e", "-c", &script])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("TELEGRAM_CHAT_ID")
        .env("TELEGRAM_API_URL", &url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let request = received.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(
        request.line,
        "POST /bot123456789:AA.../sendMessage HTTP/1.1"
    );
    assert_eq!(request.field("chat_id"), "-1001234567890");
    assert_eq!(request.field("text"), "bachata1c: проверка / test\n");
    let conf = std::fs::metadata(bin.join("telegram.conf")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&conf.permissions()) & 0o777,
        0o600
    );
}

/// The pages' config examples are configs bachata1c reads, and the example message is what
/// bachata1c writes (the same folder, server and times put in).
#[test]
fn the_monitoring_pages_configs_read_and_their_example_message_is_ours() {
    let en = page("docs/monitoring.md");
    let dir = tempfile::tempdir().unwrap();
    for block in blocks(&en, "toml") {
        bachata1c::config::Config::parse(&block).unwrap_or_else(|err| panic!("{block}: {err}"));
        std::fs::write(dir.path().join("bachata1c.toml"), &block).unwrap();
        let resolved = bachata1c::settings::alerts(&bachata1c::cli::FolderArgs {
            dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        });
        match resolved {
            Ok(settings) => assert!(settings.command.is_some(), "{block}"),
            // The mail example reads its password from a variable the tests do not set.
            Err(err) => assert!(
                err.to_string()
                    .contains("the environment variable BACHATA1C_SMTP_PASSWORD ([alerts.email] password_env) is not set"),
                "{err}"
            ),
        }
    }
    let example = blocks(&en, "text").remove(0);
    // What `run`, `watch` and `serve` tell: the monitor's judgement of a folder whose one lead
    // has waited 2 h 1 min, framed by the alerts: `watch` noticed it at its first look past
    // `max_waiting` (2 h).
    let local = |text: &str| {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_local_timezone(chrono::Local)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let (received, now) = (local("2026-12-07 09:12"), local("2026-12-07 11:13"));
    let snapshot = bachata1c::monitor::Snapshot {
        folder: "/srv/bachata".into(),
        failed: "/srv/bachata/failed".into(),
        taken_at: now,
        queue: Some(bachata1c::monitor::Queue {
            totals: bachata1c::ledger::QueueTotals {
                waiting: 1,
                confirmed: 40,
                ..Default::default()
            },
            oldest_waiting: Some(received),
        }),
        inputs: Vec::new(),
        last_1c_request: Some(local("2026-12-07 11:10")),
        last_webhook: Some(received),
        refused: 0,
        disk: None,
    };
    let judged = bachata1c::monitor::judge(&snapshot, &Default::default());
    assert_eq!(judged.len(), 1, "{judged:?}");
    let condition = Condition::from(&judged[0]);
    let row = bachata1c::alerts::machine::Tracked {
        state: bachata1c::alerts::State::Firing,
        since: now,
        cleared: None,
        owed: true,
        last_sent: None,
        summary: condition.summary.clone(),
        sending_until: None,
    };
    let framing = bachata1c::alerts::text::Framing {
        condition: &condition.name,
        folder: Path::new("/srv/bachata"),
        host: "dealer-srv",
        repeat: chrono::Duration::hours(4),
    };
    let (subject, text) = framing.render(&row, Some(&condition.details));
    assert_eq!(example, format!("Subject: {subject}\n\n{text}"));
}
