//! `init`, `run`, `status`, `retry` on real exchange folders: the contract that every input
//! ends once in archive/ or failed/ and every qualifying client once in the outbox.
mod common;

use std::fs;
use std::io::Write;
use std::path::Path;

use common::exchange::{archived, outbox_clients, webhook};
use common::{Workdir, run};

fn run_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", "--dir", ".", "--settle", "0"];
    args.extend_from_slice(extra);
    args
}

#[test]
fn run_converts_archives_refuses_and_reports() {
    let wd = Workdir::new();
    for name in [
        "dialog-2026-11-26-sales.json",
        "dialog-2026-11-26-service.json",
        "chat-started-no-phone.json",
        "saved-by-windows-1251.json",
    ] {
        wd.fixture(&format!("inbox/{name}"), &format!("inbox/{name}"));
    }
    wd.fixture("bad/truncated.json", "inbox/truncated.json");
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&["--give-up-after", "0"])));
    assert_eq!(code, 1, "one input refused:\n{stderr}");
    assert!(
        stderr.contains("inbox/truncated.json: refused: truncated JSON"),
        "{stderr}"
    );
    assert!(stderr.contains("2 clients → "), "{stderr}");
    assert_eq!(wd.list("inbox"), vec![".bachata1c-work"]);
    assert_eq!(
        archived(&wd),
        vec![
            "chat-started-no-phone.json",
            "dialog-2026-11-26-sales.json",
            "dialog-2026-11-26-service.json",
            "saved-by-windows-1251.json"
        ]
    );
    assert_eq!(
        wd.list("failed"),
        vec!["truncated.json", "truncated.json.reason.txt"]
    );
    let reason = String::from_utf8(wd.read("failed/truncated.json.reason.txt")).unwrap();
    assert!(reason.contains("truncated JSON"), "{reason}");
    // Three inputs with qualifying clients give three files; the one without gives none.
    let outputs: Vec<String> = wd
        .list("outbox")
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(outputs.len(), 3, "{outputs:?}");
    assert!(outbox_clients(&wd).values().all(|&n| n == 1));

    let status = wd.bachata1c(&["status", "--dir", "."]).output().unwrap();
    let text = String::from_utf8(status.stdout).unwrap();
    assert!(status.status.success());
    // After one run, all runs are that run: status says it in the run's own words.
    let summary = stderr.lines().last().unwrap();
    assert!(
        summary.contains("5 files taken: 4 converted (1 without qualifying clients), 1 refused"),
        "{summary}"
    );
    assert!(
        text.contains(&format!(
            "\nall runs:   {}\n",
            summary.trim_start_matches("bachata1c: ")
        )),
        "{text}"
    );
    assert!(text.contains("failed/:    1 refused input"), "{text}");
    assert!(text.contains("  truncated.json: truncated JSON"), "{text}");
    assert!(
        text.contains("outbox:     3 files waiting for 1C"),
        "{text}"
    );

    // Fixed by hand, then retried: it is converted and leaves failed/.
    wd.write(
        "failed/truncated.json",
        tests_webhook_one("fixed-1", "+7 916 000-00-01"),
    );
    let (code, stderr) = run(&mut wd.bachata1c(&["retry", "--dir", "."]));
    assert_eq!(code, 0, "{stderr}");
    assert!(wd.list("failed").is_empty());
    assert_eq!(wd.list("inbox"), vec![".bachata1c-work", "truncated.json"]);
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outbox_clients(&wd).get("fixed-1"), Some(&1));
}

fn tests_webhook_one(id: &str, phone: &str) -> String {
    webhook(&[(id, phone)])
}

