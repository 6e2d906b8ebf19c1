//! Every command docs/1c-site-exchange.md shows, run as it is written (through bash, with
//! `bachata1c` the binary under test), on a folder set up as the guide says: the config its
//! TOML blocks make, the service its launch command starts, 1C's client taking the lead that a
//! webhook brought. Issue 17.10: the guide started `serve` without `--convert`, so nothing was
//! ever queued and 1C got empty answers, silently.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::exchange::webhook;
use common::onec::{Client, OneCDatabase, Profile};
use common::server::Server;
use common::{Workdir, run};

const GUIDE: &str = "docs/1c-site-exchange.md";
/// The guide's example folder and address, and what they become here.
const FOLDER: &str = "/srv/bachata";
const SITE: &str = "https://leads.example-dealer.ru";
const ONEC_PASSWORD: &str = "пароль-1С";
const BACHATA_PASSWORD: &str = "пароль-Бачаты";

fn guide() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(GUIDE)).unwrap()
}

/// The fenced blocks of `lang` (indented ones too), with their indentation removed.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match &mut current {
            None if trimmed == format!("```{lang}") => current = Some((indent, Vec::new())),
            Some(_) if trimmed == "```" => {
                let (_, lines) = current.take().unwrap();
                found.push(lines.join("\n"));
            }
            Some((indent, lines)) => lines.push(line.get(*indent..).unwrap_or("").to_string()),
            None => {}
        }
    }
    found
}

/// Every command the guide shows: the lines of its `sh` blocks, and the `bachata1c …` in its
/// text that carry an option or a folder (a bare `bachata1c leads` names the command).
fn commands(text: &str) -> Vec<String> {
    let mut commands: Vec<String> = blocks(text, "sh")
        .iter()
        .flat_map(|block| block.lines().map(str::to_string).collect::<Vec<_>>())
        .filter(|line| !line.trim().is_empty())
        .collect();
    for span in text.split('`').skip(1).step_by(2) {
        if span.starts_with("bachata1c ") && span.split_whitespace().count() > 2 {
            commands.push(span.to_string());
        }
    }
    commands
}

/// A command of the guide as bash runs it here: the example folder, address and password
/// replaced by this test's, `bachata1c` the binary under test.
fn shell(work: &Workdir, command: &str, site: &str) -> Command {
    let folder = work.join("srv/bachata");
    let command = command
        .replace(FOLDER, &folder.display().to_string())
        .replace(SITE, site)
        .replace("ПАРОЛЬ", ONEC_PASSWORD);
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_bachata1c"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut shell = Command::new("bash");
    shell
        .args(["-c", &format!("exec {command}")])
        .current_dir(work.path())
        .env("PATH", path);
    // As `Workdir::bachata1c`: none of our variables inherited.
    for (key, _) in std::env::vars() {
        if key.starts_with("BACHATA1C_") {
            shell.env_remove(key);
        }
    }
    shell
}

/// How many leads wait in the queue; 0 also while there is no ledger yet (the converter
/// beside `serve` makes it when it starts).
fn queued(work: &Workdir) -> usize {
    let output = work
        .bachata1c(&["leads", "srv/bachata", "--format", "json"])
        .output()
        .unwrap();
    match output.status.success() {
        true => serde_json::from_slice::<Vec<serde_json::Value>>(&output.stdout)
            .unwrap()
            .len(),
        false => 0,
    }
}

#[test]
fn every_command_of_the_1c_guide_works_as_written_and_1c_gets_the_lead() {
    if !common::have_tool("curl", "Debian package curl") {
        return;
    }
    let text = guide();
    let commands = commands(&text);
    let work = Workdir::new();
    let (code, stderr) = run(&mut work.bachata1c(&["init", "srv/bachata"]));
    assert_eq!(code, 0, "{stderr}");
    // The config the guide's TOML blocks make (§2: logins; §8: the orders file), on a port the
    // system picks.
    let config = blocks(&text, "toml").join("\n\n");
    assert!(config.contains("[site_exchange]"), "{config}");
    work.write(
        "srv/bachata/bachata1c.toml",
        config.replace("127.0.0.1:8080", "127.0.0.1:0"),
    );
    work.write("srv/bachata/password.txt", BACHATA_PASSWORD);
    work.write("srv/bachata/1c-password.txt", ONEC_PASSWORD);

    // The service, as the guide starts it.
    let launch: Vec<&String> = commands
        .iter()
        .filter(|c| c.starts_with("bachata1c serve"))
        .collect();
    assert_eq!(launch.len(), 1, "{launch:?}");
    let server = Server::spawn(shell(&work, launch[0], ""));
    let site = format!("http://{}", server.address);

    // A webhook as Bachata sends it, with the webhook's own login.
    let response = ureq::post(format!("{site}/webhook"))
        .header(
            "Authorization",
            format!(
                "Basic {}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    format!("bachata:{BACHATA_PASSWORD}")
                )
            ),
        )
        .send(webhook(&[("c1", "+79160000001")]))
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // Converted by the same process (a wait, not a timed assertion).
    let start = Instant::now();
    while queued(&work) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the webhook was never queued for 1C: {:?}",
            server.lines()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut ran = 0;
    for command in &commands {
        if command.starts_with("bachata1c serve") || command.starts_with("bachata1c watch") {
            continue;
        }
        let output = shell(&work, command, &site).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{command}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        if command.starts_with("curl") {
            assert_eq!(
                stdout.lines().next(),
                Some("success"),
                "{command}: {stdout}"
            );
        }
        ran += 1;
    }
    assert!(ran >= 7, "{commands:?}");

    // 1C's client, with the login the guide gives it, takes the lead.
    let mut db = OneCDatabase::new(Profile::Ut11);
    let imported = Client::new(
        &format!("{site}/1c_exchange.php"),
        "1c",
        ONEC_PASSWORD,
        Profile::Ut11,
    )
    .exchange(&mut db)
    .unwrap_or_else(|err| panic!("{err}\n{:?}", server.lines()));
    assert_eq!(imported.created().len(), 1, "{:?}", server.lines());
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log:?}");
    assert!(
        !log.iter().any(|line| line.contains("warning")),
        "the guide's setup draws a warning: {log:?}"
    );

    // §8: the directory exchange's watch, until its orders file is there.
    let watch: Vec<&String> = commands
        .iter()
        .filter(|c| c.starts_with("bachata1c watch"))
        .collect();
    assert_eq!(watch.len(), 1, "{watch:?}");
    // serve --convert wrote it already (the same [output] keys): watch writes it again at start.
    std::fs::remove_file(work.join("srv/bachata/outbox/Orders.xml")).unwrap();
    let mut watching = shell(&work, watch[0], &site).spawn().unwrap();
    let start = Instant::now();
    while !work.join("srv/bachata/outbox/Orders.xml").is_file() {
        assert!(start.elapsed() < Duration::from_secs(60), "no Orders.xml");
        std::thread::sleep(Duration::from_millis(50));
    }
    let stopped = Command::new("bash")
        .args(["-c", "kill -s TERM \"$0\"", &watching.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(watching.wait().unwrap().success());
}
