//! `watch` as a service: the backlog at start, a file dropped while it runs, a file dropped
//! while it was stopped, and a clean exit on SIGTERM. Results are polled for with a generous
//! deadline; nothing about speed is asserted.
mod common;

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::Workdir;
use common::exchange::{archived, outbox_clients, webhook};

/// Waits until `done` holds; panics after a deadline far beyond any sane delay.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM, as systemd stops a service; the exit must be clean.
fn stop(child: Child) -> String {
    let status = Command::new("bash") // its builtin kill: no procps needed
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    stderr
}

fn spawn_watch(wd: &Workdir, extra: &[&str]) -> Child {
    let mut args = vec!["watch", "--dir", ".", "--settle", "0"];
    args.extend_from_slice(extra);
    wd.bachata1c(&args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn watch_takes_the_backlog_new_files_and_files_dropped_while_stopped() {
    let wd = Workdir::new();
    wd.write("inbox/backlog.json", webhook(&[("w1", "+79160000001")]));
    let watch = spawn_watch(&wd, &["--log-file", "watch.log"]);
    eventually("the backlog archived", || archived(&wd) == ["backlog.json"]);

    // Dropped while running, written in two steps as a slow receiver would.
    let full = webhook(&[("w2", "+79160000002"), ("w3", "+79160000003")]);
    wd.write("inbox/live.json", &full[..30]);
    std::thread::sleep(Duration::from_millis(300));
    wd.write("inbox/live.json", &full);
    eventually("the live file archived", || archived(&wd).len() == 2);
    let stderr = stop(watch);
    assert!(stderr.contains("stopped;"), "{stderr}");
    let leftover = wd.list("inbox/.bachata1c-work");
    assert!(leftover.is_empty(), "worker folder left: {leftover:?}");

    // Dropped while stopped: the next start takes it, here with polling (network shares).
    wd.write(
        "inbox/while-stopped.json",
        webhook(&[("w4", "+79160000004")]),
    );
    let watch = spawn_watch(&wd, &["--poll", "--rescan", "0.2"]);
    eventually("the file dropped while stopped archived", || {
        archived(&wd).len() == 3
    });
    wd.write("inbox/polled.json", webhook(&[("w5", "+79160000005")]));
    eventually("the polled file archived", || archived(&wd).len() == 4);
    stop(watch);

    let clients = outbox_clients(&wd);
    assert_eq!(
        clients.keys().collect::<Vec<_>>(),
        ["w1", "w2", "w3", "w4", "w5"]
    );
    assert!(clients.values().all(|&n| n == 1), "{clients:?}");
    let log = String::from_utf8(wd.read("watch.log")).unwrap();
    assert!(log.contains("inbox/live.json: 2 clients → "), "{log}");
}

#[test]
fn watch_gives_up_on_a_file_that_never_parses() {
    // Garbage that never completes: watched, re-checked, then refused after the wait.
    let wd = Workdir::new();
    wd.write("inbox/broken.json", "{\"clients\": [ {\"phone\": ");
    let watch = spawn_watch(&wd, &["--give-up-after", "1", "-v"]);
    eventually("the broken file in failed/", || {
        wd.list("failed")
            == [
                "broken.json".to_string(),
                "broken.json.reason.txt".to_string(),
            ]
    });
    let stderr = stop(watch);
    assert!(stderr.contains("not complete yet?"), "{stderr}");
    assert!(stderr.contains("refused: truncated JSON"), "{stderr}");
}

/// Issue 14 (items 9 and 10): `watch` names a file left for its name (`hook.json.txt`) and a
/// broken file once, not on every scan; a file left for its name that changes is named again.
#[test]
fn watch_names_a_broken_file_and_a_misnamed_one_once_until_they_change() {
    let wd = Workdir::new();
    let broken = wd.write("inbox/broken.json", "{\"clients\": [ {\"phone\": ");
    let a_minute_ago = std::time::SystemTime::now() - Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&broken)
        .unwrap()
        .set_modified(a_minute_ago)
        .unwrap();
    wd.write("inbox/hook.json.txt", webhook(&[("t1", "+79160000001")]));
    let watch = spawn_watch(
        &wd,
        &["--poll", "--rescan", "0.1", "-v", "--log-file", "watch.log"],
    );
    let log = || std::fs::read_to_string(wd.join("watch.log")).unwrap_or_default();
    let count = |text: &str| log().matches(text).count();
    let named = "inbox/broken.json: not complete yet? truncated JSON";
    let when_refused = "will be moved to failed/ in ";
    let misnamed = "inbox/hook.json.txt: not a .json file, left in the inbox";
    // The broken file is looked at again on later scans (each a -v detail line): two more
    // looks mean at least two more scans, which listed hook.json.txt too.
    eventually("the broken file looked at three times", || {
        count(named) >= 3
    });
    assert_eq!(count(when_refused), 1, "{}", log());
    assert_eq!(count(misnamed), 1, "{}", log());
    // Changed: news again.
    wd.write(
        "inbox/hook.json.txt",
        webhook(&[("t1", "+79160000001"), ("t2", "+79160000002")]),
    );
    eventually("the changed file named again", || count(misnamed) == 2);
    stop(watch);
    assert!(wd.list("failed").is_empty());
    assert!(archived(&wd).is_empty());
}
