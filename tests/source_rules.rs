//! Rules of docs/architecture.md («Rules the code follows») that the source itself shows.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// A file's code without its unit tests (which write their fixtures as they like).
fn product_code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    // A `tests.rs` is a test module of its own (`#[cfg(test)] mod tests;` in its parent).
    if path.file_name().is_some_and(|name| name == "tests.rs") {
        return String::new();
    }
    // `#[cfg(test)]` or `#[cfg(all(test, unix))]` above `mod tests`.
    let tests = text.find("\nmod tests {").and_then(|at| {
        let cfg = text[..at].rfind('\n').map_or(0, |start| start + 1);
        let line = &text[cfg..at];
        (line.starts_with("#[cfg(") && line.contains("test")).then_some(cfg)
    });
    match tests {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// One publish primitive: a file is written through files::publish (hidden name, durable, then
/// renamed into place), or the code says beside the call why that file is not published (a
/// log appended to, the claim lease, 1C's upload as it arrives, the health probe). Issue 19:
/// failed/'s reason file was written in place with `fs::write`.
#[test]
fn every_file_written_outside_files_is_published_or_says_why_not() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let writes = [
        "fs::write(",
        "File::create(",
        "File::create_new(",
        "File::options()",
        "OpenOptions::new()",
    ];
    let mut unexplained = Vec::new();
    for path in sources(&root.join("src")) {
        if path.starts_with(root.join("src/files")) {
            continue;
        }
        let code = product_code(&path);
        let lines: Vec<&str> = code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim_start().starts_with("//") || !writes.iter().any(|w| line.contains(w)) {
                continue;
            }
            let said = lines[i.saturating_sub(4)..i]
                .iter()
                .any(|above| above.trim_start().starts_with("// Not published:"));
            if !said {
                let shown = path.strip_prefix(root).unwrap().display().to_string();
                unexplained.push(format!("{shown}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "written without files::publish and without a «// Not published: why» above:\n{}",
        unexplained.join("\n")
    );
}
