//! The one helper every integration test uses: a temporary folder, files written into it, and
//! the real `bachata1c` binary run inside it with a clean environment.
#![allow(dead_code)] // each test binary uses a different part of it

pub mod bsl;
pub mod bundle;
pub mod exchange;
pub mod mail;
pub mod nginx;
pub mod onec;
pub mod server;

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

/// Whether xmllint is here; when not, the test is recorded as skipped (a failure under CI).
pub fn have_xmllint() -> bool {
    have_tool("xmllint", "Debian package libxml2-utils")
}

/// Validates an XML file against an XSD with xmllint (libxml2), an implementation independent of
/// ours; without xmllint the check is recorded as skipped.
pub fn xmllint_validate(xsd: &Path, xml: &Path) {
    if !have_xmllint() {
        return;
    }
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

/// Whether this run is CI's (`CI=true`): there a test that cannot run is a failure, not a skip,
/// so that CI keeps proving what a workstation may lack.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Where skipped tests are recorded for `make test`'s closing summary (`scripts/test-summary`).
pub fn skip_log() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt")
}

/// A test that cannot run on this machine: one line on stderr naming the test and why, and a
/// line in the skip log for the summary. Under CI it fails instead.
#[allow(
    clippy::print_stderr,
    reason = "the test harness shows a skipped check with the test's output"
)]
pub fn skip(reason: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    if under_ci() {
        panic!("{test}: {reason}; under CI (CI=true) this is a failure, not a skip");
    }
    // One line per test and reason, however often a test's loop meets the same gap.
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let key = format!("{test}: {reason}");
    let mut said = SAID.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if said.contains(&key) {
        return;
    }
    said.push(key);
    eprintln!("SKIPPED {test}: {reason}");
    let line = format!("{test}: {reason}\n");
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(skip_log())
        .and_then(|mut log| std::io::Write::write_all(&mut log, line.as_bytes()));
}

/// Validates `xml` with xmllint against the official schema `name` when it is here; otherwise
/// records the validation as skipped (a failure under CI) and lets the rest of the test run.
pub fn validate_official(name: &str, xml: &Path) {
    if let Some(xsd) = official_xsd(name) {
        xmllint_validate(&xsd, xml);
    }
}

/// The official 1C schemas the tests validate against: not in this repository (they are 1C's),
/// each taken verbatim from a public repository at a commit (../shared/xsd/SOURCE.md says the
/// same, with the checks done on them): (file name, repository, path there, commit).
pub const OFFICIAL_SCHEMAS: [(&str, &str, &str, &str); 5] = [
    (
        "commerceml_2_08.xsd",
        "dobromyslov/commerceml-parser",
        "doc/commerceml-2.08.xsd",
        "c3680091c6a840412946a2b14540cf1e80e4bce5",
    ),
    (
        "commerceml_2_10.xsd",
        "dobromyslov/commerceml-parser",
        "doc/commerceml-2.10.xsd",
        "2783c60612551c84862b0e1a09f062d874393cb7",
    ),
    (
        "EnterpriseData_1_8_6.xsd",
        "anymasoft/konvey",
        "backend/tests/fixtures/EnterpriseData_1_8_6.xsd",
        "01f3eeb86fa0e8e56f285f04c3c1ec5fea31ebec",
    ),
    (
        "EnterpriseData_1_6_23.xsd",
        "anymasoft/konvey",
        "backend/tests/fixtures/EnterpriseData_1_6_23.xsd",
        "01f3eeb86fa0e8e56f285f04c3c1ec5fea31ebec",
    ),
    (
        "ExchangeMessage.xsd",
        "anymasoft/konvey",
        "examples/enterprise_data_docs/ExchangeMessage.xsd",
        "dd00fc75d01aeb1e614355006d32f171993c9923",
    ),
];

/// Where an official schema can be downloaded: its file at the pinned commit.
pub fn official_xsd_source(name: &str) -> Option<String> {
    OFFICIAL_SCHEMAS
        .iter()
        .find(|(file, ..)| *file == name)
        .map(|(_, repository, path, commit)| {
            format!("https://raw.githubusercontent.com/{repository}/{commit}/{path}")
        })
}

/// The folders an official schema is looked for in: `$BACHATA1C_XSD_DIR`, else
/// `../shared/xsd` beside the clone, where CI puts them (or `../../shared/xsd` for a git
/// worktree one level further down).
pub fn official_xsd_folders() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    match std::env::var_os("BACHATA1C_XSD_DIR") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![
            manifest.join("../shared/xsd"),
            manifest.join("../../shared/xsd"),
        ],
    }
}

