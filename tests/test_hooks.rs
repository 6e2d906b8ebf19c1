//! The test hooks (src/test_hooks.rs) stay out of what ships: the binary the tests run has them
//! (Cargo.toml's dev-dependency turns the `test-hooks` feature on), and the check that `make
//! build` and scripts/dist run on every release binary finds them there, so a release binary
//! that passes it has none. And the binary reads its test variables only in that module, so
//! no hook escapes the feature.
mod common;

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[cfg(unix)]
fn check(binary: &Path) -> (Option<i32>, String) {
    let out = std::process::Command::new(root().join("scripts/check-no-test-hooks"))
        .arg(binary)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The binary the tests run was built with the hooks (a crash at a named step aborts it), and
/// the check names each of them in it.
#[cfg(unix)]
#[test]
fn the_release_check_finds_the_hooks_in_a_binary_built_with_them() {
    let binary = Path::new(env!("CARGO_BIN_EXE_bachata1c"));
    let (code, stderr) = check(binary);
    assert_eq!(code, Some(1), "{stderr}");
    for name in ["BACHATA1C_CRASH_AT", "BACHATA1C_TEST_FIRST_BLOCK_SECONDS"] {
        assert!(stderr.contains(name), "{name} not found: {stderr}");
    }

    let wd = common::Workdir::new();
    wd.fixture("inbox/dialog-2026-11-26-sales.json", "inbox/hook.json");
    let status = wd
        .bachata1c(&["run", "--dir", ".", "--settle", "0"])
        .env("BACHATA1C_CRASH_AT", "staged")
        .status()
        .unwrap();
    assert_eq!(status.code(), None, "not aborted at the hook: {status}");
}

/// A file without the names passes: what the check says of a release binary is what it found.
#[cfg(unix)]
#[test]
fn the_release_check_passes_a_binary_without_them() {
    let wd = common::Workdir::new();
    let plain = wd.write("plain", "BACHATA1C_PASSWORD --password-env");
    let (code, stderr) = check(&plain);
    assert_eq!(code, Some(0), "{stderr}");
}

/// Every `BACHATA1C_` variable the product reads by its own name (the tests' hooks) is read
/// in src/test_hooks.rs, behind the feature; the password variables are named by the user.
#[test]
fn the_binary_reads_its_test_variables_only_in_the_test_hooks() {
    let mut found = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.ends_with("src/test_hooks.rs") || path.extension() != Some("rs".as_ref()) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (number, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap();
                if (code.contains("var(\"BACHATA1C_") || code.contains("var_os(\"BACHATA1C_"))
                    && !code.trim_start().starts_with("//")
                {
                    found.push(format!("{}:{}: {line}", path.display(), number + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "read outside src/test_hooks.rs:\n{}",
        found.join("\n")
    );
}