#[test]
fn init_writes_a_config_that_run_reads_and_the_command_line_overrides() {
    let wd = Workdir::new();
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "--dir", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    for part in ["inbox", "outbox", "archive", "failed", "state"] {
        assert!(wd.join("ex").join(part).is_dir(), "{part}");
    }
    let config = String::from_utf8(wd.read("ex/bachata1c.toml")).unwrap();
    assert!(config.contains("# format = \"csv\""));
    // A second init keeps the administrator's edits.
    wd.write(
        "ex/bachata1c.toml",
        config.replace("# format = \"csv\"", "format = \"xml\""),
    );
    let (code, _) = run(&mut wd.bachata1c(&["init", "--dir", "ex"]));
    assert_eq!(code, 0);
    assert!(
        String::from_utf8(wd.read("ex/bachata1c.toml"))
            .unwrap()
            .contains("\nformat = \"xml\"")
    );

    wd.write("ex/inbox/a.json", webhook(&[("a1", "+79160000001")]));
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", "ex", "--settle", "0"]));
    assert_eq!(code, 0, "{stderr}");
    let outputs = wd.list("ex/outbox");
    let xml = outputs
        .iter()
        .find(|n| n.ends_with(".xml"))
        .unwrap_or_else(|| panic!("no XML in {outputs:?}"));
    common::xmllint_validate(
        &common::schema_path("bachata1c-leads-1.xsd"),
        &wd.join(&format!("ex/outbox/{xml}")),
    );

    wd.write("ex/inbox/b.json", webhook(&[("b1", "+79160000002")]));
    let (code, stderr) =
        run(&mut wd.bachata1c(&["run", "--dir", "ex", "--settle", "0", "--format", "csv"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(wd.list("ex/outbox").iter().any(|n| n.ends_with(".csv")));
}

#[test]
fn a_bad_config_or_missing_folder_is_exit_2_naming_the_key() {
    let wd = Workdir::new();
    wd.write("ex/bachata1c.toml", "[folders]\ninbx = \"in\"\n");
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", "ex"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("inbx"), "{stderr}");
    wd.write("ex/bachata1c.toml", "[watch]\nsettle_seconds = -2\n");
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", "ex"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("settle_seconds"), "{stderr}");
    let (code, stderr) = run(&mut wd.bachata1c(&["run"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("--dir"), "{stderr}");
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", "mistyped"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no such inbox folder"), "{stderr}");
    assert!(
        !wd.join("mistyped").exists(),
        "a mistyped --dir was created"
    );
}

#[test]
fn only_json_names_are_taken() {
    let wd = Workdir::new();
    let body = webhook(&[("x1", "+79160000001")]);
    for name in [
        ".hidden.json",
        "~lock.json",
        "a.json.tmp",
        "a.tmp",
        "a.part",
        "a.partial",
        "a.txt",
    ] {
        wd.write(&format!("inbox/{name}"), &body);
    }
    wd.write("inbox/real.JSON", &body);
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(archived(&wd), vec!["real.JSON"]);
    assert_eq!(wd.list("inbox").len(), 8, "{:?}", wd.list("inbox"));
}

/// Issue 14 (item 9): Notepad's `hook.json.txt` sat in the inbox forever without a word, even
/// with `-v`. It is named, with the rename that gets it taken, and left there: the inbox may
/// hold other tools' files. Writers' temporary files and hidden files stay unmentioned.
#[test]
fn files_left_for_their_name_are_named_with_the_rename_that_takes_them() {
    let wd = Workdir::new();
    let body = webhook(&[("n1", "+79160000001")]);
    let silent = [
        ".webhook-20261127T101503.123Z-000001-9f3a1c2b.json.42.tmp",
        "incoming.json.tmp",
        "~lock.json",
        "a.part",
    ];
    for name in silent.iter().chain(&["hook.json.txt", "notes"]) {
        wd.write(&format!("inbox/{name}"), &body);
    }
    fs::create_dir_all(wd.join("inbox/old")).unwrap();
    for _ in 0..2 {
        let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains(
                "inbox/hook.json.txt: not a .json file, left in the inbox (rename it to \
                 hook.json to convert it)\n"
            ),
            "{stderr}"
        );
        assert!(stderr.contains("inbox/notes: not a .json file"), "{stderr}");
        for name in silent.iter().chain(&["old"]) {
            assert!(!stderr.contains(name), "{name} mentioned:\n{stderr}");
        }
    }
    assert!(archived(&wd).is_empty());
    assert_eq!(wd.list("inbox").len(), 8, "{:?}", wd.list("inbox"));
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&["-q"])));
    assert_eq!(
        (code, stderr.as_str()),
        (0, ""),
        "said only at the normal level"
    );
}

