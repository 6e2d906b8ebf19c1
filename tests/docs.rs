//! The documents a dealer's administrator reads: every relative link and anchor leads somewhere,
//! every TOML example is a config bachata1c reads (Windows paths written as the config needs
//! them), the minimum Rust version is the one Cargo.toml declares and the dependencies need, and
//! the 1C guide's config is the one the shipped service reads.
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bachata1c::config::Config;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The pages checked: docs/, both READMEs and the processings' README.
fn pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages.extend(["README.md", "README.ru.md", "1c/README.md"].map(|p| root().join(p)));
    pages
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn shown(path: &Path) -> String {
    path.strip_prefix(root()).unwrap().display().to_string()
}

/// The text outside fenced code blocks, line by line (a fenced line becomes empty, so that line
/// numbers stay).
fn prose(text: &str) -> Vec<String> {
    let mut fenced = false;
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return String::new();
            }
            if fenced {
                String::new()
            } else {
                line.to_string()
            }
        })
        .collect()
}

/// The fenced blocks of one language: (line of the fence, text without the fence's indent).
fn blocks(text: &str, language: &str) -> Vec<(usize, String)> {
    let fence = format!("```{language}");
    let mut found = Vec::new();
    let mut current: Option<(usize, usize, String)> = None;
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed == fence => {
                current = Some((number + 1, line.len() - trimmed.len(), String::new()))
            }
            Some(_) if trimmed.starts_with("```") => {
                found.extend(current.take().map(|(line, _, block)| (line, block)))
            }
            Some((_, indent, block)) => {
                // A block inside a list item is indented as the item.
                let spaces = line.len() - trimmed.len();
                block.push_str(&line[spaces.min(*indent)..]);
                block.push('\n');
            }
            None => {}
        }
    }
    found
}

