//! Windows-only behaviour of the real binary; runs on Windows and under wine in
//! `make windows-e2e` (on Linux this file compiles to nothing).
#![cfg(windows)]

mod common;

use std::os::windows::fs::OpenOptionsExt;

use std::process::Command;

use common::{Workdir, run};

/// The binary beside the test's own folder: under wine, the path cargo compiled in is a Unix
/// path that Windows programs cannot open, while `current_exe` is a Windows path (`Z:\…`).
fn bachata1c(wd: &Workdir, args: &[&str]) -> Command {
    let exe = std::env::current_exe().unwrap();
    let binary = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("bachata1c.exe");
    let mut command = Command::new(binary);
    command.current_dir(wd.path()).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("BACHATA1C_") {
            command.env_remove(key);
        }
    }
    command
}

const HOOK: &str = r#"{"clients":[{"clientId":"a1","name":"Иван","phone":"89161234567"}]}"#;

/// The receiver has created the file and not closed it yet (no sharing): not ready, not
/// broken. The file must be left as it is, and the others converted.
#[test]
fn a_webhook_still_open_by_its_writer_is_reported_as_not_ready() {
    let wd = Workdir::new();
    wd.write("Обмен 1С/входящие/готов.json", HOOK);
    let path = wd.write("Обмен 1С/входящие/пишется.json", HOOK);
    let writer = std::fs::OpenOptions::new()
        .write(true)
        .share_mode(0)
        .open(&path)
        .unwrap();
    let (code, stderr) = run(&mut bachata1c(
        &wd,
        &[
            "convert",
            "Обмен 1С/входящие",
            "--out",
            "Обмен 1С/исходящие",
        ],
    ));
    drop(writer);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("пишется.json: refused: another program still has it open (still being written?); convert it again later"),
        "{stderr}"
    );
    assert_eq!(wd.list("Обмен 1С/исходящие"), ["готов.csv"]);
    assert_eq!(wd.read("Обмен 1С/входящие/пишется.json"), HOOK.as_bytes());
}

#[test]
fn converting_again_replaces_the_earlier_output() {
    let wd = Workdir::new();
    wd.write("in/hook.json", HOOK);
    wd.write(
        "out/hook.csv",
        "old content that is longer than the new one".repeat(100),
    );
    let (code, stderr) = run(&mut bachata1c(&wd, &["convert", "in", "--out", "out"]));
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = common::read_csv_1251(&wd.read("out/hook.csv"));
    assert_eq!(common::cell(&header, &rows[0], "ИдКлиента"), "a1");
    assert_eq!(wd.list("out"), ["hook.csv"]);
}
