//! Broken and hostile inputs through the real binary: each gets its exit status and a one-line
//! message naming the file and the reason, and nothing is written outside the output folder.
//! The table here is the one in docs/errors-and-limits.md («Bad inputs and what they get»): keep them in step.
mod common;

use common::{Workdir, run};

/// (file name, content, exit status, what the message says after `bachata1c: <file>: `)
fn cases() -> Vec<(&'static str, Vec<u8>, i32, &'static str)> {
    let fixture = |name: &str| std::fs::read(common::fixture_path(&format!("bad/{name}"))).unwrap();
    let many = format!(r#"{{"clients":[{}]}}"#, vec!["{}"; 100_001].join(","));
    vec![
        ("empty.json", fixture("empty.json"), 1, "refused: the file is empty"),
        ("binary.json", fixture("binary.json"), 1, "refused: binary data, not a JSON text (NUL byte at offset 8)"),
        ("truncated.json", fixture("truncated.json"), 1, "refused: truncated JSON: the text ends at line 6 column 0 before the JSON is complete"),
        ("deep.json", fixture("deep.json"), 1, "refused: JSON nested too deeply at line 1 column 151 (more than 128 levels)"),
        ("koi8.json", fixture("koi8.json"), 1, "refused: the text is not UTF-8 (invalid byte 0xE9 at offset 21) and does not look like windows-1251 (it looks like KOI8-U); save it as UTF-8"),
        ("clients-not-array.json", fixture("clients-not-array.json"), 1, "refused: `clients` must be an array of client objects, found an object"),
        ("not-json.json", b"hello".to_vec(), 1, "refused: invalid JSON at line 1 column 1: expected value"),
        ("top-array.json", b"[1,2]".to_vec(), 1, "refused: expected a JSON object with a `clients` array, found an array"),
        ("no-clients.json", br#"{"event":"x"}"#.to_vec(), 1, "refused: the object has no `clients` array"),
        ("two-documents.json", br#"{"clients":[]} {"clients":[]}"#.to_vec(), 1, "refused: invalid JSON at line 1 column 16: trailing characters"),
        ("trailing-nul.json", b"{\"clients\":[]}\0\0".to_vec(), 1, "refused: binary data, not a JSON text (NUL byte at offset 14)"),
        ("utf16-odd.json", b"\xff\xfe{\x00\"\x00".to_vec(), 1, "refused: truncated JSON: the text ends at line 1 column 2 before the JSON is complete"),
        ("huge-number.json", br#"{"clients":[{"phone":1e400}]}"#.to_vec(), 1, "refused: invalid JSON at line 1 column 26: number out of range"),
        ("too-many-clients.json", many.into_bytes(), 1, "refused: `clients` has 100001 entries, over the limit of 100000 (--max-clients, [limits] max_clients)"),
        ("clients-empty.json", br#"{"clients":[]}"#.to_vec(), 0, "no qualifying client, no file written"),
        ("entries-not-objects.json", br#"{"clients":[1,null,{"phone":"89161234567"}]}"#.to_vec(), 0, "client #2 skipped: entry is null, not a client object"),
        ("controls.json", br#"{"clients":[{"name":"\u0000\u001b\u0007","phone":"89161234567","email":"a;b\"c\r\nd"}]}"#.to_vec(), 0, "1 client → out/controls.csv"),
        ("lone-surrogate.json", br#"{"clients":[{"name":"\ud83d","phone":"89161234567"}]}"#.to_vec(), 0, "1 client → out/lone-surrogate.csv; 1 character not in windows-1251 written as ?"),
    ]
}

#[test]
fn every_bad_input_gets_its_status_and_a_one_line_reason() {
    for (name, bytes, status, message) in cases() {
        let wd = Workdir::new();
        wd.write(name, &bytes);
        let (code, stderr) = run(&mut wd.bachata1c(&["convert", name, "--out", "out"]));
        assert_eq!(code, status, "{name}: {stderr}");
        let expected = format!("bachata1c: {name}: {message}\n");
        assert!(
            stderr.contains(&expected),
            "{name}: expected {expected:?} in\n{stderr}"
        );
        let mut entries = vec![name.to_string(), "out".to_string()];
        entries.sort();
        assert_eq!(wd.list(""), entries, "{name}: nothing else is written");
        if status != 0 {
            assert!(
                wd.list("out").is_empty(),
                "{name}: refused, yet {:?}",
                wd.list("out")
            );
        }
    }
}

#[test]
fn a_missing_input_or_a_folder_named_like_a_webhook_is_reported_and_the_rest_converted() {
    let wd = Workdir::new();
    wd.fixture("inbox/note-example.json", "inbox/note-example.json");
    std::fs::create_dir_all(wd.join("inbox/folder.json")).unwrap();
    let (code, stderr) =
        run(&mut wd.bachata1c(&["convert", "inbox", "missing.json", "--out", "out"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("bachata1c: missing.json: refused: "),
        "{stderr}"
    );
    assert_eq!(wd.list("out"), ["note-example.csv"]);
}

/// A lone UTF-16 surrogate is what JavaScript leaves when it cuts an emoji in half; it cost
/// the whole file before (serde_json refuses it). Found by the hostile-input table.
#[test]
fn lone_surrogate_in_a_name_keeps_the_lead_with_a_replacement_character() {
    let wd = Workdir::new();
    wd.write(
        "hook.json",
        r#"{"clients":[{"name":"Ира \ud83d","clientId":"x\udc00y","phone":"89161234567"}]}"#,
    );
    let (code, stderr) = run(&mut wd.bachata1c(&["convert", "hook.json", "--out", "out"]));
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = common::read_csv_1251(&wd.read("out/hook.csv"));
    assert_eq!(common::cell(&header, &rows[0], "Имя"), "Ира ?");
    assert_eq!(common::cell(&header, &rows[0], "ИдКлиента"), "x?y");
}

/// Output names come only from input names; these are the odd ones a folder can hold.
#[test]
fn odd_input_names_give_outputs_inside_the_output_folder_only() {
    let wd = Workdir::new();
    let names = [
        "..json",
        ".json",
        "...json",
        "a b.json",
        "Заявка №1 от 26.11.json",
        "-starts-with-dash.json",
        "x.JSON",
        "semi;colon.json",
        "quote\"d.json",
    ];
    let body = br#"{"clients":[{"phone":"89161234567"}]}"#;
    let mut args = vec!["convert".to_string()];
    for name in names {
        wd.write(&format!("in/{name}"), body);
        args.push(format!("in/{name}"));
    }
    args.extend(["--out".into(), "sub/out".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stderr) = run(&mut wd.bachata1c(&args));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        wd.list("sub/out"),
        [
            "-starts-with-dash.csv",
            "...csv",
            "..csv",
            ".json.csv",
            "a b.csv",
            "quote\"d.csv",
            "semi;colon.csv",
            "x.csv",
            "Заявка №1 от 26.11.csv"
        ]
    );
    assert_eq!(wd.list("sub"), ["out"]);
    assert_eq!(wd.list(""), ["in", "sub"]);
    // Scanning the folder instead skips the hidden ones, as editors' and our temporary files are.
    let (code, stderr) = run(&mut wd.bachata1c(&["convert", "in", "--out", "scan"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !wd.list("scan").iter().any(|n| n.starts_with('.')),
        "{:?}",
        wd.list("scan")
    );
}
