//! Quick guards for the release archives and the install guide. The archives themselves are
//! built and tried (Linux and wine) by scripts/test-dist, which .ci/run runs: too slow and too
//! demanding (two release builds, wine) for `cargo test`. Here: docs/install.md names the
//! deploy files that exist and every one of them, the scripts parse, and `make install` puts
//! the files where it says, under DESTDIR.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn install_guide() -> String {
    std::fs::read_to_string(root().join("docs/install.md")).unwrap()
}

/// Every file in deploy/ is explained in the guide: a new one must be documented (and shipped:
/// scripts/dist takes all of deploy/linux, deploy/nginx and deploy/windows).
#[test]
fn the_install_guide_names_every_deploy_file() {
    let guide = install_guide();
    for file in files_under(&root().join("deploy")) {
        let relative = file.strip_prefix(root()).unwrap().to_string_lossy();
        let name = file.file_name().unwrap().to_string_lossy();
        // Linux files by their path in the archive; Windows files sit beside bachata1c.exe.
        let named = if relative.starts_with("deploy/windows/") {
            guide.contains(&*name)
        } else {
            guide.contains(&*relative)
        };
        assert!(named, "docs/install.md does not mention {relative}");
    }
}

/// ... and names no deploy file, script or Windows file that does not exist.
#[test]
fn the_install_guide_names_only_deploy_files_that_exist() {
    let guide = install_guide();
    let windows: Vec<String> = files_under(&root().join("deploy/windows"))
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let word_chars = |c: char| c.is_ascii_alphanumeric() || "/._-".contains(c);
    for word in guide.split(|c: char| !word_chars(c)) {
        let word = word.trim_end_matches('.');
        if let Some(at) = word.find("deploy/") {
            let path = &word[at..];
            // A folder ends with `/` in the text (`deploy/linux/`); `deploy/` alone is the folder.
            assert!(
                root().join(path).exists(),
                "docs/install.md names {path}, which is not in the repository"
            );
        } else if (word.ends_with(".cmd") || word.ends_with(".xml"))
            && word.starts_with(|c: char| c.is_ascii_lowercase())
        {
            let name = word.rsplit('/').next().unwrap();
            assert!(
                windows.iter().any(|w| w == name),
                "docs/install.md names {name}, which is not in deploy/windows/"
            );
        }
    }
}

#[test]
fn the_dist_scripts_parse() {
    for script in ["scripts/dist", "scripts/test-dist"] {
        let output = Command::new("bash")
            .arg("-n")
            .arg(root().join(script))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "bash -n {script}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let ignored = std::fs::read_to_string(root().join(".gitignore")).unwrap();
    assert!(
        ignored.lines().any(|l| l == "/dist" || l == "dist/"),
        ".gitignore must ignore dist/"
    );
}

/// `make install` with DESTDIR and PREFIX, of the binary cargo built for the tests.
#[test]
fn make_install_honours_destdir_and_prefix() {
    if !common::have_tool("make", "Debian package make") {
        return;
    }
    let wd = common::Workdir::new();
    let destdir = wd.join("stage");
    let output = Command::new("make")
        .current_dir(root())
        .arg("--no-print-directory")
        .arg("install")
        .arg(format!("BIN={}", env!("CARGO_BIN_EXE_bachata1c")))
        .arg(format!("DESTDIR={}", destdir.display()))
        .arg("PREFIX=/opt/b1c")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "make install: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let installed = destdir.join("opt/b1c/bin/bachata1c");
    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("bachata1c {}", env!("CARGO_PKG_VERSION"))
    );
    let doc = destdir.join("opt/b1c/share/doc/bachata1c");
    for file in [
        "README.md",
        "CHANGELOG.md",
        "docs/install.md",
        "docs/1c-import.md",
    ] {
        assert!(doc.join(file).is_file(), "{file} not installed");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&installed).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
    }
    // Nothing outside DESTDIR/PREFIX.
    let top: Vec<_> = std::fs::read_dir(&destdir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(top, ["opt"]);
}

/// Issue 18 (item 15): `make dist` needed the Windows toolchain, which no doc named, even for
/// the Linux archive. `make dist-linux` needs none of it: on a PATH without the MinGW tools and
/// without rustup, its check passes, while `make dist`'s names what to install (and the Linux
/// way). The install guide names both.
#[cfg(unix)]
#[test]
fn make_dist_linux_needs_no_windows_toolchain() {
    if !common::have_tool("make", "Debian package make") {
        return;
    }
    let dry_run = |target: &str| {
        let output = Command::new("make")
            .current_dir(root())
            .args(["--no-print-directory", "-n", target])
            .output()
            .unwrap();
        assert!(output.status.success(), "make -n {target}");
        let line = String::from_utf8(output.stdout).unwrap().trim().to_string();
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        assert_eq!(words[..2], ["bash", "scripts/dist"], "{target}: {line}");
        words[2..].to_vec()
    };
    // Everything on PATH but the Windows cross tools and rustup.
    let wd = common::Workdir::new();
    let bin = wd.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap()) {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("x86_64-w64-mingw32") || name == "rustup" {
                continue;
            }
            let _ = std::os::unix::fs::symlink(entry.path(), bin.join(&name));
        }
    }
    let check = |args: &[String]| {
        let output = Command::new("bash")
            .current_dir(root())
            .arg("scripts/dist")
            .args(args)
            .arg("--check")
            .env("PATH", &bin)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code(), said)
    };
    let (code, said) = check(&dry_run("dist-linux"));
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("everything needed is here"), "{said}");
    let (code, said) = check(&dry_run("dist"));
    assert_eq!(code, Some(2), "{said}");
    for needed in [
        "rustup target add x86_64-pc-windows-gnu",
        "gcc-mingw-w64-x86-64",
        "make dist-linux",
    ] {
        assert!(said.contains(needed), "{needed} not said:\n{said}");
    }
    let guide = install_guide();
    for named in ["rustup target add x86_64-pc-windows-gnu", "make dist-linux"] {
        assert!(
            guide.contains(named),
            "docs/install.md does not say {named}"
        );
    }
}
