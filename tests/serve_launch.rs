//! What `serve` checks before it takes its port, and what it says when it cannot start: the
//! friction a newcomer met (issue 18, items 10, 12, 13 and 16's messages). The real binary;
//! every port here is one the system picked, or one this test holds itself.
mod common;

use std::net::TcpListener;
use std::process::Command;

use common::Workdir;
use common::server::Server;

/// Runs a command that must not start: (exit code, stderr). A `serve` that starts listening
/// instead is stopped and the test fails, rather than waiting for it forever.
fn run(command: &mut Command) -> (i32, String) {
    use std::io::BufRead;
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run bachata1c");
    let mut stderr = Vec::new();
    for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.starts_with("bachata1c: listening on") {
            let _ = child.kill();
            let _ = child.wait();
            panic!("it started: {}\n{line}", stderr.join("\n"));
        }
        stderr.push(line);
    }
    let code = child.wait().unwrap().code().expect("exit code");
    (code, stderr.join("\n"))
}

/// A port this test holds, as another program (or another `serve`) would.
fn held_port() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").unwrap()
}

fn init(work: &Workdir, dir: &str) {
    let (code, stderr) = run(&mut work.bachata1c(&["init", dir]));
    assert_eq!(code, 0, "{stderr}");
}

/// Issue 18.10: `make test` failed while something held 127.0.0.1:8080, because `serve`
/// took the port before it looked at its TLS files, so a test of a bad certificate met «address
/// in use» instead. Now every setting, file and folder is checked before the port is taken:
/// with the port held, each of these still names its own problem.
#[test]
fn settings_files_and_folders_are_checked_before_the_port_is_taken() {
    let work = Workdir::new();
    init(&work, "exchange");
    let held = held_port();
    let address = held.local_addr().unwrap().to_string();
    let cases: [(&[&str], &str); 3] = [
        (
            &["--tls-cert", "none.pem", "--tls-key", "none.key"],
            "none.pem",
        ),
        (
            &["--dir", "exchnage"],
            "exchnage/inbox: no such inbox folder",
        ),
        (
            &["--user", "a", "--password-env", "BACHATA1C_UNSET"],
            "BACHATA1C_UNSET",
        ),
    ];
    for (args, expected) in cases {
        let mut command = work.bachata1c(&["serve", "--listen", &address]);
        if !args.contains(&"--dir") {
            command.arg("exchange");
        }
        let (code, stderr) = run(command.args(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("cannot listen"), "{args:?}: {stderr}");
    }
}

/// Issue 18.16: a port in use said only «Address already in use»: now what to do about it.
#[test]
fn a_port_in_use_says_another_serve_may_hold_it_and_how_to_choose_another() {
    let work = Workdir::new();
    init(&work, "exchange");
    let held = held_port();
    let address = held.local_addr().unwrap().to_string();
    let (code, stderr) = run(&mut work.bachata1c(&["serve", "exchange", "--listen", &address]));
    assert_eq!(code, 2, "{stderr}");
    let listen = format!("cannot listen on {address}");
    for part in [
        &listen,
        "another bachata1c serve",
        "--listen ([serve] listen)",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
}

/// Issue 18.16: an unset password variable said «environment variable not found»: a service
/// does not inherit the shell's variables, and the option takes a variable's name; a password
/// typed in the name's place is not repeated into the log.
#[test]
fn an_unset_password_variable_says_a_service_does_not_inherit_it() {
    let work = Workdir::new();
    init(&work, "exchange");
    let (code, stderr) = run(&mut work.bachata1c(&[
        "serve",
        "exchange",
        "--user",
        "bachata",
        "--password-env",
        "BACHATA1C_PASSWORD",
    ]));
    assert_eq!(code, 2, "{stderr}");
    for part in [
        "BACHATA1C_PASSWORD (--password-env) is not set",
        "does not inherit the variables of your shell",
        "Environment=",
        "--password-env takes the variable's name",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    let (code, stderr) = run(&mut work.bachata1c(&[
        "serve",
        "exchange",
        "--user",
        "bachata",
        "--password-env",
        "s3cret pass!",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("takes the name of an environment variable"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("s3cret"),
        "the password is repeated: {stderr}"
    );
    // The same from the config file names its key.
    work.write(
        "exchange/bachata1c.toml",
        "[site_exchange]\nuser = \"1c\"\npassword_env = \"BACHATA1C_1C_PASSWORD\"\n",
    );
    let (code, stderr) = run(&mut work.bachata1c(&["serve", "exchange"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("BACHATA1C_1C_PASSWORD ([site_exchange] password_env) is not set"),
        "{stderr}"
    );
}

/// Issue 18.12: `serve` given a mistyped folder made a new exchange folder there, while `run`
/// and `watch` refused it. Now all three refuse, with the same words, pointing to `init`, and
/// nothing is created.
#[test]
fn serve_refuses_a_mistyped_folder_as_run_and_watch_do() {
    let work = Workdir::new();
    init(&work, "exchange");
    let commands: [&[&str]; 3] = [
        &["serve", "exchnage", "--listen", "127.0.0.1:0"],
        &["run", "exchnage"],
        &["watch", "exchnage"],
    ];
    for command in commands {
        let (code, stderr) = run(&mut work.bachata1c(command));
        assert_eq!(code, 2, "{command:?}: {stderr}");
        assert!(
            stderr.contains("exchnage/inbox: no such inbox folder;")
                && stderr.contains("there is no folder exchnage: check the path")
                && stderr.contains("`bachata1c init"),
            "{command:?}: {stderr}"
        );
        assert!(
            !work.join("exchnage").exists(),
            "{command:?} made the folder"
        );
    }
    // Only the inbox is required: failed/ is made again when it is gone (as run does).
    std::fs::remove_dir(work.join("exchange/failed")).unwrap();
    let server = Server::start(&work, &["exchange"]);
    assert!(work.join("exchange/failed").is_dir());
    drop(server);
}

/// Issue 17.10: `serve` answered 1C with nothing queued, silently, when nothing converted the
/// inbox. Now it says so at start; with --convert it does not.
#[test]
fn serve_says_when_1c_exchange_is_on_but_nothing_fills_its_queue() {
    let work = Workdir::new();
    init(&work, "exchange");
    let login = [
        "--user",
        "bachata",
        "--password-env",
        "BACHATA1C_TEST_PASSWORD",
    ];
    let warning = "nothing in this process converts the inbox";
    let mut args = vec!["exchange"];
    args.extend(login);
    let (_, log) = Server::start(&work, &args).stop();
    assert!(log.iter().any(|line| line.contains(warning)), "{log:?}");
    args.push("--convert");
    let (_, log) = Server::start(&work, &args).stop();
    assert!(!log.iter().any(|line| line.contains(warning)), "{log:?}");
}

/// A command that runs the binary as a user who does not own the exchange folder: root here
/// drops to `nobody` with setpriv (root may write anything); another user is that user already,
/// and the folders are made read-only for it. `None` (recorded as skipped) when neither works.
#[cfg(unix)]
fn as_another_user(work: &Workdir, args: &[&str]) -> Option<(Command, String)> {
    use std::os::unix::fs::PermissionsExt;
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    let binary = work.bachata1c(&[]).get_program().to_owned();
    if !is_root {
        for part in ["inbox", "failed", "state", "outbox", "archive"] {
            let path = work.join(&format!("exchange/{part}"));
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        let user = String::from_utf8_lossy(&Command::new("id").arg("-un").output().ok()?.stdout)
            .trim()
            .to_string();
        let mut command = work.bachata1c(args);
        command.current_dir(work.path());
        return Some((command, user));
    }
    if !common::have_tool("setpriv", "Debian package util-linux") {
        return None;
    }
    // nobody must reach the binary and the work folder (a temporary folder is 0700).
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .arg(binary)
        .args(args)
        .current_dir(work.path())
        .env("BACHATA1C_TEST_PASSWORD", common::server::PASSWORD);
    for (key, _) in std::env::vars() {
        if key.starts_with("BACHATA1C_") {
            command.env_remove(key);
        }
    }
    Some((command, "nobody".to_string()))
}

/// Issue 18.13: folders made by `init` as root and a service run as its own user stopped on a
/// bare «Permission denied» on a hidden folder (`inbox/.bachata1c-work/…`), and systemd
/// restarted it every 10 s. Now `run`, `watch`, `serve` and `serve --convert` name the folder,
/// the user they run as and `init --owner`, before anything is taken (serve: before its port).
/// (Windows has no owner to give: its message names icacls, checked in src/files/access.rs.)
#[cfg(unix)]
#[test]
fn a_folder_the_service_user_cannot_write_is_named_with_the_user_and_init_owner() {
    let work = Workdir::new();
    init(&work, "exchange");
    work.write(
        "exchange/inbox/hook.json",
        common::exchange::webhook(&[("c1", "+79160000001")]),
    );
    let login = "--user=bachata";
    let variable = "--password-env=BACHATA1C_TEST_PASSWORD";
    let listen = "--listen=127.0.0.1:0";
    let commands: [&[&str]; 4] = [
        &["run", "exchange"],
        &["watch", "exchange"],
        &["serve", "exchange", listen, login, variable],
        &["serve", "exchange", listen, login, variable, "--convert"],
    ];
    for args in commands {
        let Some((mut command, user)) = as_another_user(&work, args) else {
            return;
        };
        let (code, stderr) = run(&mut command);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        for part in [
            "the inbox folder exchange/inbox cannot be written by the user",
            &format!("by the user {user}, which bachata1c runs as"),
            &format!("bachata1c init exchange --owner {user}:GROUP"),
        ] {
            assert!(stderr.contains(part), "{args:?}: {part}: {stderr}");
        }
        assert!(!stderr.contains("listening on"), "{args:?}: {stderr}");
    }
    // Nothing was taken.
    assert_eq!(
        work.list("exchange/inbox"),
        [".bachata1c-work", "hook.json"]
    );
    for part in ["inbox", "failed", "state", "outbox", "archive"] {
        use std::os::unix::fs::PermissionsExt;
        let writable = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(work.join(&format!("exchange/{part}")), writable).unwrap();
    }
}

/// Issue 18.13, under systemd: a unit with ProtectSystem=strict sees every folder outside its
/// ReadWritePaths= read-only. The message says so instead of «Read-only file system» alone.
#[cfg(target_os = "linux")]
#[test]
fn a_read_only_file_system_names_systemds_read_write_paths() {
    let work = Workdir::new();
    let Some(_disk) = common::SmallDisk::mount(work.join("disk"), "1m") else {
        return;
    };
    init(&work, "disk/exchange");
    let remounted = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(work.join("disk"))
        .status()
        .is_ok_and(|status| status.success());
    assert!(remounted, "a tmpfs we mounted can be remounted read-only");
    for args in [
        &["run", "disk/exchange"][..],
        &["serve", "disk/exchange", "--listen", "127.0.0.1:0"][..],
    ] {
        let (code, stderr) = run(&mut work.bachata1c(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("the inbox folder disk/exchange/inbox is on a read-only file system")
                && stderr.contains("ReadWritePaths="),
            "{args:?}: {stderr}"
        );
    }
}