/// Issue 14 (item 10): a broken file showed only as «1 file not complete yet» for the 120 s it
/// waits. One unchanged for a while is named with its error and when it will be refused; one
/// written moments ago (a writer may still be at it) only with `-v`.
#[test]
fn a_broken_file_is_named_with_its_error_and_when_it_will_be_refused() {
    let wd = Workdir::new();
    let broken = wd.write("inbox/broken.json", "{\"clients\": [ {\"phone\": ");
    let half_a_minute_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(30);
    fs::File::options()
        .write(true)
        .open(&broken)
        .unwrap()
        .set_modified(half_a_minute_ago)
        .unwrap();
    wd.write("inbox/fresh.json", "{\"clients\": [");
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("inbox/broken.json: "))
        .unwrap_or_else(|| panic!("broken.json not named:\n{stderr}"));
    assert!(line.contains("not complete yet? truncated JSON"), "{line}");
    let (_, after) = line
        .split_once(", will be moved to failed/ in ")
        .unwrap_or_else(|| panic!("{line}"));
    let seconds: u64 = after
        .strip_suffix(" s if it does not change")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((1..=90).contains(&seconds), "{line}");
    assert!(!stderr.contains("fresh.json"), "{stderr}");
    assert!(stderr.contains("2 files not complete yet"), "{stderr}");
    let (_, stderr) = run(&mut wd.bachata1c(&run_args(&["-v"])));
    assert!(
        stderr.contains("inbox/fresh.json: not complete yet? "),
        "{stderr}"
    );
    assert!(wd.list("failed").is_empty());
}

/// Issue 18 (item 14): a broken file was counted, not named, in a scheduled run's log
/// (`run -q --log-file`) and by `status`. Both name it with its reason, without `-v`; one
/// written moments ago (a writer may still be at it) is still only counted.
#[test]
fn a_broken_file_is_named_with_its_reason_in_the_cron_log_and_by_status() {
    let wd = Workdir::new();
    let half_a_minute_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(30);
    for (name, text) in [
        ("broken.json", "{\"clients\": [ {\"phone\": "),
        ("junk.json", "junk"),
    ] {
        let path = wd.write(&format!("inbox/{name}"), text);
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(half_a_minute_ago)
            .unwrap();
    }
    wd.write("inbox/fresh.json", "{\"clients\": [");
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&["-q", "--log-file", "run.log"])));
    assert_eq!(code, 0, "{stderr}");
    let log = String::from_utf8(wd.read("run.log")).unwrap();
    for (name, reason) in [
        ("broken.json", "not complete yet? truncated JSON"),
        (
            "junk.json",
            "not complete yet? invalid JSON at line 1 column 1",
        ),
    ] {
        let line = log
            .lines()
            .find(|l| l.contains(&format!("inbox/{name}: ")))
            .unwrap_or_else(|| panic!("{name} not named in the log:\n{log}"));
        assert!(line.contains(reason), "{line}");
        assert!(line.contains("will be moved to failed/ in "), "{line}");
    }
    assert!(!log.contains("fresh.json"), "{log}");
    assert!(log.contains("3 files not complete yet"), "{log}");

    let output = wd.bachata1c(&["status", "."]).output().unwrap();
    assert!(output.status.success());
    let shown = String::from_utf8(output.stdout).unwrap();
    for (name, reason) in [
        ("broken.json", "not complete yet? truncated JSON"),
        (
            "junk.json",
            "not complete yet? invalid JSON at line 1 column 1",
        ),
    ] {
        let line = shown
            .lines()
            .find(|l| l.starts_with(&format!("  {name}: ")))
            .unwrap_or_else(|| panic!("{name} not named by status:\n{shown}"));
        assert!(line.contains(reason), "{line}");
        assert!(line.contains("goes to failed/"), "{line}");
    }
    assert!(!shown.contains("fresh.json"), "{shown}");
    // --failures bounds this list as it does failed/'s.
    let output = wd
        .bachata1c(&["status", ".", "--failures", "1"])
        .output()
        .unwrap();
    let shown = String::from_utf8(output.stdout).unwrap();
    assert!(shown.contains("  broken.json: "), "{shown}");
    assert!(!shown.contains("  junk.json: "), "{shown}");
    assert!(shown.contains("… and 1 more that do not parse"), "{shown}");
    assert!(wd.list("failed").is_empty());
}

