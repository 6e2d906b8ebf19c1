//! `bachata1c convert`: the real binary on real folders, its outputs read back by readers
//! that share no code with our writers (encoding_rs + the csv crate's reader, xmllint, Python).

mod common;

use std::process::Command;

use common::{Workdir, cell, read_csv_1251, read_csv_text, run, schema_path, xmllint_validate};

const LEADS_XSD: &str = "bachata1c-leads-1.xsd";

fn xpath(file: &std::path::Path, expression: &str) -> String {
    let output = Command::new("xmllint")
        .arg("--xpath")
        .arg(expression)
        .arg(file)
        .output()
        .expect("xmllint");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // xmllint ends its answer with a newline of its own.
    let mut text = String::from_utf8(output.stdout).unwrap();
    text.truncate(text.trim_end_matches('\n').len());
    text
}

#[test]
fn the_integration_note_example_gives_one_client_in_csv_and_xml() {
    let w = Workdir::new();
    w.fixture("inbox/note-example.json", "in/note-example.json");
    for format in ["csv", "xml"] {
        let (code, stderr) =
            run(&mut w.bachata1c(&["convert", "in", "--out", "out", "--format", format]));
        assert_eq!(code, 0, "{stderr}");
    }
    let (header, rows) = read_csv_1251(&w.read("out/note-example.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(cell(&header, &rows[0], "Телефон"), "+79801234444");
    assert_eq!(cell(&header, &rows[0], "ИдКлиента"), "3f693c89349195");
    assert_eq!(
        cell(&header, &rows[0], "ДополнительныеДанные"),
        "another=one | foo=bar"
    );
    let xml = w.join("out/note-example.xml");
    xmllint_validate(&schema_path(LEADS_XSD), &xml);
    if common::have_xmllint() {
        assert_eq!(xpath(&xml, "count(//*[local-name()='Лид'])"), "1");
        assert_eq!(
            xpath(&xml, "string(//*[local-name()='Телефон'])"),
            "+79801234444"
        );
    }
}

#[test]
fn every_example_inbox_file_gives_valid_csv_and_xml() {
    let w = Workdir::new();
    let inbox = common::fixture_path("inbox");
    let inbox = inbox.to_str().unwrap();
    for format in ["csv", "xml"] {
        let (code, stderr) =
            run(&mut w.bachata1c(&["convert", inbox, "--out", format, "--format", format]));
        assert_eq!(code, 0, "{stderr}");
    }
    let csvs = w.list("csv");
    assert_eq!(csvs.len(), 4, "{csvs:?}");
    for name in &csvs {
        let bytes = w.read(&format!("csv/{name}"));
        let text = encoding_rs::WINDOWS_1251
            .decode_without_bom_handling_and_without_replacement(&bytes)
            .unwrap();
        assert!(
            text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'),
            "{name}: CRLF only"
        );
        let lines: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
        let columns = lines[0].split(';').count();
        for required in [
            "ИдКлиента",
            "Имя",
            "Телефон",
            "Email",
            "Событие",
            "ИдПоиска",
            "Логин",
            "Фамилия",
            "ИмяЛичное",
            "Отчество",
            "ДополнительныеДанные",
            "ИмяФайла",
            "ВремяПолучения",
        ] {
            assert!(
                lines[0].split(';').any(|c| c == required),
                "{name}: no column {required}"
            );
        }
        for line in &lines {
            assert_eq!(
                line.split(';').count(),
                columns,
                "{name}: naive split of {line:?}"
            );
            assert!(!line.contains('"'), "{name}: quote in {line:?}");
        }
        let (header, rows) = read_csv_1251(&bytes);
        for row in &rows {
            assert!(
                cell(&header, row, "Телефон").starts_with('+'),
                "{name}: {row:?}"
            );
        }
    }
    let xmls = w.list("xml");
    assert_eq!(xmls.len(), 4);
    for name in xmls {
        xmllint_validate(&schema_path(LEADS_XSD), &w.join(&format!("xml/{name}")));
    }
}

#[test]
fn names_phones_and_windows_1251_input_come_out_right() {
    let w = Workdir::new();
    let inbox = common::fixture_path("inbox");
    let (code, stderr) =
        run(&mut w.bachata1c(&["convert", inbox.to_str().unwrap(), "--out", "out"]));
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = read_csv_1251(&w.read("out/dialog-2026-11-26-service.csv"));
    let row = &rows[0];
    assert_eq!(cell(&header, row, "Телефон"), "+79165551234");
    assert_eq!(cell(&header, row, "ТелефонИсходный"), "8 (916) 555-12-34");
    assert_eq!(
        [
            cell(&header, row, "Фамилия"),
            cell(&header, row, "ИмяЛичное"),
            cell(&header, row, "Отчество")
        ],
        ["Смирнов", "Алексей", "Петрович"]
    );
    assert_eq!(
        cell(&header, row, "ИмяФайла"),
        "dialog-2026-11-26-service.json"
    );
    // `;`, `"` and a line break in customData were made safe for a naive split.
    let custom = cell(&header, row, "ДополнительныеДанные");
    assert!(custom.contains("Услуга=ТО-4, замена масла"), "{custom}");
    assert!(
        custom.contains("Удобно после 18:00 'в будни' лучше звонить"),
        "{custom}"
    );

    let (header, rows) = read_csv_1251(&w.read("out/dialog-2026-11-26-sales.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(cell(&header, &rows[0], "Имя"), "Ёлкина Дарья Сергеевна");
    assert_eq!(cell(&header, &rows[0], "Телефон"), "+79035550011"); // phone given as a JSON number
    assert!(cell(&header, &rows[0], "ДополнительныеДанные").contains("Интерес=Тест-драйв ?"));
    assert_eq!(cell(&header, &rows[1], "Телефон"), "+375291234567");

    let (header, rows) = read_csv_1251(&w.read("out/saved-by-windows-1251.csv"));
    assert_eq!(cell(&header, &rows[0], "Имя"), "Кузнецова Ольга Ивановна");
    assert_eq!(cell(&header, &rows[0], "Телефон"), "+74951234567");

    assert!(
        stderr.contains("2 characters not in the output encoding replaced"),
        "{stderr}"
    );
}

#[test]
fn utf8_csv_has_a_bom_and_keeps_every_character() {
    let w = Workdir::new();
    w.fixture("inbox/dialog-2026-11-26-sales.json", "in/sales.json");
    let (code, stderr) = run(&mut w.bachata1c(&[
        "convert",
        "in/sales.json",
        "--out",
        "out",
        "--encoding",
        "utf-8",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let bytes = w.read("out/sales.csv");
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("BOM")).unwrap();
    let (header, rows) = read_csv_text(text);
    assert!(cell(&header, &rows[0], "ДополнительныеДанные").contains("Тест-драйв 🚗"));
    assert!(!stderr.contains("replaced"), "{stderr}");
}

#[test]
fn windows_1251_xml_declares_its_encoding_and_keeps_emoji_as_references() {
    let w = Workdir::new();
    w.fixture("inbox/dialog-2026-11-26-sales.json", "in/sales.json");
    let (code, stderr) = run(&mut w.bachata1c(&[
        "convert",
        "in",
        "--out",
        "out",
        "--format",
        "xml",
        "--encoding",
        "windows-1251",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let bytes = w.read("out/sales.xml");
    assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"windows-1251\"?>"));
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "Cyrillic must be single-byte"
    );
    let xml = w.join("out/sales.xml");
    xmllint_validate(&schema_path(LEADS_XSD), &xml);
    if common::have_xmllint() {
        assert_eq!(
            xpath(&xml, "string(//*[local-name()='Поле'][@Имя='Интерес'])"),
            "Тест-драйв 🚗"
        );
        assert_eq!(
            xpath(&xml, "string(//*[local-name()='Имя'])"),
            "Ёлкина Дарья Сергеевна"
        );
    }
}

#[test]
fn xml_special_and_control_characters_never_break_well_formedness() {
    let w = Workdir::new();
    w.write(
        "in/nasty.json",
        r#"{"clients":[{"clientId":"<x>&\"'","name":"A\u0001B\u001fC ]]> <!--","phone":"+7 916 555 12 34",
            "customData":{"k<&>\"":"v\u0000\u0008\t&amp;"}}]}"#,
    );
    for encoding in ["utf-8", "windows-1251"] {
        let (code, stderr) = run(&mut w.bachata1c(&[
            "convert",
            "in",
            "--out",
            encoding,
            "--format",
            "xml",
            "--encoding",
            encoding,
        ]));
        assert_eq!(code, 0, "{stderr}");
        let xml = w.join(&format!("{encoding}/nasty.xml"));
        xmllint_validate(&schema_path(LEADS_XSD), &xml);
        if !common::have_xmllint() {
            continue;
        }
        assert_eq!(
            xpath(&xml, "string(//*[local-name()='ИдКлиента'])"),
            "<x>&\"'"
        );
        assert_eq!(
            xpath(&xml, "string(//*[local-name()='Имя'])"),
            "ABC ]]> <!--"
        );
        assert_eq!(
            xpath(&xml, "string(//*[local-name()='Поле']/@Имя)"),
            "k<&>\""
        );
    }
}

#[test]
fn csv_quote_keeps_separators_and_quotes_for_real_csv_readers() {
    let w = Workdir::new();
    w.fixture("inbox/dialog-2026-11-26-service.json", "in/service.json");
    let (code, stderr) = run(&mut w.bachata1c(&["convert", "in", "--out", "out", "--csv-quote"]));
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = read_csv_1251(&w.read("out/service.csv"));
    let custom = cell(&header, &rows[0], "ДополнительныеДанные");
    assert!(custom.contains("Услуга=ТО-4; замена масла"), "{custom}");
    assert!(custom.contains("\"в будни\"\nлучше"), "{custom}");
}

#[test]
fn python_csv_module_reads_the_windows_1251_file_too() {
    let w = Workdir::new();
    let inbox = common::fixture_path("inbox");
    let (code, stderr) =
        run(&mut w.bachata1c(&["convert", inbox.to_str().unwrap(), "--out", "out"]));
    assert_eq!(code, 0, "{stderr}");
    let script = r#"
import csv, sys
with open(sys.argv[1], encoding="cp1251", newline="") as f:
    rows = list(csv.DictReader(f, delimiter=";"))
print(len(rows), rows[0]["Телефон"], rows[0]["Фамилия"])
"#;
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(w.join("out/dialog-2026-11-26-service.csv"))
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        "1 +79165551234 Смирнов"
    );
}

#[test]
fn every_unreadable_file_is_refused_with_one_line_and_the_rest_still_converts() {
    let w = Workdir::new();
    for bad in [
        "empty",
        "truncated",
        "binary",
        "clients-not-array",
        "deep",
        "koi8",
    ] {
        w.fixture(&format!("bad/{bad}.json"), &format!("in/{bad}.json"));
    }
    w.fixture("inbox/note-example.json", "in/note-example.json");
    let (code, stderr) = run(&mut w.bachata1c(&["convert", "in", "--out", "out"]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(w.list("out"), ["note-example.csv"]);
    let expectations = [
        ("empty", "the file is empty"),
        ("truncated", "truncated JSON"),
        ("binary", "binary data"),
        ("clients-not-array", "`clients` must be an array"),
        ("deep", "nested too deeply"),
        ("koi8", "not UTF-8"),
    ];
    for (bad, reason) in expectations {
        let prefix = format!("bachata1c: in/{bad}.json: refused: ");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&prefix)).collect();
        assert_eq!(lines.len(), 1, "{bad}: {stderr}");
        assert!(lines[0].contains(reason), "{bad}: {}", lines[0]);
    }
    assert!(
        stderr.contains("7 files read, 1 converted, 6 refused"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn a_file_without_qualifying_clients_writes_nothing_and_is_not_an_error() {
    let w = Workdir::new();
    w.fixture("inbox/chat-started-no-phone.json", "in/chat.json");
    let (code, stderr) = run(&mut w.bachata1c(&["convert", "in", "--out", "out"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(w.list("out").is_empty());
    assert!(
        stderr.contains("bachata1c: in/chat.json: client c0ffee00000001 skipped: no phone"),
        "{stderr}"
    );
    assert!(
        stderr.contains("0 clients exported, 1 skipped (1 no phone)"),
        "{stderr}"
    );
}

#[test]
fn rules_can_be_tightened_and_loosened() {
    let w = Workdir::new();
    w.fixture("inbox/dialog-2026-11-26-sales.json", "in/sales.json");
    w.fixture("inbox/chat-started-no-phone.json", "in/chat.json");
    let (_, stderr) =
        run(&mut w.bachata1c(&["convert", "in", "--out", "email", "--require-email"]));
    assert!(
        stderr.contains("client 91be22c0aa7f01 skipped: no e-mail"),
        "{stderr}"
    );
    let (header, rows) = read_csv_1251(&w.read("email/sales.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(cell(&header, &rows[0], "Email"), "dzmitry@example.by");

    let (_, stderr) = run(&mut w.bachata1c(&[
        "convert",
        "in",
        "--out",
        "events",
        "--only-event",
        "chat_started",
        "--no-require-phone",
    ]));
    assert!(
        stderr.contains("skipped: event dialog_completed not allowed"),
        "{stderr}"
    );
    assert_eq!(w.list("events"), ["chat.csv"]);
}

#[test]
fn the_event_option_names_webhooks_that_carry_no_event() {
    let w = Workdir::new();
    w.fixture("inbox/note-example.json", "in/note.json");
    let (code, _) = run(&mut w.bachata1c(&[
        "convert",
        "in",
        "--out",
        "out",
        "--event",
        "dialog_closed_manually",
    ]));
    assert_eq!(code, 0);
    let (header, rows) = read_csv_1251(&w.read("out/note.csv"));
    assert_eq!(cell(&header, &rows[0], "Событие"), "dialog_closed_manually");
}

#[test]
fn inputs_are_only_read_and_only_json_files_are_taken_from_folders() {
    let w = Workdir::new();
    let input = w.fixture("inbox/note-example.json", "in/hook-42.json");
    w.write("in/.hidden.json", "{}");
    w.write("in/readme.txt", "not a webhook");
    let before = (
        std::fs::read(&input).unwrap(),
        std::fs::metadata(&input).unwrap().modified().unwrap(),
    );
    let (code, stderr) = run(&mut w.bachata1c(&["convert", "in", "--out", "out"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        w.list("out"),
        ["hook-42.csv"],
        "named after the input, no temporary file left"
    );
    assert_eq!(w.list("in"), [".hidden.json", "hook-42.json", "readme.txt"]);
    let after = (
        std::fs::read(&input).unwrap(),
        std::fs::metadata(&input).unwrap().modified().unwrap(),
    );
    assert_eq!(before, after);
}

#[test]
fn an_existing_output_is_replaced_and_a_name_clash_in_one_run_is_refused() {
    let w = Workdir::new();
    w.write("out/hook.csv", "old");
    w.fixture("inbox/note-example.json", "a/hook.json");
    w.fixture("inbox/dialog-2026-11-26-sales.json", "b/hook.json");
    let (code, stderr) =
        run(&mut w.bachata1c(&["convert", "a/hook.json", "b/hook.json", "--out", "out"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("bachata1c: b/hook.json: refused: its output hook.csv was already written from a/hook.json"), "{stderr}");
    let (header, rows) = read_csv_1251(&w.read("out/hook.csv"));
    assert_eq!(cell(&header, &rows[0], "ИдКлиента"), "3f693c89349195");
}

#[test]
fn usage_errors_exit_2_as_does_naming_only_inputs_that_do_not_exist() {
    let w = Workdir::new();
    assert_eq!(
        run(&mut w.bachata1c(&["convert", "x.json"])).0,
        2,
        "no --out"
    );
    assert_eq!(
        run(&mut w.bachata1c(&["convert", "x.json", "--out", "o", "--format", "pdf"])).0,
        2
    );
    assert_eq!(
        run(&mut w.bachata1c(&["convert", "x.json", "--out", "o", "--encoding", "koi8-r"])).0,
        2
    );
    // A typo for the only input (issue 14): a usage error, and no output folder is made.
    for missing in ["missing.json", "nodir/"] {
        let (code, stderr) = run(&mut w.bachata1c(&["convert", missing, "--out", "o"]));
        assert_eq!(code, 2, "{missing}: {stderr}");
        assert!(
            stderr.contains(&format!("bachata1c: {missing}: no such file or folder"))
                && stderr.contains("no input to convert"),
            "{stderr}"
        );
        assert!(!w.join("o").exists(), "{missing}");
    }
    // Beside inputs that exist, a missing one is refused and the others converted.
    w.fixture("inbox/note-example.json", "in/a.json");
    let (code, stderr) =
        run(&mut w.bachata1c(&["convert", "in/a.json", "in/b.json", "--out", "o"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("bachata1c: in/b.json: refused: "),
        "{stderr}"
    );
    assert_eq!(w.list("o"), ["a.csv"]);
    w.write("file", "");
    let (code, stderr) = run(&mut w.bachata1c(&["convert", "in/a.json", "--out", "file/sub"]));
    assert_eq!(code, 2, "unusable output folder");
    assert!(stderr.contains("cannot create folder file/sub"), "{stderr}");
}

/// One output that cannot take its place (a folder holds its name) refuses its input alone,
/// with the reason; the others are published, and no temporary file is left behind (convert
/// publishes by files::publish's one step for a batch, as the exchange folder does).
#[test]
fn an_output_that_cannot_be_published_refuses_its_input_alone() {
    let w = Workdir::new();
    for name in ["a", "b", "c"] {
        w.fixture("inbox/note-example.json", &format!("in/{name}.json"));
    }
    w.write("o/b.csv/inside", "");
    let (code, stderr) = run(&mut w.bachata1c(&["convert", "in", "--out", "o"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("bachata1c: in/b.json: refused: cannot rename into place o/b.csv: "),
        "{stderr}"
    );
    assert!(stderr.contains("3 files read"), "{stderr}");
    assert_eq!(w.list("o"), ["a.csv", "b.csv", "c.csv"]);
    assert_eq!(w.list("o/b.csv"), ["inside"]);
}

/// A webhook saved under another extension is named with the same rename by `convert` and by
/// the exchange folder (issue 19: convert cut the name at the first `.json.`, the exchange
/// folder at the last `.json`).
#[test]
fn convert_and_run_name_the_same_rename_for_a_webhook_saved_under_another_extension() {
    let suggested = |stderr: &str, name: &str| -> String {
        let line = stderr
            .lines()
            .find(|line| line.contains(&format!("/{name}: ")))
            .unwrap_or_else(|| panic!("{name} not named: {stderr}"));
        let rest = &line[line.find("rename it to ").expect(line) + "rename it to ".len()..];
        rest[..rest.find(" to convert it").expect(line)].to_string()
    };
    let w = Workdir::new();
    let names = [
        ("a.json.b.json.txt", "a.json.b.json"),
        ("Hook.JSON.txt", "Hook.JSON"),
        ("hook.jsonx", "hook.json"),
    ];
    for (name, _) in names {
        w.fixture("inbox/note-example.json", &format!("in/{name}"));
        w.fixture("inbox/note-example.json", &format!("inbox/{name}"));
    }
    let (code, by_convert) = run(&mut w.bachata1c(&["convert", "in", "--out", "o"]));
    assert_eq!(code, 2, "{by_convert}");
    let (code, by_run) = run(&mut w.bachata1c(&["run", "--dir", ".", "--settle", "0"]));
    assert_eq!(code, 0, "{by_run}");
    for (name, intended) in names {
        assert_eq!(suggested(&by_convert, name), intended, "{by_convert}");
        assert_eq!(suggested(&by_run, name), intended, "{by_run}");
    }
}

#[test]
fn a_folder_holding_files_but_no_json_names_each_with_what_to_do_and_exits_2() {
    let w = Workdir::new();
    w.fixture("inbox/note-example.json", "in/hook.json.txt");
    w.write("in/notes.txt", "not a webhook");
    let (code, stderr) = run(&mut w.bachata1c(&["convert", "in", "--out", "o"]));
    assert_eq!(code, 2, "{stderr}");
    for line in [
        "bachata1c: in/hook.json.txt: not taken: not a .json file; rename it to hook.json to convert it",
        "bachata1c: in/notes.txt: not taken: not a .json file",
        "no input to convert",
    ] {
        assert!(stderr.contains(line), "{line}: {stderr}");
    }
    assert!(!stderr.contains("0 files read"), "{stderr}");
    assert!(!w.join("o").exists());

    // Renamed as told, it converts; the other file is then named only with -v.
    std::fs::rename(w.join("in/hook.json.txt"), w.join("in/hook.json")).unwrap();
    let (code, stderr) = run(&mut w.bachata1c(&["convert", "in", "--out", "o"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("notes.txt"), "{stderr}");
    assert_eq!(w.list("o"), ["hook.csv"]);
    let (code, stderr) = run(&mut w.bachata1c(&["convert", "in", "--out", "o2", "-v"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("bachata1c: in/notes.txt: not taken: not a .json file"),
        "{stderr}"
    );

    // An empty folder is not a mistake: nothing to do.
    std::fs::create_dir(w.join("empty")).unwrap();
    let (code, stderr) = run(&mut w.bachata1c(&["convert", "empty", "--out", "o3"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("0 files read"), "{stderr}");
}

#[test]
fn help_explains_the_options_with_examples() {
    let w = Workdir::new();
    let output = w.bachata1c(&["convert", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for needle in [
        "Examples:",
        "--format",
        "--encoding",
        "windows-1251",
        "--event",
        "Exit status",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
    let output = w.bachata1c(&["--help"]).output().unwrap();
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("convert")
    );
}

/// Whole outputs as reviewed snapshots: any change to a column, an element or an encoding shows
/// up as a diff in `tests/snapshots/`. The file time is pinned so `ВремяПолучения` is stable.
#[test]
fn whole_outputs_of_the_example_inbox_match_the_reviewed_snapshots() {
    let w = Workdir::new();
    let pinned = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000);
    for name in [
        "note-example",
        "dialog-2026-11-26-service",
        "dialog-2026-11-26-sales",
    ] {
        let path = w.fixture(&format!("inbox/{name}.json"), &format!("in/{name}.json"));
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(pinned)
            .unwrap();
    }
    for format in ["csv", "xml"] {
        let (code, stderr) = run(w
            .bachata1c(&["convert", "in", "--out", format, "--format", format])
            .env("TZ", "UTC"));
        assert_eq!(code, 0, "{stderr}");
    }
    for name in [
        "note-example",
        "dialog-2026-11-26-service",
        "dialog-2026-11-26-sales",
    ] {
        let csv = w.read(&format!("csv/{name}.csv"));
        let csv = encoding_rs::WINDOWS_1251
            .decode(&csv)
            .0
            .replace("\r\n", "⏎\n");
        insta::assert_snapshot!(format!("{name}.csv"), csv);
        let xml = String::from_utf8(w.read(&format!("xml/{name}.xml"))).unwrap();
        insta::assert_snapshot!(format!("{name}.xml"), xml);
    }
}

#[test]
fn st_petersburg_toll_free_and_extension_numbers_are_valid_e164() {
    let w = Workdir::new();
    w.write(
        "in/spb.json",
        r#"{"clients":[
            {"clientId":"a","phone":"8 (812) 309-45-67 доб. 12"},
            {"clientId":"b","phone":"+7 812 309 45 67"},
            {"clientId":"c","phone":"8 800 555-35-35"},
            {"clientId":"d","phone":"+7 555 123-45-67"}
        ]}"#,
    );
    let (code, stderr) =
        run(&mut w.bachata1c(&["convert", "in", "--out", "out", "--require-valid-phone"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("client d skipped: phone not a valid number"),
        "{stderr}"
    );
    let (header, rows) = read_csv_1251(&w.read("out/spb.csv"));
    let phones: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            let c = |name| cell(&header, row, name);
            (c("Телефон"), c("ТелефонПроверен"), c("ТелефонИсходный"))
        })
        .collect();
    assert_eq!(
        phones,
        [
            ("+78123094567", "true", "8 (812) 309-45-67 доб. 12"),
            ("+78123094567", "true", "+7 812 309 45 67"),
            ("+78005553535", "true", "8 800 555-35-35"),
        ]
    );
}