/// The official schema `name` in the first of `folders` that holds it; else why not, with
/// where to download it and where to put it.
pub fn find_official_xsd(name: &str, folders: &[PathBuf]) -> Result<PathBuf, String> {
    if let Some(found) = folders
        .iter()
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
    {
        return Ok(found);
    }
    let places: Vec<String> = folders.iter().map(|d| d.display().to_string()).collect();
    let source = official_xsd_source(name).map_or_else(
        || "; it is not among tests/common's OFFICIAL_SCHEMAS: add where it comes from".to_string(),
        |url| format!(" (the official schemas are not in this repository): download {url}"),
    );
    Err(format!(
        "official schema {name} not found in {}{source} as {name} into {}, or into the folder \
         BACHATA1C_XSD_DIR names",
        places.join(" or "),
        places.first().map_or("../shared/xsd", String::as_str)
    ))
}

/// A file of the official 1C schemas (CommerceML, EnterpriseData), from
/// [`official_xsd_folders`]. `None`, with the test recorded as skipped and the reason naming
/// where to download it, when it is in none of them (a clone without `../shared`); under CI
/// that is a failure.
pub fn official_xsd(name: &str) -> Option<PathBuf> {
    find_official_xsd(name, &official_xsd_folders())
        .map_err(|reason| skip(&reason))
        .ok()
}

/// Whether `program` can be started here; when not, the test is recorded as skipped (a failure
/// under CI) with what to install.
pub fn have_tool(program: &str, install: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !found {
        skip(&format!("{program} is not installed ({install})"));
    }
    found
}

/// Whether Python's `module` can be imported here at the version scripts/test-requirements.txt
/// pins; when not, the test is recorded as skipped (a failure under CI), naming `make test-deps`,
/// which installs the pinned tools into target/test-venv.
pub fn have_python_module(module: &str) -> bool {
    let requirements = include_str!("../../scripts/test-requirements.txt");
    let pinned = requirements
        .lines()
        .find_map(|line| line.strip_prefix(module)?.strip_prefix("=="))
        .unwrap_or_else(|| panic!("{module} is not pinned in scripts/test-requirements.txt"));
    // The installed distribution's version (not every module has `__version__`).
    let check = format!(
        "import sys, importlib.metadata, {module}\nv = importlib.metadata.version({module:?})\nsys.stdout.write(v)\nsys.exit(v != {pinned:?})"
    );
    let reason = match Command::new("python3").args(["-c", &check]).output() {
        Err(err) => format!("python3 cannot be started ({err})"),
        Ok(output) if output.status.success() => return true,
        Ok(output) if output.stdout.is_empty() => format!("Python's {module} is not installed"),
        Ok(output) => format!(
            "Python's {module} is {}, the tests pin {pinned}",
            String::from_utf8_lossy(&output.stdout)
        ),
    };
    skip(&format!("{reason} (make test-deps)"));
    false
}

/// The official schema of an EnterpriseData version, by its file name in ../shared/xsd.
pub fn enterprisedata_xsd(version: &str) -> &'static str {
    match version {
        "1.6" => "EnterpriseData_1_6_23.xsd",
        "1.8" => "EnterpriseData_1_8_6.xsd",
        other => panic!("no official schema of EnterpriseData {other} here"),
    }
}

/// Validates EnterpriseData messages of `version` against that version's official schema with
/// Python's xmlschema (XSD 1.1), object by object, with tests/validate_enterprisedata.py; a
/// message of another version fails. Returns its report (one line per file), or `None` when the
/// official schema is not here (the test is then recorded as skipped).
pub fn enterprisedata_validate(version: &str, messages: &[PathBuf]) -> Option<String> {
    let xsd = official_xsd(enterprisedata_xsd(version))?;
    // The script takes the envelope's schema from the same folder.
    official_xsd("ExchangeMessage.xsd")?;
    if !have_python_module("xmlschema") {
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_enterprisedata.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(xsd)
        .args(messages)
        .output()
        .expect("python3 installed");
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "EnterpriseData does not validate as {version}:\n{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(report)
}

/// An XML file's text: its declared encoding (UTF-8 with or without BOM, or windows-1251)
/// decoded, the declaration checked against the bytes.
pub fn xml_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(100)]).into_owned();
    if head.contains(r#"encoding="windows-1251""#) {
        WINDOWS_1251
            .decode_without_bom_handling_and_without_replacement(bytes)
            .expect("valid windows-1251")
            .into_owned()
    } else {
        assert!(head.contains(r#"encoding="UTF-8""#), "{head}");
        String::from_utf8(bytes.to_vec()).expect("valid UTF-8")
    }
}

/// The names of the fixtures in fixtures/inbox, sorted.
pub fn inbox_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_path("inbox"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// A small tmpfs mounted for one test, unmounted on drop.
pub struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    /// `None`, with the test recorded as skipped, when this machine does not let us mount (not
    /// root, or no mount in a container).
    pub fn mount(path: std::path::PathBuf, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(&path).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            skip(&format!(
                "cannot mount a {size} tmpfs here (needs root, and mount allowed in a container)"
            ));
        }
        mounted.then_some(SmallDisk(path))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}