/// A heading's anchor as GitHub makes it: lower case, every character that is not a letter, a
/// digit, `-`, `_` or a space dropped, spaces made `-`.
fn slug(heading: &str) -> String {
    let links = regex::Regex::new(r"\[([^\]]*)\]\([^)]*\)").unwrap();
    links
        .replace_all(heading, "$1")
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a page: its headings' (a repeated one gets `-1`, `-2`…) and `<a id>`s.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for line in prose(text) {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(line[hashes..].trim().trim_end_matches('#'));
        let n = seen.entry(base.clone()).or_insert(0);
        found.insert(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    let explicit = regex::Regex::new(r#"<a\s+(?:id|name)="([^"]+)""#).unwrap();
    found.extend(explicit.captures_iter(text).map(|c| c[1].to_string()));
    found
}

/// Issue 18 (item 16): links in docs/1c-site-exchange.md and docs/install.md led nowhere (an
/// anchor README.md never had; a README section named in words that does not exist). Every
/// relative link of every page must reach a file or folder, and its anchor a heading there.
#[test]
fn every_relative_link_and_anchor_resolves() {
    let code = regex::Regex::new(r"`[^`]*`").unwrap();
    let link = regex::Regex::new(r#"\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)"#).unwrap();
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = read(&page);
        for (number, line) in prose(&text).iter().enumerate() {
            // A link's text may be code; code elsewhere holds no links.
            let line = code.replace_all(line, "x");
            for target in link.captures_iter(&line).map(|c| c[1].to_string()) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
                let path = if file.is_empty() {
                    page.clone()
                } else {
                    page.parent().unwrap().join(file)
                };
                let place = format!("{}:{}: {target}", shown(&page), number + 1);
                if !path.exists() {
                    broken.push(format!("{place}: no such file"));
                } else if !anchor.is_empty() && !anchors(&read(&path)).contains(anchor) {
                    broken.push(format!("{place}: no such heading"));
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} links found: is the pattern right?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_are_made_as_github_makes_them() {
    assert_eq!(
        slug("Receiving the webhook, converting and answering 1C: `serve` behind nginx"),
        "receiving-the-webhook-converting-and-answering-1c-serve-behind-nginx"
    );
    assert_eq!(slug("Быстрый старт"), "быстрый-старт");
    assert_eq!(slug("2. Подготовка bachata1c"), "2-подготовка-bachata1c");
    let twice = anchors("# A\n## Notes\n```\n# not a heading\n```\n### Notes\n");
    assert_eq!(twice, ["a", "notes", "notes-1"].map(String::from).into());
}

/// A Windows path in double quotes is what TOML mangles (issue 18, item 9): `"D:\temp"`.
fn double_quoted_windows_path(text: &str) -> Option<String> {
    let pattern = regex::Regex::new(r#""(?:[A-Za-z]:\\|\\\\)[^"]*""#).unwrap();
    pattern.find(text).map(|m| m.as_str().to_string())
}

/// Every TOML example in the docs is a config bachata1c reads, and none writes a Windows path
/// in double quotes, in a block or in a line of prose (`dir = "D:\…"`).
#[test]
fn toml_examples_read_as_configs_and_write_windows_paths_as_toml_needs() {
    let inline = regex::Regex::new(r#"`[a-z_.]+ = ("[^`]*")`"#).unwrap();
    let mut examples = 0;
    for page in pages() {
        let text = read(&page);
        for (line, block) in blocks(&text, "toml") {
            examples += 1;
            let place = format!("{}:{line}", shown(&page));
            if let Err(err) = Config::parse(&block) {
                panic!("{place}: the example is not a config bachata1c reads:\n{err}");
            }
            if let Some(path) = double_quoted_windows_path(&block) {
                panic!("{place}: {path}: write a Windows path in single quotes");
            }
        }
        for (number, line) in prose(&text).iter().enumerate() {
            for value in inline.captures_iter(line) {
                if let Some(path) = double_quoted_windows_path(&value[1]) {
                    panic!(
                        "{}:{}: {path}: write a Windows path in single quotes",
                        shown(&page),
                        number + 1
                    );
                }
            }
        }
    }
    assert!(examples >= 5, "{examples} TOML examples found");
    assert_eq!(
        double_quoted_windows_path(r#"dir = "D:\Exchange\Bachata""#).as_deref(),
        Some(r#""D:\Exchange\Bachata""#)
    );
    assert_eq!(
        double_quoted_windows_path(r#"x = "\\server\share""#).as_deref(),
        Some(r#""\\server\share""#)
    );
    assert_eq!(double_quoted_windows_path(r#"dir = 'D:\x' # "D:/x""#), None);
}

/// `rust-version` from Cargo.toml.
fn rust_version() -> String {
    let manifest: toml::Table = toml::from_str(&read(&root().join("Cargo.toml"))).unwrap();
    manifest["package"]["rust-version"]
        .as_str()
        .expect("rust-version in Cargo.toml")
        .to_string()
}

fn version_numbers(version: &str) -> Vec<u64> {
    version.split('.').map(|n| n.parse().unwrap()).collect()
}

/// Issue 18 (item 15): README said Rust 1.85, docs/install.md 1.91, Cargo.toml nothing.
/// Cargo.toml's `rust-version` is the one figure; every page that names a minimum names it.
#[test]
fn the_minimum_rust_version_is_cargo_tomls_everywhere() {
    let declared = rust_version();
    let named =
        regex::Regex::new(r"Rust (\d+\.\d+(?:\.\d+)?) (?:or later|or newer|и новее)").unwrap();
    for page in ["README.md", "README.ru.md", "docs/install.md"] {
        let text = read(&root().join(page));
        let said: Vec<String> = named
            .captures_iter(&text)
            .map(|c| c[1].to_string())
            .collect();
        assert!(!said.is_empty(), "{page} names no minimum Rust version");
        for version in said {
            assert_eq!(version, declared, "{page} says Rust {version}");
        }
    }
}

/// ... and it is at least what every locked dependency declares (`cargo metadata`), so that a
/// Rust of that version can build them.
#[test]
fn the_minimum_rust_version_covers_every_locked_dependency() {
    let output = std::process::Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let declared = version_numbers(&rust_version());
    let mut highest = (Vec::new(), String::new());
    for package in metadata["packages"].as_array().unwrap() {
        let Some(needs) = package["rust_version"].as_str() else {
            continue;
        };
        let needs = version_numbers(needs);
        if needs > highest.0 {
            highest = (needs, package["name"].as_str().unwrap().to_string());
        }
    }
    assert!(
        highest.0 <= declared,
        "{} needs Rust {:?}, Cargo.toml's rust-version is lower",
        highest.1,
        highest.0
    );
}

/// Issue 18 (item 16): the 1C guide put the config in /etc/bachata1c while the shipped serve
/// unit reads /srv/bachata/bachata1c.toml. Every `bachata1c serve` line the guide shows reads
/// the unit's config (its exchange folder's `bachata1c.toml`), and the guide names that file.
#[test]
fn the_1c_guide_configures_the_serve_unit_it_ships() {
    let unit = read(&root().join("deploy/linux/bachata1c-serve.service"));
    let exec = unit
        .lines()
        .find_map(|line| line.strip_prefix("ExecStart="))
        .expect("ExecStart=");
    let folder_of = |command: &str| -> (String, Option<String>) {
        let words: Vec<&str> = command.split_whitespace().collect();
        let at = words.iter().position(|w| *w == "serve").expect("serve");
        let mut folder = None;
        let mut config = None;
        let mut rest = words[at + 1..].iter();
        while let Some(word) = rest.next() {
            match *word {
                "--dir" => folder = rest.next().map(|w| w.to_string()),
                "--config" => config = rest.next().map(|w| w.to_string()),
                w if !w.starts_with('-') && folder.is_none() => folder = Some(w.to_string()),
                _ => {}
            }
        }
        (folder.expect("the exchange folder"), config)
    };
    let (folder, config) = folder_of(exec);
    assert_eq!(config, None, "{exec}");
    let config = format!("{folder}/bachata1c.toml");
    let guide = read(&root().join("docs/1c-site-exchange.md"));
    assert!(
        guide.contains(&config),
        "the 1C guide does not name {config}"
    );
    let serve = regex::Regex::new(r"bachata1c serve [^`\n]*").unwrap();
    let mut commands = 0;
    for command in serve.find_iter(&guide) {
        commands += 1;
        let (their_folder, their_config) = folder_of(command.as_str());
        let reads = their_config.unwrap_or(format!("{their_folder}/bachata1c.toml"));
        assert_eq!(reads, config, "{}", command.as_str());
    }
    assert!(commands > 0, "the guide shows how serve is run");
}
