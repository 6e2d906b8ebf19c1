//! `bachata1c report`: the support bundle, read back by Python's zipfile. It holds what issue
//! 21 lists (config, status, the queue, versions, folders, reasons, the log's last lines) and
//! no password — set through a variable and a file — and no name, phone or e-mail of a lead in
//! the ledger, the inbox, failed/ or the log, unless --with-personal-data.
mod common;

use std::collections::BTreeMap;

use common::bundle::{found, unzip};
use common::{Workdir, run};

const FILE_PASSWORD: &str = "пароль-из-файла-42";
const VARIABLE_PASSWORD: &str = "пароль-из-переменной-17";
const COMMENTED_PASSWORD: &str = "старый-пароль-99";

/// Converted: in the ledger, 1C's queue.
const CONVERTED: &str = r#"{"event":"dialog_completed","clients":[
  {"clientId":"c1","name":"Иван Сидоров","phone":"+7 916 123-45-67","email":"ivan.sidorov@example.ru"},
  {"clientId":"c2","name":"Мария Кузнецова","phone":"8 (903) 765-43-21","email":"m.kuz@example.org"}]}"#;
/// Waiting in the inbox.
const WAITING: &str = r#"{"clients":[{"clientId":"c3","name":"Ольга Смирнова","phone":"+79261112233","email":"olga@example.com"}]}"#;
/// Refused (cut short) into failed/, saved under a client's name as a dealer might.
const BROKEN: &str = r#"{"clients":[{"clientId":"c4","name":"Анна Лебедева","phone":"+7 999 000 11 22","email":"anna@lebedeva.ru""#;

/// Every name, phone (as sent and as normalised) and e-mail of the leads above, the name of
/// one only the log quotes, and the passwords.
const PERSONAL: &[&str] = &[
    "Иван Сидоров",
    "+7 916 123-45-67",
    "+79161234567",
    "79161234567",
    "ivan.sidorov@example.ru",
    "Мария Кузнецова",
    "8 (903) 765-43-21",
    "+79037654321",
    "m.kuz@example.org",
    "Ольга Смирнова",
    "+79261112233",
    "olga@example.com",
    "Анна Лебедева",
    "+7 999 000 11 22",
    "anna@lebedeva.ru",
    "Дарья Орлова",
];
const PASSWORDS: &[&str] = &[FILE_PASSWORD, VARIABLE_PASSWORD, COMMENTED_PASSWORD];

/// An exchange folder holding every kind of place a lead's data can be: the ledger, the inbox,
/// failed/ (a refused file and a reason that quotes it) and a log file.
fn exchange(work: &Workdir) {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    let config = String::from_utf8(work.read("ex/bachata1c.toml")).unwrap();
    work.write(
        "ex/bachata1c.toml",
        config
            .replace(
                "[serve]\n",
                &format!(
                    "[serve]\nuser = \"bachata\"\npassword_file = \"pw.txt\"\n# password = \"{COMMENTED_PASSWORD}\"\n"
                ),
            )
            .replace(
                "[site_exchange]\n",
                "[site_exchange]\nuser = \"1c\"\npassword_env = \"BACHATA1C_REPORT_TEST_1C\"\n",
            ),
    );
    work.write("ex/pw.txt", format!("{FILE_PASSWORD}\n"));
    work.write("ex/inbox/dialog.json", CONVERTED);
    work.write("ex/inbox/Анна Лебедева.json", BROKEN);
    let (code, stderr) =
        run(&mut work.bachata1c(&["run", "ex", "--give-up-after", "0", "--log-file", "run.log"]));
    assert_eq!(code, 1, "one refused: {stderr}");
    assert!(work.join("ex/failed/Анна Лебедева.json").is_file());
    work.write("ex/inbox/waiting.json", WAITING);
    // What an older version, a hand or a script may have left: a reason quoting the file, and
    // log lines naming a lead, quoting another, and holding a password by mistake.
    work.write(
        "ex/failed/Анна Лебедева.json.reason.txt",
        "Анна Лебедева.json: refused 2026-12-01 10:00:00\ninvalid type: string \"Анна Лебедева +7 999 000 11 22\", expected a client\n",
    );
    let mut log = String::from_utf8(work.read("run.log")).unwrap();
    log.push_str(
        "2026-12-01 10:00:01 bachata1c: Иван Сидоров (+7 916 123-45-67, ivan.sidorov@example.ru) called\n\
         2026-12-01 10:00:02 bachata1c: refused: invalid type: string \"Дарья Орлова\", expected a client\n",
    );
    log.push_str(&format!(
        "2026-12-01 10:00:03 bachata1c: --password-env {VARIABLE_PASSWORD}: no such variable\n"
    ));
    work.write("run.log", log);
}

fn report(work: &Workdir, extra: &[&str]) -> BTreeMap<String, String> {
    let mut args = vec![
        "report",
        "ex",
        "--out",
        "out/report.zip",
        "--log-file",
        "run.log",
    ];
    args.extend_from_slice(extra);
    std::fs::create_dir_all(work.join("out")).unwrap();
    let (code, stderr) = run(work
        .bachata1c(&args)
        .env("BACHATA1C_REPORT_TEST_1C", VARIABLE_PASSWORD));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("report written to out/report.zip"),
        "{stderr}"
    );
    // Published whole: nothing but the zip is left beside it.
    assert_eq!(work.list("out"), vec!["report.zip"]);
    unzip(&work.join("out/report.zip")).unwrap_or_default()
}