#[test]
fn a_duplicate_under_a_new_name_is_converted_once() {
    // Bachata retries a webhook it got no answer for: the same body saved under a new name.
    let wd = Workdir::new();
    let body = webhook(&[("d1", "+79160000001"), ("d2", "+79160000002")]);
    wd.write("inbox/hook-1.json", &body);
    wd.write("inbox/hook-1-copy.json", &body);
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("same content as"), "{stderr}");
    // Later, a third copy, in another run.
    wd.write("inbox/hook-1-retry.json", &body);
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("same content as hook-1"), "{stderr}");
    assert_eq!(archived(&wd).len(), 3);
    let clients = outbox_clients(&wd);
    assert_eq!(clients.len(), 2);
    assert!(clients.values().all(|&n| n == 1), "{clients:?}");
}

#[test]
fn zero_byte_and_truncated_files_wait_until_complete() {
    let wd = Workdir::new();
    wd.write("inbox/empty.json", "");
    let full = webhook(&[("t1", "+79160000001"), ("t2", "+79160000002")]);
    wd.write("inbox/half.json", &full[..full.len() / 2]);
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "not complete is not refused:\n{stderr}");
    assert!(stderr.contains("2 files not complete yet"), "{stderr}");
    assert_eq!(
        wd.list("inbox"),
        vec![".bachata1c-work", "empty.json", "half.json"]
    );
    assert!(wd.list("failed").is_empty());
    // The writers finish.
    wd.write("inbox/empty.json", webhook(&[("e1", "+79160000003")]));
    wd.write("inbox/half.json", &full);
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outbox_clients(&wd).len(), 3);
    assert_eq!(archived(&wd), vec!["empty.json", "half.json"]);
}

#[test]
fn a_slow_writer_keeping_the_file_open_loses_nothing() {
    // A receiver that writes a webhook in pieces through one open handle.
    let wd = Workdir::new();
    let full = webhook(&[("s1", "+79160000001"), ("s2", "+79160000002")]);
    fs::create_dir_all(wd.join("inbox")).unwrap();
    let mut writer = fs::File::create(wd.join("inbox/slow.json")).unwrap();
    let (first, rest) = full.split_at(40);
    writer.write_all(first.as_bytes()).unwrap();
    writer.flush().unwrap();
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert!(archived(&wd).is_empty());
    // The handle still points at the file, wherever run put it: the rest lands there.
    writer.write_all(rest.as_bytes()).unwrap();
    drop(writer);
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(archived(&wd), vec!["slow.json"]);
    assert_eq!(outbox_clients(&wd).len(), 2);
}

#[test]
fn a_file_renamed_into_the_inbox_is_taken_whole() {
    let wd = Workdir::new();
    wd.write(
        "inbox/incoming.json.tmp",
        webhook(&[("r1", "+79160000001")]),
    );
    let (code, _) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0);
    assert!(archived(&wd).is_empty());
    fs::rename(
        wd.join("inbox/incoming.json.tmp"),
        wd.join("inbox/incoming.json"),
    )
    .unwrap();
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(archived(&wd), vec!["incoming.json"]);
}

fn sha256_prefix(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum (coreutils)");
    String::from_utf8(out.stdout).unwrap()[..16].to_string()
}

#[test]
fn an_outbox_that_cannot_be_written_leaves_inputs_to_retry() {
    // chmod does not stop root, who runs CI: make the outbox unusable in ways that fail for
    // root too. First the outbox is a regular file, so no folder can be made there.
    let wd = Workdir::new();
    let a = wd.write("inbox/a.json", webhook(&[("o1", "+79160000001")]));
    wd.write("outbox", "not a folder");
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("outbox"), "{stderr}");
    assert!(wd.list("inbox").contains(&"a.json".to_string()));
    assert!(archived(&wd).is_empty());

    // Then the outbox works but the output's name is taken by a non-empty folder, so the
    // rename that publishes it fails (EISDIR/ENOTEMPTY, for root as for anyone).
    fs::remove_file(wd.join("outbox")).unwrap();
    let blocked = format!("outbox/bachata-{}.csv", sha256_prefix(&a));
    wd.write(&format!("{blocked}/keep"), "");
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot publish the output"), "{stderr}");
    assert!(
        stderr.contains("left in the inbox to be retried"),
        "{stderr}"
    );
    assert!(wd.list("inbox").contains(&"a.json".to_string()));
    assert!(archived(&wd).is_empty());

    // Fixed: the retry converts it, once.
    fs::remove_dir_all(wd.join(&blocked)).unwrap();
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(archived(&wd), vec!["a.json"]);
    assert_eq!(outbox_clients(&wd).get("o1"), Some(&1));
}

