//! The parts of the exchange folder must be apart: the same folder for two parts, or a part
//! inside the outbox or the archive, is a usage error naming both folders, their options and
//! their config keys, found however the paths are written. Nothing is taken or created then.
mod common;

use common::exchange::webhook;
use common::{Workdir, run};

/// An exchange folder `ex` with one webhook waiting in its inbox.
fn exchange() -> Workdir {
    let wd = Workdir::new();
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    wd.write("ex/inbox/a.json", webhook(&[("a1", "+79160000001")]));
    wd
}

fn refused(wd: &Workdir, args: &[&str]) -> String {
    let (code, stderr) = run(&mut wd.bachata1c(args));
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert_eq!(
        wd.list("ex/inbox"),
        [".bachata1c-work", "a.json"],
        "{args:?}"
    );
    assert!(wd.list("ex/archive").is_empty(), "{args:?}");
    stderr
}

#[test]
fn a_part_given_the_inbox_is_refused_naming_both_folders_options_and_keys() {
    let wd = exchange();
    // Issue 14's: refused inputs would be put back into the inbox and refused forever.
    let stderr = refused(
        &wd,
        &[
            "run",
            "--dir",
            "ex",
            "--failed",
            "ex/inbox",
            "--give-up-after",
            "0",
        ],
    );
    for named in [
        "inbox folder ex/inbox (--inbox, [folders] inbox)",
        "the same as the failed folder ex/inbox (--failed, [folders] failed)",
        "taken again",
    ] {
        assert!(stderr.contains(named), "{named}: {stderr}");
    }
    for part in ["--outbox", "--archive", "--state"] {
        let stderr = refused(&wd, &["run", "ex", part, "ex/inbox"]);
        assert!(
            stderr.contains(&format!("({part}, [folders] {})", &part[2..])),
            "{stderr}"
        );
    }
}

#[test]
fn the_same_folder_is_found_through_dots_links_and_the_config() {
    let wd = exchange();
    let stderr = refused(&wd, &["run", "ex", "--failed", "ex/outbox/../inbox/"]);
    assert!(stderr.contains("--failed, [folders] failed"), "{stderr}");

    wd.write("ex/bachata1c.toml", "[folders]\noutbox = \"./archive\"\n");
    let stderr = refused(&wd, &["run", "ex"]);
    assert!(
        stderr.contains("outbox folder ex/./archive (--outbox, [folders] outbox)")
            && stderr.contains("archive folder ex/archive"),
        "{stderr}"
    );
    std::fs::remove_file(wd.join("ex/bachata1c.toml")).unwrap();

    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(wd.join("ex/inbox"), wd.join("elsewhere")).unwrap();
        let stderr = refused(&wd, &["run", "ex", "--archive", "elsewhere"]);
        assert!(stderr.contains("archive folder elsewhere"), "{stderr}");
    }
}

#[test]
fn nothing_may_lie_inside_the_outbox_or_the_archive() {
    let wd = exchange();
    // The ledger where 1C's user can read and delete it.
    wd.write("ex/bachata1c.toml", "[folders]\nstate = \"outbox/state\"\n");
    let stderr = refused(&wd, &["run", "ex"]);
    assert!(
        stderr.contains("state folder ex/outbox/state (--state, [folders] state) is inside the outbox folder ex/outbox"),
        "{stderr}"
    );
    std::fs::remove_file(wd.join("ex/bachata1c.toml")).unwrap();
    // Waiting webhooks where they count as archived ones.
    let stderr = refused(&wd, &["watch", "ex", "--failed", "ex/archive/failed"]);
    assert!(stderr.contains("inside the archive folder"), "{stderr}");
    // serve too, with only the folders it was given.
    let (code, stderr) = run(&mut wd.bachata1c(&["serve", "--inbox", "in", "--failed", "./in"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--failed, [folders] failed"), "{stderr}");
    // init creates nothing for such a layout.
    let fresh = Workdir::new();
    fresh.write(
        "overlap.toml",
        "[folders]\ndir = \"ex\"\nfailed = \"inbox\"\n",
    );
    let (code, stderr) = run(&mut fresh.bachata1c(&["init", "--config", "overlap.toml"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is the same as the failed folder"),
        "{stderr}"
    );
    assert!(!fresh.join("ex").exists(), "{:?}", fresh.list("ex"));
}

#[test]
fn a_part_inside_the_inbox_or_failed_is_fine_as_only_their_top_level_is_read() {
    let wd = exchange();
    wd.write("ex/inbox/bad.json", "{ not json");
    let (code, stderr) = run(&mut wd.bachata1c(&[
        "run",
        "ex",
        "--failed",
        "ex/inbox/failed",
        "--outbox",
        "ex/inbox/outbox",
        "--give-up-after",
        "0",
    ]));
    assert_eq!(code, 1, "the bad input is refused: {stderr}");
    assert!(wd.join("ex/inbox/failed/bad.json").is_file());
    assert_eq!(
        wd.list("ex/inbox/outbox")
            .iter()
            .filter(|name| name.ends_with(".csv"))
            .count(),
        1
    );
    // A second run takes nothing from the nested folders.
    let (code, stderr) = run(&mut wd.bachata1c(&[
        "run",
        "ex",
        "--failed",
        "ex/inbox/failed",
        "--outbox",
        "ex/inbox/outbox",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("0 files taken"), "{stderr}");
}