#[test]
fn the_bundle_holds_what_support_needs_and_no_password_or_personal_data() {
    let work = Workdir::new();
    exchange(&work);
    let files = report(&work, &[]);
    if files.is_empty() {
        return; // no python3: recorded as skipped
    }
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    for expected in [
        "README.txt",
        "config.toml",
        "status.txt",
        "queue.txt",
        "versions.txt",
        "folders.txt",
        "failed-reasons.txt",
        "logs/1-run.log.txt",
    ] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    let leaked = found(&files, PERSONAL);
    assert!(leaked.is_empty(), "personal data in the bundle: {leaked:?}");
    let leaked = found(&files, PASSWORDS);
    assert!(leaked.is_empty(), "a password in the bundle: {leaked:?}");

    // What the issue lists, each where it belongs.
    let config = &files["config.toml"];
    assert!(config.contains("password_file = \"pw.txt\""), "{config}");
    assert!(config.contains("password_env = \"BACHATA1C_REPORT_TEST_1C\""));
    assert!(config.contains("# password = \"(masked)\""), "{config}");
    let status = &files["status.txt"];
    assert!(status.contains("1C queue:   2 waiting"), "{status}");
    assert!(status.contains("failed/:    1 refused input"), "{status}");
    assert!(status.contains("(exit status 0)"), "{status}");
    assert!(files["queue.txt"].starts_with("waiting 2\noffered 0\n"));
    let versions = &files["versions.txt"];
    assert!(versions.starts_with(&format!("bachata1c {}\n", env!("CARGO_PKG_VERSION"))));
    assert!(versions.contains("system: ") && versions.contains("SQLite: "));
    assert!(versions.contains("CREATE TABLE leads"), "{versions}");
    let folders = &files["folders.txt"];
    for part in [
        "inbox", "outbox", "archive", "failed", "state", "ledger", "config",
    ] {
        assert!(folders.contains(&format!("\n{part}: ")) || folders.starts_with(part));
    }
    #[cfg(unix)]
    assert!(
        folders.contains("owner ") && folders.contains("mode 0"),
        "{folders}"
    );
    assert!(folders.contains(" free)"), "{folders}");
    let reasons = &files["failed-reasons.txt"];
    assert!(
        reasons.contains("[name].json: invalid type: string \"…\""),
        "{reasons}"
    );
    let log = &files["logs/1-run.log.txt"];
    assert!(
        log.contains("bachata1c: [name] [name] ([phone], [e-mail]) called"),
        "{log}"
    );
    assert!(log.contains("--password-env [password]"), "{log}");
    assert!(log.contains("2 clients →"), "the run's own lines: {log}");
    let readme = &files["README.txt"];
    for said in ["Personal data: LEFT OUT", "24 MiB", "--with-personal-data"] {
        assert!(readme.contains(said), "{said}: {readme}");
    }
    // The bundle is its owner's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(work.join("out/report.zip"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
}

#[test]
fn with_personal_data_the_values_stay_and_passwords_still_go() {
    let work = Workdir::new();
    exchange(&work);
    let files = report(&work, &["--with-personal-data"]);
    if files.is_empty() {
        return;
    }
    let kept = found(&files, PERSONAL);
    for value in [
        "Иван Сидоров",
        "Анна Лебедева",
        "Дарья Орлова",
        "+7 916 123-45-67",
    ] {
        assert!(
            kept.iter().any(|(_, v)| *v == value),
            "{value} left out: {kept:?}"
        );
    }
    let leaked = found(&files, PASSWORDS);
    assert!(leaked.is_empty(), "a password in the bundle: {leaked:?}");
    assert!(files["README.txt"].contains("Personal data: KEPT"));
}

#[test]
fn a_long_log_is_cut_to_its_last_lines_and_the_bundle_stays_out_of_the_exchange_folder() {
    let work = Workdir::new();
    let (code, stderr) = run(&mut work.bachata1c(&["init", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    let line = format!("2026-12-01 10:00:00 bachata1c: {}\n", "x".repeat(200));
    work.write("run.log", line.repeat(20_000) + "the last line\n");
    let files = report(&work, &[]);
    if !files.is_empty() {
        let log = &files["logs/1-run.log.txt"];
        assert!(
            log.starts_with("(the last 2000 lines of run.log"),
            "{:.200}",
            log
        );
        assert!(log.ends_with("the last line\n"));
        assert!(log.len() < 2001 * line.len(), "{}", log.len());
        assert!(files["README.txt"].contains("none in state/"));
    }
    // The outbox is read (and emptied) by 1C's user: the bundle is not written there.
    let (code, stderr) = run(&mut work.bachata1c(&["report", "ex", "--out", "ex/outbox/r.zip"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("outbox folder"), "{stderr}");
    assert!(!work.join("ex/outbox/r.zip").exists());
    let (code, stderr) = run(&mut work.bachata1c(&["report", "exx", "--out", "r.zip"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("exx/inbox: no such inbox folder"),
        "{stderr}"
    );
    let (code, stderr) = run(&mut work.bachata1c(&["report", "ex", "--out", "nowhere/r.zip"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no such folder nowhere"), "{stderr}");
}