#[test]
fn the_log_file_gets_a_line_per_file_and_quiet_keeps_stderr_short() {
    let wd = Workdir::new();
    wd.write("inbox/a.json", webhook(&[("l1", "+79160000001")]));
    wd.write("inbox/b.json", webhook(&[("l2", "")]));
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&["-q", "--log-file", "run.log"])));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "only the summary:\n{stderr}");
    let (code, _) = run(&mut wd.bachata1c(&run_args(&["--log-file", "run.log"])));
    assert_eq!(code, 0);
    wd.write("inbox/c.json", webhook(&[("l3", "+79160000003")]));
    let (code, _) = run(&mut wd.bachata1c(&run_args(&["--log-file", "run.log"])));
    assert_eq!(code, 0);
    let log = String::from_utf8(wd.read("run.log")).unwrap();
    assert!(log.contains("inbox/c.json: 1 client → "), "{log}");
    assert!(
        log.lines().all(|l| l.as_bytes()[0].is_ascii_digit()),
        "timestamped:\n{log}"
    );
}

/// Whether a log line starts with its time, `2026-11-27 10:15:03 `.
fn timestamped(line: &str) -> bool {
    let shape = "0000-00-00 00:00:00 ";
    line.len() > shape.len()
        && line
            .chars()
            .zip(shape.chars())
            .all(|(c, s)| if s == '0' { c.is_ascii_digit() } else { c == s })
}

/// Issue 14 (item 3): `run --quiet` from cron once a minute wrote a summary of nothing every
/// time, and the cron example logged without `--log-file`, so no line had a time.
#[test]
fn a_quiet_run_over_an_idle_inbox_says_nothing_and_its_log_lines_have_times() {
    let wd = Workdir::new();
    fs::create_dir_all(wd.join("inbox")).unwrap();
    let quiet = run_args(&["--quiet", "--log-file", "run.log"]);
    let (code, stderr) = run(&mut wd.bachata1c(&quiet));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "", "an idle quiet run is silent");
    let (code, stderr) = run(&mut wd.bachata1c(&quiet));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(String::from_utf8(wd.read("run.log")).unwrap(), "");
    // Without --quiet the summary of an idle pass is still shown.
    let (_, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert!(stderr.contains("0 files taken"), "{stderr}");

    wd.write("inbox/a.json", webhook(&[("q1", "+79160000001")]));
    let (code, stderr) = run(&mut wd.bachata1c(&quiet));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "the summary:\n{stderr}");
    assert!(stderr.contains("1 file taken: 1 converted"), "{stderr}");
    // A config broken later is in the log too, with its time: cron's stderr goes nowhere.
    wd.write("bachata1c.toml", "[watch]\nsettle_secnds = 1\n");
    let (code, _) = run(&mut wd.bachata1c(&["run", "--dir", ".", "-q", "--log-file", "run.log"]));
    assert_eq!(code, 2);
    let log = String::from_utf8(wd.read("run.log")).unwrap();
    // The summary, then the config error on the lines TOML draws it on (issue 18, item 11).
    assert_eq!(log.lines().count(), 6, "{log}");
    assert!(log.lines().all(timestamped), "{log}");
    assert!(log.contains("1 file taken: 1 converted"), "{log}");
    assert!(log.contains("settle_secnds"), "{log}");
}

#[test]
fn a_done_marker_follows_the_outputs() {
    let wd = Workdir::new();
    wd.write("inbox/a.json", webhook(&[("m1", "+79160000001")]));
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&["--done-marker", "ready.flag"])));
    assert_eq!(code, 0, "{stderr}");
    assert!(wd.list("outbox").contains(&"ready.flag".to_string()));
}

