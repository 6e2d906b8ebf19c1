//! The one helper every integration test uses: a temporary folder, files written into it, and
//! the real `bachata1c` binary run inside it with a clean environment.
#![allow(dead_code)] // each test binary uses a different part of it

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use encoding_rs::WINDOWS_1251;

pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::Builder::new()
                .prefix("bachata1c-test-")
                .tempdir()
                .expect("temporary folder"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes `bytes` to `relative`, creating its folders.
    pub fn write(&self, relative: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Copies `fixtures/<fixture>` to `relative`.
    pub fn fixture(&self, fixture: &str, relative: &str) -> PathBuf {
        self.write(relative, std::fs::read(fixture_path(fixture)).unwrap())
    }

    pub fn read(&self, relative: &str) -> Vec<u8> {
        std::fs::read(self.join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
    }

    /// Names of the entries of a folder, sorted; empty when it does not exist.
    pub fn list(&self, relative: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.join(relative)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The real binary, run in this folder, with none of our environment variables inherited.
    pub fn bachata1c(&self, args: &[&str]) -> Command {
        let mut command = Command::cargo_bin("bachata1c").expect("binary built by cargo");
        command.current_dir(self.path()).args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("BACHATA1C_") {
                command.env_remove(key);
            }
        }
        command
    }
}

pub fn fixture_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

pub fn schema_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name)
}

/// Runs a command and returns (exit code, stderr as text).
pub fn run(command: &mut Command) -> (i32, String) {
    let output = command.output().expect("run bachata1c");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    (output.status.code().expect("exit code"), stderr)
}

/// A CSV as 1C's loader reads it: windows-1251, `;`, a header row. Decoding refuses invalid
/// bytes, and the csv crate's reader (not our writer) splits the fields.
pub fn read_csv_1251(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = WINDOWS_1251
        .decode_without_bom_handling_and_without_replacement(bytes)
        .expect("valid windows-1251");
    read_csv_text(&text)
}

pub fn read_csv_text(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The value of `column` in `row`, by header title.
pub fn cell<'a>(header: &[String], row: &'a [String], column: &str) -> &'a str {
    let index = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    &row[index]
}

/// Validates an XML file against an XSD with xmllint (libxml2), an implementation independent of ours.
pub fn xmllint_validate(xsd: &Path, xml: &Path) {
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(xml)
        .output()
        .expect("xmllint installed (Debian package libxml2-utils)");
    assert!(
        output.status.success(),
        "{} does not validate against {}:\n{}",
        xml.display(),
        xsd.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}
