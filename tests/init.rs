//! `bachata1c init`: the folders, the config it writes (where it is told, every key at its
//! default), and who owns what it makes.
mod common;

use common::exchange::webhook;
use common::{Workdir, run};

/// The config text with every key line at its default uncommented (the «not set by default»
/// examples stay comments).
fn defaults_uncommented(text: &str) -> String {
    text.lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(setting)
                if setting.contains(" = ")
                    && setting.starts_with(|c: char| c.is_ascii_lowercase())
                    && !line.contains("not set by default") =>
            {
                setting.split("  #").next().unwrap_or(setting).to_string()
            }
            _ => line.to_string(),
        })
        .map(|line| line + "\n")
        .collect()
}

#[test]
fn init_config_file_writes_the_config_there_naming_the_folder() {
    let wd = Workdir::new();
    let (code, stderr) =
        run(&mut wd.bachata1c(&["init", "ex", "--config", "etc/bachata1c/b.toml"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("etc/bachata1c/b.toml: written"), "{stderr}");
    assert!(!wd.join("ex/bachata1c.toml").exists());
    let text = String::from_utf8(wd.read("etc/bachata1c/b.toml")).unwrap();
    let absolute = wd.join("ex").display().to_string();
    assert!(
        text.contains(&format!("\ndir = '{absolute}'\n")),
        "[folders] dir names the exchange folder:\n{text}"
    );
    // The config alone is enough for every command.
    wd.write("ex/inbox/a.json", webhook(&[("a1", "+79160000001")]));
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--config", "etc/bachata1c/b.toml"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("1 converted"), "{stderr}");

    // Beside the folder, the config names it as `.`; again, it is left as the admin made it.
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex2"]));
    assert_eq!(code, 0, "{stderr}");
    let text = String::from_utf8(wd.read("ex2/bachata1c.toml")).unwrap();
    assert!(text.contains("\ndir = '.'\n"), "{text}");
    wd.write("ex2/bachata1c.toml", "[output]\nformat = \"xml\"\n");
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex2"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("exists, left as it is"), "{stderr}");
    assert_eq!(
        wd.read("ex2/bachata1c.toml"),
        b"[output]\nformat = \"xml\"\n"
    );
}

#[test]
fn the_written_config_shows_every_section_and_its_defaults_change_nothing() {
    let wd = Workdir::new();
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    let text = String::from_utf8(wd.read("ex/bachata1c.toml")).unwrap();
    for needle in [
        "[folders]",
        "[output]",
        "[rules]",
        "[limits]",
        "[watch]",
        "[serve]",
        "[site_exchange]",
        "[mapping]",
        "[mapping.csv]",
        "[mapping.commerceml]",
        "[mapping.enterprisedata]",
        "# cml_version = \"2.10\"",
        "# max_input_size = \"16MiB\"",
        "# body_limit = \"1MiB\"",
        "xlsx",
        "enterprisedata",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    // Uncommented, the defaults give the very same files as no config, in every format.
    wd.write("ex/bachata1c.toml", defaults_uncommented(&text));
    for input in ["dialog-2026-11-26-sales.json", "note-example.json"] {
        wd.fixture(&format!("inbox/{input}"), &format!("in/{input}"));
    }
    for format in ["csv", "xml", "commerceml", "enterprisedata", "xlsx"] {
        let with = format!("with-{format}");
        let without = format!("without-{format}");
        let args = ["convert", "in", "--format", format, "--out"];
        let mut configured = args.to_vec();
        configured.extend([with.as_str(), "--config", "ex/bachata1c.toml"]);
        let (code, stderr) = run(&mut wd.bachata1c(&configured));
        assert_eq!(code, 0, "{stderr}");
        let mut plain = args.to_vec();
        plain.push(without.as_str());
        let (code, stderr) = run(&mut wd.bachata1c(&plain));
        assert_eq!(code, 0, "{stderr}");
        let names = wd.list(&with);
        assert_eq!(names, wd.list(&without));
        assert!(!names.is_empty());
        for name in names {
            assert_eq!(
                wd.read(&format!("{with}/{name}")),
                wd.read(&format!("{without}/{name}")),
                "{format}: {name}"
            );
        }
    }
}

/// The output of a system command, trimmed.
#[cfg(unix)]
fn system(program: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(output.status.success(), "{program} {args:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[cfg(unix)]
fn owner_of(path: &std::path::Path) -> (u32, u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).unwrap();
    (meta.uid(), meta.gid(), meta.mode() & 0o7777)
}

#[test]
fn an_unknown_owner_is_a_clear_error_and_nothing_is_made() {
    let wd = Workdir::new();
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex", "--owner", "no-such-user-1c"]));
    assert_eq!(code, 2, "{stderr}");
    if cfg!(unix) {
        assert!(
            stderr.contains("there is no user \"no-such-user-1c\" on this system"),
            "{stderr}"
        );
    } else {
        assert!(stderr.contains("icacls"), "{stderr}");
    }
    assert!(!wd.join("ex").exists());
    #[cfg(unix)]
    {
        let me = system("id", &["-un"]);
        let spec = format!("{me}:no-such-group-1c");
        let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex", "--owner", &spec]));
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("there is no group \"no-such-group-1c\""),
            "{stderr}"
        );
        assert!(!wd.join("ex").exists());
    }
}

/// Whoever runs the tests can give the folders to themselves, which is what `--owner` does
/// for any user when run as root.
#[cfg(unix)]
#[test]
fn owner_gives_the_folders_and_config_to_the_user_and_the_outbox_to_the_group() {
    let wd = Workdir::new();
    let (uid, gid) = (system("id", &["-u"]), system("id", &["-g"]));
    let (uid, gid): (u32, u32) = (uid.parse().unwrap(), gid.parse().unwrap());
    let spec = format!("{}:{}", system("id", &["-un"]), system("id", &["-gn"]));
    wd.write("ex/state/ledger.sqlite", "made earlier by someone else");
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex", "--owner", &spec]));
    assert_eq!(code, 0, "{stderr}");
    for path in [
        "ex/inbox",
        "ex/inbox/.bachata1c-work",
        "ex/archive",
        "ex/failed",
        "ex/state",
        "ex/state/ledger.sqlite",
        "ex/bachata1c.toml",
    ] {
        let (owner, group, _) = owner_of(&wd.join(path));
        assert_eq!((owner, group), (uid, gid), "{path}");
    }
    for outbox in ["ex/outbox", "ex/outbox/.bachata1c-tmp"] {
        let (owner, group, mode) = owner_of(&wd.join(outbox));
        assert_eq!((owner, group), (uid, gid), "{outbox}");
        assert_eq!(
            mode, 0o2775,
            "{outbox}: the group reads, writes, and keeps new files"
        );
    }
    assert!(
        stderr.contains("next: run the service as ") && stderr.contains("usermod -aG"),
        "next steps: {stderr}"
    );
    assert!(!stderr.contains("warning"), "{stderr}");
}

/// As root (a container, CI), for real: folders given to `nobody` are ones a service running
/// as `nobody` can use, and without --owner the warning says why it could not.
#[cfg(unix)]
#[test]
#[allow(
    clippy::print_stderr,
    reason = "says in the test's output why nothing was tried"
)]
fn as_root_the_folders_go_to_the_service_user_and_it_can_run_there() {
    if system("id", &["-u"]) != "0" {
        eprintln!("not root: giving folders to another user cannot be tried here");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let wd = Workdir::new();
    // The temporary folder is root's alone; the service user must reach into it.
    std::fs::set_permissions(wd.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let nobody: u32 = system("id", &["-u", "nobody"]).parse().unwrap();
    let group = system("id", &["-gn", "nobody"]);
    let gid: u32 = system("id", &["-g", "nobody"]).parse().unwrap();

    let (code, stderr) = run(&mut wd.bachata1c(&["init", "root-owned"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: run as root, the folders belong to root")
            && stderr.contains("bachata1c init root-owned --owner USER:GROUP"),
        "{stderr}"
    );

    let spec = format!("nobody:{group}");
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex", "--owner", &spec]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    for path in ["ex", "ex/state", "ex/outbox", "ex/bachata1c.toml"] {
        let (owner, owner_group, _) = owner_of(&wd.join(path));
        assert_eq!((owner, owner_group), (nobody, gid), "{path}");
    }

    wd.write("ex/inbox/a.json", webhook(&[("a1", "+79160000001")]));
    let as_nobody = |dir: &str| {
        let binary = assert_cmd::cargo::cargo_bin("bachata1c");
        let mut command = std::process::Command::new("setpriv");
        command
            .arg(format!("--reuid={nobody}"))
            .arg(format!("--regid={gid}"))
            .args(["--clear-groups", "--"])
            .arg(binary)
            .args(["run", dir])
            .current_dir(wd.path());
        run(&mut command)
    };
    let (code, stderr) = as_nobody("ex");
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("1 converted"), "{stderr}");
    // What the warning is about: root's folders refuse the service user.
    wd.write(
        "root-owned/inbox/a.json",
        webhook(&[("a1", "+79160000001")]),
    );
    let (code, stderr) = as_nobody("root-owned");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot be written by the user nobody")
            && stderr.contains("bachata1c init root-owned --owner nobody:GROUP"),
        "{stderr}"
    );
}

/// docs/configuration.md shows the whole file `init` writes: it must be that file, byte for
/// byte, or the page misleads whoever reads it instead of the file.
#[test]
fn the_configuration_page_shows_the_file_init_writes() {
    let wd = Workdir::new();
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    let written = String::from_utf8(wd.read("ex/bachata1c.toml")).unwrap();
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .unwrap();
    let shown = page
        .split_once("```toml\n")
        .and_then(|(_, rest)| rest.rsplit_once("```"))
        .map(|(block, _)| block)
        .expect("a toml block in docs/configuration.md");
    assert_eq!(shown, written);
}