#[test]
fn batch_writes_one_outbox_file_per_run() {
    let wd = Workdir::new();
    let first = webhook(&[("b1", "+79160000001"), ("b2", "+79160000002")]);
    wd.write("inbox/a.json", &first);
    wd.write("inbox/a-again.json", &first);
    wd.write(
        "inbox/b.json",
        webhook(&[("b3", "+79160000003"), ("b4", "")]),
    );
    wd.write("inbox/c.json", webhook(&[("b5", "")]));
    wd.fixture("bad/truncated.json", "inbox/d.json");
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&["--batch", "--give-up-after", "0"])));
    assert_eq!(code, 1, "{stderr}");
    let outputs: Vec<String> = wd
        .list("outbox")
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    assert!(outputs[0].starts_with("bachata-batch-"), "{outputs:?}");
    let clients = outbox_clients(&wd);
    assert_eq!(clients.keys().collect::<Vec<_>>(), ["b1", "b2", "b3"]);
    assert!(clients.values().all(|&n| n == 1), "{clients:?}");
    assert_eq!(archived(&wd).len(), 4);
    assert_eq!(wd.list("failed").len(), 2);
    assert!(
        stderr.contains("3 clients exported in 1 output file"),
        "{stderr}"
    );
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    // Under Task Scheduler or systemd stderr is a log: bar characters would garble it.
    let wd = Workdir::new();
    for i in 0..60 {
        wd.write(
            &format!("inbox/p{i}.json"),
            webhook(&[(&format!("p{i}"), &format!("+7916{i:07}"))]),
        );
    }
    let (code, stderr) = run(&mut wd.bachata1c(&["convert", "inbox", "--out", "converted"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.lines().all(|l| l.starts_with("bachata1c: ")),
        "{stderr}"
    );
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.lines().count(), 61, "{stderr}");
    assert!(
        stderr.lines().all(|l| l.starts_with("bachata1c: ")),
        "{stderr}"
    );
}

#[test]
fn a_live_workers_claim_is_left_alone_and_a_dead_ones_is_taken_back() {
    // A worker on another machine of the share: its folder, its claimed file, its lease.
    let wd = Workdir::new();
    let folder = "inbox/.bachata1c-work/other-host_4242_1";
    wd.write(
        &format!("{folder}/claimed.json"),
        webhook(&[("k1", "+79160000001")]),
    );
    let lease = wd.write(&format!("{folder}/.lease"), "other-host_4242_1");
    // While it holds its lease lock it is alive, whatever its host or pid.
    let held = fs::File::options().write(true).open(&lease).unwrap();
    held.lock().unwrap();
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert!(archived(&wd).is_empty(), "a live worker's file was taken");
    assert!(wd.join(&format!("{folder}/claimed.json")).exists());
    // It dies: the lock goes with it. Being another machine's, its lease must run out too.
    drop(held);
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{stderr}");
    assert!(archived(&wd).is_empty(), "taken before its lease ran out");
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&["--lease", "0"])));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("took back 1 claimed file"), "{stderr}");
    assert_eq!(archived(&wd), vec!["claimed.json"]);
    assert_eq!(outbox_clients(&wd).get("k1"), Some(&1));
}

