//! `--format xlsx` read back with Python's openpyxl (tests/read_xlsx.py), a reader that shares
//! nothing with rust_xlsxwriter: every cell is text (openpyxl's type `s`, Excel's Text format
//! `@`), phones, `3/1` and date-like texts stay exactly the strings the CSV has, the rows equal
//! the CSV's cell for cell, the header is bold, frozen and filtered, the columns are sized, and
//! the same input gives the same bytes. Without openpyxl each test records itself as skipped
//! (a failure under CI, whose `.ci/run` installs it).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{Workdir, run};
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Deserialize)]
struct Workbook {
    sheets: Vec<String>,
    freeze: Option<String>,
    autofilter: Option<String>,
    widths: BTreeMap<String, f64>,
    rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Deserialize)]
struct Cell {
    /// A string, null for a blank cell, or `{"not_text": "…"}` for anything else.
    value: serde_json::Value,
    #[serde(rename = "type")]
    kind: String,
    format: String,
    bold: bool,
}

impl Cell {
    /// The cell as text: a blank cell is an empty value. Anything but a string or a blank
    /// fails the test, naming what openpyxl read.
    fn text(&self) -> &str {
        match &self.value {
            serde_json::Value::String(text) => {
                assert_eq!(self.kind, "s", "{self:?}");
                text
            }
            serde_json::Value::Null => "",
            other => panic!("a cell that is not text: {other} ({self:?})"),
        }
    }
}

impl Workbook {
    fn header(&self) -> Vec<&str> {
        self.rows[0].iter().map(Cell::text).collect()
    }

    fn body(&self) -> Vec<Vec<&str>> {
        self.rows[1..]
            .iter()
            .map(|row| row.iter().map(Cell::text).collect())
            .collect()
    }

    fn column(&self, title: &str) -> Vec<&str> {
        let index = self
            .header()
            .iter()
            .position(|h| *h == title)
            .unwrap_or_else(|| panic!("no column {title} in {:?}", self.header()));
        self.body().iter().map(|row| row[index]).collect()
    }
}

/// Whether Python's openpyxl is here; when not, the test is recorded as skipped.
fn have_openpyxl() -> bool {
    common::have_python_module("openpyxl")
}

