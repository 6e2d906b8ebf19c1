//! What an attack run on the exchange folder found (issue 10), each case reproduced on real
//! folders with the real binary: nothing in the inbox is ever ignored, no name reaches the log
//! raw, a lost ledger is never silently replaced, and `watch` neither spins nor goes deaf.
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::exchange::{archived, outbox_clients, webhook};
use common::{SmallDisk, Workdir, run};

fn init(wd: &Workdir) {
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "--dir", "."]));
    assert_eq!(code, 0, "{stderr}");
}

/// Issue 10: `bachata1c status --dir D | head -1` panicked with exit 101 on the closed pipe.
#[test]
fn status_into_a_closed_pipe_exits_quietly() {
    let wd = Workdir::new();
    init(&wd);
    wd.write("inbox/a.json", webhook(&[("a", "+79160000001")]));
    run(&mut wd.bachata1c(&["run", "--dir", "."]));
    let mut child = wd
        .bachata1c(&["status", "--dir", "."])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before status writes a line.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The same for stderr: a run whose log reader went away still converts everything.
#[test]
fn a_run_whose_stderr_is_closed_still_converts_everything() {
    let wd = Workdir::new();
    init(&wd);
    wd.write("inbox/a.json", webhook(&[("a", "+79160000001")]));
    let mut child = wd
        .bachata1c(&["run", "--dir", "."])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert_eq!(archived(&wd), vec!["a.json"]);
}

/// Issue 10: `bad\xff\xfe.json` stayed in the inbox forever and `status` said «0 waiting».
#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_counted_taken_and_logged_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let wd = Workdir::new();
    init(&wd);
    let name = std::ffi::OsStr::from_bytes(b"bad\xff\xfe.json");
    std::fs::write(
        wd.join("inbox").join(name),
        webhook(&[("a", "+79160000001")]),
    )
    .unwrap();
    let status = wd.bachata1c(&["status", "--dir", "."]).output();
    // No ledger yet: status says so; the count is checked after the first run below.
    assert!(status.is_ok());
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", "."]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("bad%FF%FE.json: its name is not valid UTF-8: renamed to bad%FF%FE.json"),
        "{stderr}"
    );
    assert_eq!(archived(&wd), vec!["bad%FF%FE.json"]);
    assert_eq!(outbox_clients(&wd).len(), 1);
    // Waiting ones are counted too.
    std::fs::write(wd.join("inbox").join(name), "{}").unwrap();
    let status = wd.bachata1c(&["status", "--dir", "."]).output().unwrap();
    let text = String::from_utf8(status.stdout).unwrap();
    assert!(text.contains("inbox:      1 waiting"), "{text}");
}

