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
        text.contains(&format!("\ndir = \"{absolute}\"\n")),
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
    assert!(text.contains("\ndir = \".\"\n"), "{text}");
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