fn read_xlsx(path: &Path) -> Workbook {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/read_xlsx.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 installed");
    assert!(
        output.status.success(),
        "openpyxl cannot read {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("read_xlsx.py prints JSON")
}

/// A UTF-8 CSV with the values as they are (`--csv-quote`), read by the csv crate's reader.
fn read_csv_utf8(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("a byte-order mark");
    common::read_csv_text(std::str::from_utf8(bytes).expect("UTF-8"))
}

/// Converts `inbox/` with `args` into `out`, expecting every input converted.
fn convert(wd: &Workdir, out: &str, args: &[&str]) -> String {
    let mut all = vec!["convert", "inbox", "--out", out, "--no-require-phone"];
    all.extend_from_slice(args);
    let (code, stderr) = run(&mut wd.bachata1c(&all));
    assert_eq!(code, 0, "{stderr}");
    stderr
}

fn inbox_with_fixtures() -> Workdir {
    let wd = Workdir::new();
    for name in common::inbox_fixtures() {
        wd.fixture(&format!("inbox/{name}"), &format!("inbox/{name}"));
    }
    wd
}

#[test]
fn every_fixture_as_xlsx_has_the_csv_rows_in_text_cells() {
    if !have_openpyxl() {
        return;
    }
    let wd = inbox_with_fixtures();
    convert(&wd, "xlsx", &["--format", "xlsx"]);
    // The CSV with values as they are: XLSX needs none of the replacements for 1C's naive split.
    convert(&wd, "csv", &["--encoding", "utf-8", "--csv-quote"]);
    for name in common::inbox_fixtures() {
        let stem = name.trim_end_matches(".json");
        let book = read_xlsx(&wd.join(&format!("xlsx/{stem}.xlsx")));
        let (header, rows) = read_csv_utf8(&wd.read(&format!("csv/{stem}.csv")));
        assert_eq!(book.sheets, ["Лиды"], "{name}");
        assert_eq!(book.header(), header, "{name}");
        assert_eq!(book.body(), rows, "{name}");
        for (r, row) in book.rows.iter().enumerate() {
            assert_eq!(row.len(), header.len(), "{name} row {r}");
            for cell in row {
                // Every cell, blank or not, carries Excel's Text format: typing a phone into
                // a blank one later keeps it text too.
                assert_eq!(cell.format, "@", "{name} row {r}: {cell:?}");
                match &cell.value {
                    serde_json::Value::String(_) => assert_eq!(cell.kind, "s", "{cell:?}"),
                    // An empty value is a blank cell: Excel keeps no empty strings.
                    serde_json::Value::Null => {}
                    other => panic!("{name} row {r}: not text: {other}"),
                }
            }
        }
    }
}

#[test]
fn phones_fractions_dates_and_formulas_stay_the_strings_they_were() {
    if !have_openpyxl() {
        return;
    }
    let wd = Workdir::new();
    wd.fixture(
        "inbox/dialog-2026-11-26-sales.json",
        "inbox/dialog-2026-11-26-sales.json",
    );
    // Values Excel turns into numbers, dates or formulas when it opens a CSV, as own columns.
    wd.write(
        "inbox/tricky.json",
        r#"{"clients":[{"clientId":"0012","phone":"+375291234567","searchId":"1/2",
            "customData":{"date":"2026-11-26","ru":"26.11.2026","zero":"007","exp":"1E5",
              "formula":"=1+2","percent":"50%","text":"a;b \"c\"\nd","long":"89035550011"}}]}"#,
    );
    let keys = [
        "date", "ru", "zero", "exp", "formula", "percent", "text", "long",
    ];
    let columns: Vec<String> = ["phone", "searchId", "clientId", "receivedAt"]
        .into_iter()
        .map(String::from)
        .chain(keys.iter().map(|k| format!("customData.{k}")))
        .collect();
    wd.write(
        "bachata1c.toml",
        format!("[mapping.csv]\ncolumns = {columns:?}\n"),
    );
    convert(
        &wd,
        "out",
        &["--format", "xlsx", "--config", "bachata1c.toml"],
    );
    let sales = read_xlsx(&wd.join("out/dialog-2026-11-26-sales.xlsx"));
    assert_eq!(
        sales.column("Телефон"),
        ["+79035550011", "+375291234567", ""]
    );
    assert_eq!(sales.column("ИдПоиска"), ["3/1", "3/2", "3/3"]);
    for time in sales.column("ВремяПолучения") {
        let shape = time
            .chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c });
        assert_eq!(shape.collect::<String>(), "99.99.9999 99:99:99", "{time}");
    }
    let tricky = read_xlsx(&wd.join("out/tricky.xlsx"));
    assert_eq!(
        tricky.header()[..4],
        ["Телефон", "ИдПоиска", "ИдКлиента", "ВремяПолучения"]
    );
    let row = &tricky.body()[0];
    assert_eq!(row[..3], ["+375291234567", "1/2", "0012"]);
    assert_eq!(
        row[4..],
        [
            "2026-11-26",
            "26.11.2026",
            "007",
            "1E5",
            "=1+2",
            "50%",
            "a;b \"c\"\nd",
            "89035550011"
        ]
    );
    for cell in &tricky.rows[1] {
        assert_eq!(
            (cell.kind.as_str(), cell.format.as_str()),
            ("s", "@"),
            "{cell:?}"
        );
    }
}

#[test]
fn the_header_is_bold_frozen_and_filtered_and_columns_fit_their_text() {
    if !have_openpyxl() {
        return;
    }
    let wd = inbox_with_fixtures();
    convert(&wd, "out", &["--format", "xlsx"]);
    let book = read_xlsx(&wd.join("out/dialog-2026-11-26-sales.xlsx"));
    assert!(book.rows[0].iter().all(|c| c.bold), "{:?}", book.rows[0]);
    assert!(book.rows[1..].iter().flatten().all(|c| !c.bold));
    assert_eq!(book.freeze.as_deref(), Some("A2"));
    assert_eq!(book.autofilter.as_deref(), Some("A1:Q4"));
    assert_eq!(book.widths.len(), 17, "{:?}", book.widths);
    let chars = |text: &str| {
        text.split('\n')
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
    };
    for (index, title) in book.header().iter().enumerate() {
        let letter = ((b'A' + index as u8) as char).to_string();
        let width = book.widths[&letter];
        // As wide as the longest text (the title with room for the filter button), 6 to 60
        // characters, plus Excel's own padding of under one character.
        let longest = book
            .column(title)
            .into_iter()
            .map(chars)
            .chain([chars(title) + 3])
            .max()
            .unwrap();
        let expected = longest.clamp(6, 60) as f64;
        assert!(
            (expected..expected + 1.0).contains(&width),
            "{title}: width {width}, longest {longest}"
        );
    }
    // ДополнительныеДанные of the first client is longer than 60 characters: capped.
    assert!(book.widths["N"] < 61.0, "{:?}", book.widths);
}