/// Issue 10: a link in the inbox to a JSON file outside the exchange folder was converted and
/// the link archived; dangling links, links to folders, folders and FIFOs sat there forever.
#[cfg(unix)]
#[test]
fn links_folders_and_pipes_in_the_inbox_are_refused_with_their_reason() {
    use std::os::unix::fs::symlink;
    let wd = Workdir::new();
    init(&wd);
    let outside = wd.write("elsewhere/secret.json", webhook(&[("s", "+79160000009")]));
    symlink(&outside, wd.join("inbox/link.json")).unwrap();
    symlink(wd.join("nowhere.json"), wd.join("inbox/dangling.json")).unwrap();
    std::fs::create_dir(wd.join("inbox/folder.json")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(wd.join("inbox/pipe.json"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", "."]));
    assert_eq!(code, 1, "{stderr}");
    assert!(outbox_clients(&wd).is_empty(), "nothing outside was read");
    assert_eq!(wd.list("inbox"), vec![".bachata1c-work"]);
    let reason =
        |name: &str| String::from_utf8(wd.read(&format!("failed/{name}.reason.txt"))).unwrap();
    assert!(
        reason("link.json").contains("a symbolic link (to "),
        "{}",
        reason("link.json")
    );
    assert!(reason("link.json").contains("--follow-symlinks"));
    assert!(reason("dangling.json").contains("a symbolic link"));
    assert!(reason("folder.json").contains("a folder, not a regular file"));
    assert!(reason("pipe.json").contains("a named pipe (FIFO), not a regular file"));
    assert!(
        std::fs::read(&outside).is_ok(),
        "the link target is left alone"
    );
    assert!(stderr.contains("4 refused"), "{stderr}");

    // Allowed by option: a link to a file is taken, a dangling one still refused.
    symlink(&outside, wd.join("inbox/link2.json")).unwrap();
    symlink(wd.join("nowhere.json"), wd.join("inbox/dangling2.json")).unwrap();
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", ".", "--follow-symlinks"]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(outbox_clients(&wd).len(), 1, "{stderr}");
    assert!(
        reason("dangling2.json").contains("which cannot be read"),
        "{}",
        reason("dangling2.json")
    );
}

/// Issue 10: a file name with a newline or ESC was written raw into the log, able to forge a
/// line or drive the terminal.
#[cfg(unix)]
#[test]
fn control_characters_in_names_are_escaped_in_every_log_line() {
    let wd = Workdir::new();
    init(&wd);
    wd.write(
        "inbox/a\nbachata1c: forged.json",
        webhook(&[("a", "+79160000001")]),
    );
    wd.write("inbox/\u{1b}[31mred.json", "{broken");
    let (_, stderr) = run(&mut wd.bachata1c(&[
        "run",
        "--dir",
        ".",
        "--give-up-after",
        "0",
        "--log-file",
        "log.txt",
    ]));
    let log = String::from_utf8(wd.read("log.txt")).unwrap();
    for text in [&stderr, &log] {
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains(r"a\nbachata1c: forged.json"), "{text}");
        assert!(text.contains(r"\u{1b}[31mred.json"), "{text}");
        assert!(
            text.lines().all(|l| l.contains("bachata1c: ")),
            "every line is one of ours: {text}"
        );
    }
}

/// Issue 10: an empty or deleted ledger was silently made anew, and a webhook delivered again
/// was converted again. Now refused, loudly, unless `--new-ledger`, which remembers the archive.
#[test]
fn a_lost_ledger_is_refused_unless_a_new_one_is_asked_for_and_then_remembers_the_archive() {
    let wd = Workdir::new();
    init(&wd);
    let body = webhook(&[("a", "+79160000001")]);
    wd.write("inbox/first.json", &body);
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", "."]));
    assert_eq!(code, 0, "{stderr}");
    for lose in ["delete", "empty"] {
        match lose {
            "delete" => std::fs::remove_file(wd.join("state/ledger.sqlite")).unwrap(),
            _ => std::fs::write(wd.join("state/ledger.sqlite"), "").unwrap(),
        }
        wd.write("inbox/again.json", &body);
        let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", "."]));
        assert_eq!(code, 2, "{lose}: {stderr}");
        assert!(stderr.contains("the ledger is new or empty"), "{stderr}");
        assert!(stderr.contains("--new-ledger"), "{stderr}");
        assert_eq!(wd.list("inbox"), vec![".bachata1c-work", "again.json"]);
        assert_eq!(outbox_clients(&wd).len(), 1);
    }
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", ".", "--new-ledger"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("recorded the 1 input(s)"), "{stderr}");
    assert!(stderr.contains("same content as first.json"), "{stderr}");
    assert_eq!(
        outbox_clients(&wd).values().sum::<usize>(),
        1,
        "not doubled"
    );
}

/// Issue 10: `convert some.fifo` hung forever waiting for a writer.
#[cfg(unix)]
#[test]
fn convert_refuses_what_is_not_a_regular_file_instead_of_hanging() {
    let wd = Workdir::new();
    let made = std::process::Command::new("mkfifo")
        .arg(wd.join("hook.json"))
        .status()
        .unwrap();
    assert!(made.success());
    let (code, stderr) = run(&mut wd.bachata1c(&["convert", "hook.json", "--out", "out"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("hook.json: refused: "), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

/// A running `watch`, its stderr collected.
struct Watch {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Watch {
    fn start(wd: &Workdir, extra: &[&str]) -> Watch {
        let mut command = wd.bachata1c(&["watch", "--dir", "."]);
        command.args(extra).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let watch = Watch { child, log };
        watch.wait_for("watching");
        watch
    }

    fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits (up to a minute, far above what any step needs) for a log line containing `text`.
    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while !self.lines().iter().any(|l| l.contains(text)) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no line with {text:?}: {:?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Issue 10: `rm -rf inbox/.bachata1c-work`, or removing and recreating the inbox, while
/// `watch` ran: no file was ever taken again and nothing was logged.
#[test]
fn watch_makes_again_what_was_removed_under_it_says_so_and_keeps_taking_files() {
    let wd = Workdir::new();
    init(&wd);
    // The timer alone would take a minute: only events can take the files below in time.
    let watch = Watch::start(&wd, &["--rescan", "60"]);
    std::fs::remove_dir_all(wd.join("inbox/.bachata1c-work")).unwrap();
    wd.write("inbox/one.json", webhook(&[("one", "+79160000001")]));
    watch.wait_for("one.json: 1 client");
    assert!(
        watch
            .lines()
            .iter()
            .any(|l| l.contains("removed while bachata1c was running: created again")),
        "{:?}",
        watch.lines()
    );
    // The whole inbox removed and made anew: the new folder is watched.
    // `watch` may make its work folder again inside while the inbox is being removed (that is
    // what it is for): then the removal finds the folder not empty, and is tried again.
    let mut tries = 0;
    while let Err(err) = std::fs::remove_dir_all(wd.join("inbox")) {
        tries += 1;
        assert!(
            tries < 100 && err.kind() == std::io::ErrorKind::DirectoryNotEmpty,
            "{err}"
        );
    }
    // `watch` may have made it again already: that is the point of the test.
    std::fs::create_dir_all(wd.join("inbox")).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    wd.write("inbox/two.json", webhook(&[("two", "+79160000002")]));
    // The recreated inbox is seen at the latest on the next timer...
    watch.wait_for("two.json: 1 client");
    wd.write("inbox/three.json", webhook(&[("three", "+79160000003")]));
    // ...and from then on by its events again.
    watch.wait_for("three.json: 1 client");
    assert_eq!(outbox_clients(&wd).len(), 3);
}

/// Issue 10: with the outbox on a full disk, `watch` logged ~10,000 identical «No space left
/// on device … trying again in 30 s» lines in 3 s at 80 % CPU. One line per attempt, and the
/// wait it announces.
#[test]
fn watch_on_a_full_outbox_waits_between_attempts_as_it_says() {
    let wd = Workdir::new();
    init(&wd);
    let Some(_disk) = SmallDisk::mount(wd.join("outbox"), "64k") else {
        return;
    };
    std::fs::create_dir_all(wd.join("outbox")).unwrap();
    let watch = Watch::start(&wd, &[]);
    let mut filler = std::fs::File::create(wd.join("outbox/filler")).unwrap();
    while filler.write_all(&[0; 4096]).is_ok() {}
    drop(filler);
    let name = "я".repeat(20_000);
    wd.write(
        "inbox/big.json",
        format!(r#"{{"clients":[{{"clientId":"a","phone":"+79160000001","name":"{name}"}}]}}"#),
    );
    watch.wait_for("trying again in 1 s");
    std::thread::sleep(Duration::from_secs(4));
    let attempts = watch
        .lines()
        .iter()
        .filter(|l| l.contains("trying again in"))
        .count();
    // 1 + 2 + 4 s of waiting: at most three or four attempts in these seconds, not thousands.
    assert!(
        (1..=4).contains(&attempts),
        "{attempts}: {:?}",
        watch.lines()
    );
    assert!(
        watch
            .lines()
            .iter()
            .any(|l| l.contains("trying again in 2 s")),
        "{:?}",
        watch.lines()
    );
    // Room again: the file goes through and nothing was lost.
    std::fs::remove_file(wd.join("outbox/filler")).unwrap();
    watch.wait_for("big.json: 1 client");
}

/// Issue 10, part 4: a file that parses as a whole is taken at once, even while its writer
/// still touches it; only `--settle` waits for it to stand unchanged.
#[test]
fn a_complete_file_is_taken_at_once_and_settle_keeps_the_old_rule() {
    for settle in [None, Some("1")] {
        let wd = Workdir::new();
        init(&wd);
        let mut file = std::fs::File::create(wd.join("inbox/busy.json")).unwrap();
        file.write_all(webhook(&[("a", "+79160000001")]).as_bytes())
            .unwrap();
        // A writer that keeps the file changing (trailing whitespace) while the run looks.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writing = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let _ = file.write_all(b" ");
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        let mut args = vec!["run", "--dir", ".", "-v"];
        if let Some(secs) = settle {
            args.extend(["--settle", secs]);
        }
        let (code, stderr) = run(&mut wd.bachata1c(&args));
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        writing.join().unwrap();
        assert_eq!(code, 0, "{stderr}");
        match settle {
            None => assert_eq!(archived(&wd), vec!["busy.json"], "{stderr}"),
            Some(_) => {
                assert!(archived(&wd).is_empty(), "{stderr}");
                assert!(stderr.contains("still being written"), "{stderr}");
            }
        }
    }
}

/// A partly written file is not taken: it waits in the inbox until it is whole.
#[test]
fn a_partly_written_file_waits_until_it_is_whole() {
    let wd = Workdir::new();
    init(&wd);
    let body = webhook(&[("a", "+79160000001")]);
    wd.write("inbox/half.json", &body[..body.len() / 2]);
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", "."]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("not complete yet"), "{stderr}");
    assert_eq!(wd.list("inbox"), vec![".bachata1c-work", "half.json"]);
    wd.write("inbox/half.json", &body);
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", "."]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(archived(&wd), vec!["half.json"]);
    let mut text = String::new();
    // The dated folder (beside it, the hidden mark of the highest number given).
    let day = wd.list("archive").into_iter().find(|n| !n.starts_with('.'));
    std::fs::File::open(wd.join(&format!("archive/{}/half.json", day.unwrap())))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, body);
}
