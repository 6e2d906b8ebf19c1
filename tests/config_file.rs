//! The config file as an administrator writes it: Windows paths, which TOML's double quotes
//! mangle (issue 18, item 9), and how a config error is shown (item 11).
mod common;

use common::exchange::webhook;
use common::{Workdir, run};

/// Runs `args` with the config `text` in `cfg/bachata1c.toml`: (exit code, stderr).
fn with_config(text: &str, args: &[&str]) -> (Workdir, i32, String) {
    let wd = Workdir::new();
    wd.write("cfg/bachata1c.toml", text);
    let mut all = args.to_vec();
    all.extend(["--config", "cfg/bachata1c.toml"]);
    let (code, stderr) = run(&mut wd.bachata1c(&all));
    (wd, code, stderr)
}

/// Every entry under `dir`, as a path relative to it.
fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        found.push(
            path.strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
        if path.is_dir() {
            found.extend(
                entries(&path).into_iter().map(|below| {
                    format!("{}/{below}", path.file_name().unwrap().to_string_lossy())
                }),
            );
        }
    }
    found
}

/// `dir = "D:\temp\bachata"` is read by TOML as `D:<TAB>emp<BS>achata`, and `serve` made a folder
/// of that name: a path with a control character is refused, naming the key and both ways to
/// write the path, and nothing is created.
#[test]
fn a_windows_path_whose_escapes_toml_reads_as_control_characters_is_refused() {
    for command in ["run", "status", "leads", "watch"] {
        let (wd, code, stderr) =
            with_config("[folders]\ndir = \"D:\\temp\\bachata\"\n", &[command]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(
            stderr.contains("[folders] dir = \"D:\\temp\\bachata\""),
            "{command}: {stderr}"
        );
        assert!(
            stderr.contains("\\t as a tab, \\b as a backspace"),
            "{command}: {stderr}"
        );
        assert!(
            stderr.contains("dir = 'D:\\temp\\bachata'") && stderr.contains("D:/temp/bachata"),
            "{command}: {stderr}"
        );
        assert_eq!(
            entries(wd.path()),
            ["cfg", "cfg/bachata1c.toml"],
            "{command}"
        );
    }
    // Every path key is checked, in every section.
    for (text, key) in [
        (
            "[folders]\nstate = \"C:\\new\"\n",
            "[folders] state = \"C:\\new\"",
        ),
        (
            "[serve]\ntls_cert = \"C:\\certs\\root.pem\"\n",
            "[serve] tls_cert = \"C:\\certs\\root.pem\"",
        ),
        (
            "[site_exchange]\npassword_file = \"D:\\fichiers\\1c.txt\"\n",
            "[site_exchange] password_file = \"D:\\fichiers\\1c.txt\"",
        ),
    ] {
        let (_, code, stderr) = with_config(text, &["run", "."]);
        assert_eq!(code, 2, "{text}: {stderr}");
        assert!(stderr.contains(key), "{text}: {stderr}");
    }
}

/// `dir = "D:\Exchange\Bachata"` gave a parse error naming a TOML escape rule: it names the key
/// and the way to write the path instead.
#[test]
fn a_windows_path_toml_refuses_at_a_backslash_is_explained_with_its_key() {
    for (text, line, key, typed) in [
        (
            "[folders]\ndir = \"D:\\Exchange\\Bachata\"\n",
            2,
            "[folders] dir",
            "D:\\Exchange\\Bachata",
        ),
        // `\U` wants eight hex digits: TOML stops after the backslash.
        (
            "# config\n\n[folders]\ninbox = \"D:\\Users\\lead\\inbox\"  # webhooks\n",
            4,
            "[folders] inbox",
            "D:\\Users\\lead\\inbox",
        ),
        (
            "folders.archive = \"\\\\server\\Обмен\\archive\"\n",
            1,
            "[folders] archive",
            "\\\\server\\Обмен\\archive",
        ),
        (
            "[serve]\nlisten = \"127.0.0.1:8080\"\n[site_exchange]\npassword_file = \"C:\\1c\\pw.txt\"\n",
            4,
            "[site_exchange] password_file",
            "C:\\1c\\pw.txt",
        ),
    ] {
        let (_, code, stderr) = with_config(text, &["run", "."]);
        assert_eq!(code, 2, "{text}: {stderr}");
        let name = key.rsplit(' ').next().unwrap();
        for said in [
            format!("bachata1c: config cfg/bachata1c.toml: line {line}: {key} = \"{typed}\""),
            format!("{name} = '{typed}'"),
            format!("{name} = \"{}\"", typed.replace('\\', "/")),
        ] {
            assert!(stderr.contains(&said), "{said} not in:\n{stderr}");
        }
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // A path written either way is read as it is meant.
    for (written, meant) in [("'in\\box'", "in\\box"), ("\"in/box\"", "in/box")] {
        let (_, code, stderr) = with_config(
            &format!("[folders]\ndir = '..'\ninbox = {written}\n"),
            &["status"],
        );
        assert_eq!(code, 2, "{stderr}");
        let said = format!("cfg/../{meant}: no such inbox folder");
        assert!(stderr.contains(&said), "{said} not in:\n{stderr}");
    }
}

/// Config errors were printed as one line with a literal `\n`: TOML's message is drawn on
/// several lines (the line, a caret under the column), on stderr and in the log file.
#[test]
fn a_config_error_is_shown_on_several_lines_as_toml_draws_it() {
    let text = "[output]\nformat = \"xmll\"\n";
    let (wd, code, stderr) = with_config(text, &["run", "."]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!stderr.contains("\\n"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "bachata1c: config cfg/bachata1c.toml: TOML parse error at line 2, column 10",
            "  |",
            "2 | format = \"xmll\"",
            "  |          ^^^^^^",
        ],
        "{stderr}"
    );
    assert!(lines[4].contains("unknown variant `xmll`"), "{stderr}");
    // A scheduled run's log gets the same lines, each with its time.
    let (code, _) = run(&mut wd.bachata1c(&[
        "run",
        ".",
        "-q",
        "--log-file",
        "run.log",
        "--config",
        "cfg/bachata1c.toml",
    ]));
    assert_eq!(code, 2);
    let log = String::from_utf8(wd.read("run.log")).unwrap();
    let logged: Vec<&str> = log.lines().collect();
    assert_eq!(logged.len(), lines.len(), "{log}");
    for (logged, said) in logged.iter().zip(&lines) {
        let (time, rest) = logged.split_at(20);
        assert!(time.starts_with("20") && time.ends_with(' '), "{logged}");
        assert_eq!(rest, *said);
    }
    // `serve` says it the same way (before it binds anything).
    let (_, code, stderr) = with_config(text, &["serve", ".", "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.lines().count() >= 5 && !stderr.contains("\\n"),
        "{stderr}"
    );
}

/// `init` writes paths in single quotes (TOML literal strings), so that a Windows path typed
/// over the example stays what it says; the file reads back to the same folders.
#[test]
fn init_writes_paths_in_single_quotes_and_they_read_back() {
    let wd = Workdir::new();
    // A folder name with a backslash in it (allowed on Linux), as a Windows path has.
    let dir = "ex\\temp";
    let (code, stderr) = run(&mut wd.bachata1c(&["init", dir, "--config", "cfg/bachata1c.toml"]));
    assert_eq!(code, 0, "{stderr}");
    let config = String::from_utf8(wd.read("cfg/bachata1c.toml")).unwrap();
    let absolute = wd.join(dir);
    assert!(
        config.contains(&format!("\ndir = '{}'\n", absolute.display())),
        "{config}"
    );
    for key in [
        "inbox",
        "outbox",
        "archive",
        "failed",
        "state",
        "password_file",
        "tls_cert",
        "tls_key",
    ] {
        let line = config
            .lines()
            .find(|line| line.starts_with(&format!("# {key} = ")))
            .unwrap_or_else(|| panic!("no {key} in:\n{config}"));
        let value = line.split(" = ").nth(1).unwrap();
        assert!(value.starts_with('\''), "{line}");
    }
    wd.write(
        &format!("{dir}/inbox/a.json"),
        webhook(&[("a1", "+79160000001")]),
    );
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--config", "cfg/bachata1c.toml"]));
    assert_eq!(code, 0, "{stderr}");
    let outputs = wd.list(&format!("{dir}/outbox"));
    assert_eq!(
        outputs.iter().filter(|name| name.ends_with(".csv")).count(),
        1,
        "{outputs:?}"
    );
}

/// Issue 18 (item 16): docs/configuration.md gave the config's folder as the default of
/// `[folders] dir`, but a config without it names no exchange folder: `--config FILE` alone is
/// refused, and `DIR` (or `--dir`) names it. The page says so.
#[test]
fn the_configuration_page_gives_the_default_of_folders_dir_that_holds() {
    let (wd, code, stderr) = with_config("[output]\nformat = \"xml\"\n", &["run"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no inbox folder"), "{stderr}");
    wd.write("cfg/inbox/a.json", webhook(&[("a1", "+79160000001")]));
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "cfg"]));
    assert_eq!(code, 0, "DIR names the exchange folder: {stderr}");
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .unwrap();
    let row = page
        .lines()
        .find(|line| line.starts_with("| `dir` |"))
        .expect("the row of [folders] dir");
    let default = row.split(" | ").nth(2).unwrap();
    assert!(
        default.starts_with("not set") && default.contains("`DIR` or `--dir`"),
        "{row}"
    );
}
