//! `bachata1c csv-template`: the template 1C saves may be anything anyone made (issue 18,
//! points 1–3). The real binary reads it within a bound and prints a config that means exactly
//! its titles, which the real binary then reads back.
mod common;

use std::io::Write;
use std::path::Path;

use bachata1c::cmd::csv_template::config_for;
use bachata1c::config::Config;
use bachata1c::format::Field;
use bachata1c::format::mapping::Column;
use bachata1c::report::shown::is_unshowable;
use common::{Workdir, run};
use proptest::prelude::*;

/// `csv-template` under a 512 MiB address-space limit where the shell can set one, so that a
/// reader that materialises a sheet fails at once instead of taking the machine's memory (the
/// workbook below made main's reader ask for 512 GiB).
fn csv_template(wd: &Workdir, template: &str) -> std::process::Output {
    let mut command = wd.bachata1c(&["csv-template", template]);
    if cfg!(unix) {
        let direct = command;
        command = std::process::Command::new("bash");
        command
            .current_dir(wd.path())
            .args(["-c", "ulimit -v 524288 && exec \"$0\" csv-template \"$1\""]);
        command.arg(direct.get_program()).arg(template);
        for (key, value) in direct.get_envs() {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
    }
    command.output().unwrap()
}

/// An .xlsx made by hand: `sheet` is the first sheet's XML, `strings` the shared strings'.
fn workbook(wd: &Workdir, name: &str, sheet: &[u8], strings: Option<&str>) {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut part = |name: &str, bytes: &[u8]| {
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    };
    part(
        "_rels/.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    part(
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.as_bytes(),
    );
    part(
        "xl/_rels/workbook.xml.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    );
    part("xl/worksheets/sheet1.xml", sheet);
    if let Some(strings) = strings {
        part("xl/sharedStrings.xml", strings.as_bytes());
    }
    wd.write(name, zip.finish().unwrap().into_inner());
}

const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Issue 18.1: a 1.6 KB workbook whose sheet holds only A1 and XFD1048576 (and declares that
/// range) made main's reader ask for 512 GiB and abort. Only the first row is read.
#[test]
fn a_sheet_claiming_every_cell_costs_only_its_first_row() {
    let wd = Workdir::new();
    let sheet = format!(
        r#"{SHEET_START}<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="1048576"><c r="XFD1048576" t="s"><v>1</v></c></row></sheetData></worksheet>"#
    );
    let strings = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Телефон</t></si><si><t>угол</t></si></sst>"#;
    workbook(&wd, "corner.xlsx", sheet.as_bytes(), Some(strings));
    assert!(std::fs::metadata(wd.join("corner.xlsx")).unwrap().len() < 2_000);
    let config = stdout(&csv_template(&wd, "corner.xlsx"));
    assert!(
        config.contains(r#"titles = { phone = "Телефон" }"#),
        "{config}"
    );
}

/// The first row is the first that holds a value, in column order, from inline strings, rich
/// text runs (phonetic runs left out), shared strings and plain values alike.
#[test]
fn every_kind_of_cell_in_the_first_row_is_a_title() {
    let wd = Workdir::new();
    let sheet = format!(
        r#"{SHEET_START}<sheetData><row r="1"><c r="A1" s="1"/></row><row r="2"><c r="A2" t="inlineStr"><is><r><t>Ф</t></r><r><t>ИО</t></r><rPh><t>x</t></rPh></is></c><c r="C2" t="s"><v>1</v></c><c t="str"><v>E-mail &amp; почта</v></c><c r="E2"><v>42</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>Имя</t></is></c></row></sheetData></worksheet>"#
    );
    let strings = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>ИНН</t></si><si><r><t>Мобильный </t></r><r><t>телефон</t></r></si></sst>"#;
    workbook(&wd, "kinds.xlsx", sheet.as_bytes(), Some(strings));
    let config = stdout(&csv_template(&wd, "kinds.xlsx"));
    assert!(
        config.contains(r#"columns = ["person", "phone"]"#),
        "{config}"
    );
    assert!(
        config.contains(r#"titles = { person = "ФИО", phone = "Мобильный телефон" }"#),
        "{config}"
    );
    assert!(
        config.contains(r#"# Left out (no lead field for them): "E-mail & почта", "42""#),
        "{config}"
    );
}

/// A workbook that is not one is refused with the file's name and what to do; nothing is
/// printed to stdout.
#[test]
fn a_malformed_workbook_is_refused_with_a_clear_message() {
    let wd = Workdir::new();
    wd.write("text.xlsx", "Телефон;Имя\r\n");
    workbook(
        &wd,
        "broken-xml.xlsx",
        format!("{SHEET_START}<sheetData><row><c t=\"s\"><v>0</v></row>").as_bytes(),
        None,
    );
    workbook(
        &wd,
        "no-strings.xlsx",
        format!(
            "{SHEET_START}<sheetData><row><c t=\"s\"><v>0</v></c></row></sheetData></worksheet>"
        )
        .as_bytes(),
        None,
    );
    let mut truncated = Vec::new();
    {
        let wd2 = Workdir::new();
        workbook(&wd2, "w.xlsx", SHEET_START.as_bytes(), None);
        truncated.extend_from_slice(&wd2.read("w.xlsx")[..200]);
    }
    wd.write("truncated.xlsx", truncated);
    wd.write("old.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest");
    for (name, reason) in [
        ("text.xlsx", "not a ZIP archive"),
        ("broken-xml.xlsx", "xl/worksheets/sheet1.xml at byte"),
        ("no-strings.xlsx", "xl/sharedStrings.xml"),
        ("truncated.xlsx", "not a workbook"),
        ("old.xls", "Excel 97–2003"),
    ] {
        let output = csv_template(&wd, name);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {err}");
        assert!(output.stdout.is_empty(), "{name}");
        assert!(err.starts_with(&format!("bachata1c: {name}: ")), "{err}");
        assert!(err.contains(reason), "{name}: {err}");
        assert!(err.contains(".xlsx or .csv"), "{name}: {err}");
    }
}

/// Issue 18.3: main read the whole template to take its first line. The header is read within
/// `template::MAX_HEADER_BYTES`; past it, the template is refused, saying so.
#[test]
fn a_header_past_the_bound_is_refused_and_a_big_file_s_header_read() {
    let bound = bachata1c::template::MAX_HEADER_BYTES as usize;
    let wd = Workdir::new();
    let mut long = "Телефон;".to_string();
    long.push_str(&"x".repeat(bound));
    wd.write("long.csv", format!("{long}\r\n"));
    let output = csv_template(&wd, "long.csv");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("header row is longer than 1 MiB"),
        "{}",
        stderr(&output)
    );
    // A long sheet in a workbook: the same bound for the XML before the first row ends.
    let mut sheet = format!("{SHEET_START}<sheetData><row>").into_bytes();
    sheet.extend(std::iter::repeat_n(b' ', bound));
    sheet.extend_from_slice(
        b"<c t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData></worksheet>",
    );
    workbook(&wd, "long.xlsx", &sheet, None);
    let output = csv_template(&wd, "long.xlsx");
    assert!(
        stderr(&output).contains("header row is longer than 1 MiB"),
        "{}",
        stderr(&output)
    );
    // Rows after the header are never read, however many.
    let mut big = "\u{FEFF}Наименование;Телефон\r\n".to_string();
    big.push_str(&"Иванов;+79160000000\r\n".repeat(3 * bound / 20));
    wd.write("big.csv", big);
    let config = stdout(&csv_template(&wd, "big.csv"));
    assert!(
        config.contains(r#"columns = ["counterparty", "phone"]"#),
        "{config}"
    );
}

/// The formats csv-template took before keep working: windows-1251 CSV and a workbook written
/// by an Excel writer (shared strings).
#[test]
fn windows_1251_csv_and_an_excel_writer_s_workbook_still_work() {
    let wd = Workdir::new();
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode("Наименование;ИНН;Телефон\r\n");
    wd.write("old.csv", cp1251);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, title) in ["Наименование", "ИНН", "Телефон"].iter().enumerate()
    {
        sheet.write_string(0, col as u16, *title).unwrap();
    }
    sheet.write_string(1, 0, "Иванов").unwrap();
    wd.write("saved.xlsx", book.save_to_buffer().unwrap());
    for name in ["old.csv", "saved.xlsx"] {
        let config = stdout(&csv_template(&wd, name));
        assert!(
            config.contains(r#"titles = { counterparty = "Наименование", phone = "Телефон" }"#),
            "{name}: {config}"
        );
        assert!(
            config.contains(r#"# Left out (no lead field for them): "ИНН""#),
            "{config}"
        );
    }
}

/// Issue 18.2: a title with a line break (Alt+Enter in Excel) was printed raw in a TOML
/// string, so the config did not parse; an unmatched title printed raw in a comment put
/// `[limits] max_input_size = "1"` into it; an ESC reached the terminal. The printed config,
/// appended to a file as the docs show, is read by the real binary and means the titles.
#[test]
fn titles_with_line_breaks_escapes_and_keys_make_a_config_that_means_them() {
    let wd = Workdir::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let titles = [
        "ФИО",
        "Телефон\n(мобильный)",
        "ИНН\n[limits]\nmax_input_size = \"1\"",
        "Почта\u{1b}]0;pwned\u{7}\u{202E}",
    ];
    for (col, title) in titles.iter().enumerate() {
        sheet.write_string(0, col as u16, *title).unwrap();
    }
    wd.write("template.xlsx", book.save_to_buffer().unwrap());
    let output = csv_template(&wd, "template.xlsx");
    let config = stdout(&output);
    for c in ['\u{1b}', '\u{7}', '\u{202E}'] {
        assert!(!config.contains(c), "{c:?} reached stdout: {config}");
    }
    wd.write("bachata1c.toml", &config);
    wd.write(
        "in/hook.json",
        r#"{"clients":[{"clientId":"c1","name":"Иванов Иван","phone":"+79165551234"}]}"#,
    );
    let (code, stderr) = run(&mut wd.bachata1c(&[
        "convert",
        "in",
        "--out",
        "out",
        "--config",
        "bachata1c.toml",
    ]));
    assert_eq!(code, 0, "{stderr}\n{config}");
    let csv = String::from_utf8(wd.read("out/hook.csv")).unwrap();
    // The line break is made safe for БСП's naive split, as in every value.
    assert!(
        csv.starts_with("\u{FEFF}ФИО;Телефон (мобильный)\r\n"),
        "{csv}"
    );
    let parsed = Config::parse(&config).unwrap();
    assert!(parsed.limits.max_input_size.is_none(), "{config}");
    assert_eq!(
        parsed.mapping.csv.columns(),
        [
            // A person's ФИО is the name alone (issue 20).
            (Column::Person, "ФИО".to_string()),
            (
                Column::Field(Field::Phone),
                "Телефон\n(мобильный)".to_string()
            ),
        ]
    );
}

proptest! {
    /// Any title, matched or left out, and any template name: the printed config parses, gives
    /// the matched title back exactly, has one line per line meant, and holds nothing a
    /// terminal would act on.
    #[test]
    fn any_title_reads_back_as_itself(
        before in any::<String>(),
        after in any::<String>(),
        left_out in any::<String>(),
        name in any::<String>(),
    ) {
        let title = format!("{before}Телефон{after}");
        let columns = vec![(Column::Field(Field::Phone), title.clone())];
        let text = config_for(&columns, std::slice::from_ref(&left_out), Path::new(&name));
        let config = Config::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(config.mapping.csv.columns(), columns);
        prop_assert!(config.limits.max_input_size.is_none());
        prop_assert_eq!(text.lines().count(), 9, "{}", text);
        prop_assert!(!text.chars().any(|c| c != '\n' && is_unshowable(c)), "{}", text);
    }
}