#[test]
fn retry_takes_names_from_failed_only() {
    let wd = Workdir::new();
    wd.write("failed/a.json", webhook(&[("y1", "+79160000001")]));
    wd.write("failed/a.json.reason.txt", "a.json: refused\r\n");
    wd.write("failed/b.json", "{");
    let (code, stderr) = run(&mut wd.bachata1c(&["retry", "--dir", ".", "../b.json"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("not a path"), "{stderr}");
    let (code, stderr) = run(&mut wd.bachata1c(&["retry", "--dir", ".", "a.json"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(wd.list("failed"), vec!["b.json"]);
    assert_eq!(wd.list("inbox"), vec!["a.json"]);
    // No ledger yet, as before the first run: status still shows the folders.
    let status = wd.bachata1c(&["status", "--dir", "."]).output().unwrap();
    let text = String::from_utf8(status.stdout).unwrap();
    assert!(status.status.success(), "{text}");
    assert!(text.contains("none yet (nothing converted here)"), "{text}");
    assert!(text.contains("inbox:      1 waiting"), "{text}");
    assert!(text.contains("failed/:    1 refused input"), "{text}");
    assert!(text.contains("  b.json: (no reason file)"), "{text}");
}

/// Issue 14 (item 4): `status` listed refused inputs retried or deleted long ago, left out the
/// one `serve` put in failed/ (it keeps unreadable bodies there without the ledger), said
/// «0 waiting» beside a `hook.json.txt`, and counted otherwise than `run`'s summary.
#[test]
fn status_shows_the_folders_as_they_are_now_in_the_words_of_run() {
    let wd = Workdir::new();
    wd.write("inbox/retried.json", "{");
    wd.write("inbox/deleted.json", "{");
    wd.write(
        "inbox/a.json",
        webhook(&[("s1", "+79160000001"), ("s2", "")]),
    );
    let (code, first) = run(&mut wd.bachata1c(&run_args(&["--give-up-after", "0"])));
    assert_eq!(code, 1, "{first}");
    // One is fixed and retried, the other deleted by hand.
    let (code, stderr) = run(&mut wd.bachata1c(&["retry", "--dir", ".", "retried.json"]));
    assert_eq!(code, 0, "{stderr}");
    wd.write("inbox/retried.json", webhook(&[("s3", "+79160000003")]));
    fs::remove_file(wd.join("failed/deleted.json")).unwrap();
    fs::remove_file(wd.join("failed/deleted.json.reason.txt")).unwrap();
    let (code, second) = run(&mut wd.bachata1c(&run_args(&[])));
    assert_eq!(code, 0, "{second}");
    // What serve does with an unreadable body, written the same way here.
    let refused = "webhook-20261127T101503.123Z-000001-9f3a1c2b.json";
    wd.write(
        &format!("failed/{refused}.reason.txt"),
        "refused by bachata1c serve at 2026-11-27 10:15:03 UTC: not JSON\n",
    );
    wd.write(&format!("failed/{refused}"), "not json");
    wd.write("inbox/waiting.json", webhook(&[("s4", "+79160000004")]));
    wd.write("inbox/hook.json.txt", webhook(&[("s5", "+79160000005")]));

    let status = wd.bachata1c(&["status", "--dir", "."]).output().unwrap();
    let text = String::from_utf8(status.stdout).unwrap();
    assert!(status.status.success(), "{text}");
    assert!(
        text.contains("failed/:    1 refused input, newest first:\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "  {refused}: refused by bachata1c serve at 2026-11-27 10:15:03 UTC: not JSON\n"
        )),
        "{text}"
    );
    assert!(
        !text.contains("retried.json") && !text.contains("deleted.json"),
        "{text}"
    );
    assert!(text.contains("inbox:      1 waiting\n"), "{text}");
    assert!(
        text.contains("  hook.json.txt: not a .json file, left in the inbox (rename it to hook.json to convert it)\n"),
        "{text}"
    );
    assert!(
        text.contains("outbox:     2 files waiting for 1C\n"),
        "{text}"
    );
    // All runs: the first (3 taken: 1 converted, 2 refused) and the second (1 converted).
    assert!(
        text.contains("all runs:   4 files taken: 2 converted (0 without qualifying clients), 2 refused, 0 duplicate(s); 2 clients exported in 2 output files, 1 skipped (1 no phone)\n"),
        "{text}"
    );
}

/// Issue 14 (item 5): `retry webhook-….json.reason.txt` moved the reason file into the inbox,
/// left the JSON in failed/ and exited 0.
#[test]
fn retry_of_a_reason_file_retries_its_input_and_a_name_not_in_failed_is_an_error() {
    let wd = Workdir::new();
    let hook = "webhook-20261127T101503.123Z-000042-9f3a1c2b.json";
    wd.write(
        &format!("failed/{hook}"),
        webhook(&[("z1", "+79160000001")]),
    );
    wd.write(&format!("failed/{hook}.reason.txt"), "refused: why\r\n");
    wd.write("failed/other.json", "{");
    wd.write("failed/other.json.reason.txt", "refused: why\r\n");
    let (code, stderr) =
        run(&mut wd.bachata1c(&["retry", "--dir", ".", &format!("{hook}.reason.txt")]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(wd.list("inbox"), vec![hook.to_string()]);
    assert_eq!(
        wd.list("failed"),
        vec!["other.json", "other.json.reason.txt"]
    );
    // Not (or no longer) in failed/: an error naming it, and nothing moves.
    for name in [hook.to_string(), "gone.json.reason.txt".to_string()] {
        let (code, stderr) = run(&mut wd.bachata1c(&["retry", "--dir", ".", &name]));
        assert_eq!(code, 1, "{name}: {stderr}");
        let input = name.trim_end_matches(".reason.txt");
        assert!(
            stderr.contains(&format!("failed/{input}: not in failed/")),
            "{stderr}"
        );
    }
    assert_eq!(wd.list("inbox"), vec![hook.to_string()]);
    // No names: every input in failed/, never a reason file.
    let (code, stderr) = run(&mut wd.bachata1c(&["retry", "--dir", "."]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("1 file(s) moved back"), "{stderr}");
    assert_eq!(
        wd.list("inbox"),
        vec!["other.json".to_string(), hook.to_string()]
    );
    assert!(wd.list("failed").is_empty(), "{:?}", wd.list("failed"));
}

#[test]
fn a_full_disk_leaves_the_input_in_the_inbox() {
    // Root (CI) ignores permissions and cannot be given a small disk without mounting one, so
    // a full disk is played by a file-size limit: writes past 200 KB fail (EFBIG) just as they
    // would with ENOSPC. The SIGXFSZ that would kill the process is ignored, as a real full
    // disk sends none. The ledger and the lease stay far below the limit.
    let wd = Workdir::new();
    let ids: Vec<(String, String)> = (0..5000)
        .map(|i| (format!("big{i}"), format!("+7916{i:07}")))
        .collect();
    let pairs: Vec<(&str, &str)> = ids.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    wd.write("inbox/big.json", webhook(&pairs));
    let script = format!(
        "trap '' XFSZ; ulimit -f 200; exec '{}' run --dir . --settle 0",
        env!("CARGO_BIN_EXE_bachata1c")
    );
    let output = std::process::Command::new("bash")
        .args(["-c", &script])
        .current_dir(wd.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write the output"), "{stderr}");
    assert!(
        stderr.contains("inbox/big.json stays in the inbox"),
        "{stderr}"
    );
    assert!(wd.list("inbox").contains(&"big.json".to_string()));
    assert!(archived(&wd).is_empty());
    assert!(
        outbox_clients(&wd).is_empty(),
        "nothing half-written is visible"
    );
    // Space again: converted, once.
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&["-q"])));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outbox_clients(&wd).len(), 5000);
    assert_eq!(archived(&wd), vec!["big.json"]);
}

#[test]
fn folders_come_from_the_config_file_and_the_command_line_overrides_them() {
    let wd = Workdir::new();
    // `dir` is relative to the config's folder; the parts are relative to `dir`.
    wd.write(
        "etc/bachata1c.toml",
        "[folders]\ndir = \"../exchange\"\noutbox = \"to-1c\"\n[rules]\nrequire_email = true\n",
    );
    wd.write("exchange/inbox/a.json", webhook(&[("c1", "+79160000001")]));
    let (code, stderr) =
        run(&mut wd.bachata1c(&["run", "--config", "etc/bachata1c.toml", "--settle", "0"]));
    assert_eq!(code, 0, "{stderr}");
    // The config's rule applies: no e-mail, so no output.
    assert!(stderr.contains("no qualifying client"), "{stderr}");
    assert!(wd.join("exchange/to-1c").is_dir());
    wd.write(
        "exchange/inbox/b.json",
        webhook(&[("c2", "+79160000002")]).replace("\"email\":\"\"", "\"email\":\"a@b.ru\""),
    );
    let (code, stderr) = run(&mut wd.bachata1c(&[
        "run",
        "--config",
        "etc/bachata1c.toml",
        "--settle",
        "0",
        "--outbox",
        "elsewhere",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let outputs = wd.list("elsewhere");
    assert!(outputs.iter().any(|n| n.ends_with(".csv")), "{outputs:?}");
}

/// A file over a limit will not get better by waiting: it goes to failed/ on the first pass
/// (default wait for unparseable files is 120 s), and the other files are still converted.
#[test]
fn run_refuses_an_input_over_a_limit_at_once_and_converts_the_rest() {
    let wd = Workdir::new();
    wd.fixture("inbox/note-example.json", "inbox/note-example.json");
    wd.fixture("inbox/dialog-2026-11-26-sales.json", "inbox/sales.json");
    wd.write("bachata1c.toml", "[limits]\nmax_clients = 2\n");
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&["--max-input-size", "100K"])));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("over the limit of 2"), "{stderr}");
    assert_eq!(
        wd.list("failed"),
        vec!["sales.json", "sales.json.reason.txt"]
    );
    assert_eq!(archived(&wd), vec!["note-example.json"]);
    let mut big = webhook(&[("c1", "89161234567")]).into_bytes();
    big.extend(std::iter::repeat_n(b' ', 200 * 1024));
    wd.write("inbox/big.json", big);
    let (code, stderr) = run(&mut wd.bachata1c(&run_args(&["--max-input-size", "100K"])));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("over the limit of 100 KiB"), "{stderr}");
    assert!(wd.list("failed").contains(&"big.json".to_string()));
}