#[test]
fn encoding_is_ignored_for_xlsx_and_nothing_is_replaced() {
    if !have_openpyxl() {
        return;
    }
    let wd = Workdir::new();
    wd.write(
        "inbox/emoji.json",
        r#"{"clients":[{"clientId":"e1","name":"Ёлкин 🚗 Zoë","phone":"+7 916 555-12-34"}]}"#,
    );
    let plain = convert(&wd, "plain", &["--format", "xlsx"]);
    let asked = convert(
        &wd,
        "asked",
        &["--format", "xlsx", "--encoding", "windows-1251"],
    );
    // From the config too: a dealer's `encoding` kept from CSV days does not stop xlsx.
    wd.write(
        "bachata1c.toml",
        "[output]\nformat = \"xlsx\"\nencoding = \"windows-1251\"\n",
    );
    convert(&wd, "config", &["--config", "bachata1c.toml"]);
    let bytes = wd.read("plain/emoji.xlsx");
    assert!(bytes == wd.read("asked/emoji.xlsx"));
    assert!(bytes == wd.read("config/emoji.xlsx"));
    for stderr in [plain, asked] {
        assert!(!stderr.contains("replaced"), "{stderr}");
    }
    let book = read_xlsx(&wd.join("plain/emoji.xlsx"));
    assert_eq!(book.column("Имя"), ["Ёлкин 🚗 Zoë"]);
    let help = wd.bachata1c(&["convert", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("xlsx") && help.contains("Ignored for xlsx"),
        "{help}"
    );
}

/// Copies the sales fixture into `wd/inbox` with a pinned modification time: the received
/// time is part of the content, the same in both exchange folders.
fn pinned_inbox(wd: &Workdir, names: &[&str]) {
    let pinned = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000);
    for name in names {
        let path = wd.fixture(&format!("inbox/{name}"), &format!("inbox/{name}"));
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(pinned)
            .unwrap();
    }
}

fn run_exchange(wd: &Workdir, extra: &[&str]) {
    let mut args = vec!["run", "--dir", ".", "--settle", "0", "--format", "xlsx"];
    args.extend_from_slice(extra);
    let (code, stderr) = run(wd.bachata1c(&args).env("TZ", "UTC"));
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn an_exchange_run_names_the_workbook_by_content_and_a_rerun_gives_the_same_bytes() {
    let name = "dialog-2026-11-26-sales.json";
    let hash =
        Sha256::digest(std::fs::read(common::fixture_path(&format!("inbox/{name}"))).unwrap());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    let output = format!("bachata-{}.xlsx", &hex[..16]);
    let mut outputs = Vec::new();
    for _ in 0..2 {
        let wd = Workdir::new();
        pinned_inbox(&wd, &[name]);
        run_exchange(&wd, &[]);
        let files: Vec<String> = wd
            .list("outbox")
            .into_iter()
            .filter(|n| !n.starts_with('.'))
            .collect();
        assert_eq!(files, std::slice::from_ref(&output));
        outputs.push(wd.read(&format!("outbox/{output}")));
        if have_openpyxl() {
            let book = read_xlsx(&wd.join(&format!("outbox/{output}")));
            assert_eq!(book.column("Телефон"), ["+79035550011", "+375291234567"]);
        }
        // rust_xlsxwriter would write the clock's second as the creation time: a second
        // later, the same bytes show that it does not.
        std::thread::sleep(std::time::Duration::from_millis(1_100));
    }
    assert!(
        outputs[0] == outputs[1],
        "two runs on the same content differ"
    );
}

#[test]
fn a_batch_run_writes_one_workbook_with_every_lead() {
    let wd = Workdir::new();
    pinned_inbox(&wd, &["dialog-2026-11-26-sales.json", "note-example.json"]);
    run_exchange(&wd, &["--batch"]);
    let files: Vec<String> = wd
        .list("outbox")
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0].starts_with("bachata-batch-") && files[0].ends_with(".xlsx"),
        "{files:?}"
    );
    if have_openpyxl() {
        let book = read_xlsx(&wd.join(&format!("outbox/{}", files[0])));
        let mut phones = book.column("Телефон");
        phones.sort_unstable();
        assert_eq!(phones, ["+375291234567", "+79035550011", "+79801234444"]);
    }
}
