//! customData of the worst shape (issue 18 item 8: a million short keys), and of every odd kind
//! besides, reaches each output whole: every key and every value, as the formats document them.
//! The expectation is computed apart from bachata1c, from serde_json's reading of the same text.

mod common;

use common::{Workdir, read_csv_text, run};
use serde_json::Value;

/// A webhook of one client whose customData has `short_keys` short keys (the worst case for
/// memory) and entries of every odd kind: escapes, repeated keys, empty and long values, nested
/// values, control characters, keys 1C reserves, the separators of the CSV's one-line form.
fn worst_shape(short_keys: usize) -> String {
    let mut entries: Vec<String> = (0..short_keys).map(|i| format!(r#""{i:x}":0"#)).collect();
    let long = "Длинное значение; \\\"в кавычках\\\" | a=b \\\\ 🚗\\n".repeat(3_000);
    entries.extend([
        r#""\u0436\u0438\u0437\u043d\u044c":"\u0421\u0435\u0440\u0432\u0438\u0441: \u0422\u041e-2""#.to_string(),
        r#""повтор":"первое""#.to_string(),
        r#""повтор":"последнее""#.to_string(),
        r#""":"пустой ключ""#.to_string(),
        r#""пустое":"""#.to_string(),
        r#""null":null"#.to_string(),
        r#""вложенное":{"b":[1,2.5,{"z":true,"a":null}],"a":"x"}"#.to_string(),
        r#""число":1e3"#.to_string(),
        r#""a=b|c\\d":"e|f=g\\h | i=j""#.to_string(),
        r#"" пробелы ":"  вокруг  ""#.to_string(),
        r#""упр\u0001авляющий":"зна\u0007чение\ttab\r\nCRLF""#.to_string(),
        r#""Номер":"1C reserves this name""#.to_string(),
        r#""эмодзи 🚗":"🚗 и ё""#.to_string(),
        format!(r#""длинное":"{long}""#),
    ]);
    // Keys in no order at all: the shortest first, then the rest backwards.
    entries.reverse();
    format!(
        r#"{{"clients":[{{"clientId":"c-1","name":"Иван","phone":"89161234567","customData":{{{}}}}}]}}"#,
        entries.join(",")
    )
}

/// What XML 1.0 cannot carry goes (control characters other than tab and line breaks, U+FFFE
/// and U+FFFF), then the ends are trimmed: the cleaning docs/formats.md describes.
fn cleaned(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|&c| {
            (!c.is_control() || matches!(c, '\t' | '\n' | '\r'))
                && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
        })
        .collect();
    kept.trim().to_string()
}

/// customData as every output holds it: a JSON map's entries (sorted by key, the last of equal
/// keys), each value as text (strings as they are, null empty, numbers without `.0`, arrays
/// and objects as compact JSON with sorted keys), keys and values cleaned.
fn expected(json: &str) -> Vec<(String, String)> {
    expected_of(json, 0)
}

/// [`expected`] of the client at `index`.
fn expected_of(json: &str, index: usize) -> Vec<(String, String)> {
    let payload: Value = serde_json::from_str(json).unwrap();
    let custom: &serde_json::Map<String, Value> =
        payload["clients"][index]["customData"].as_object().unwrap();
    custom
        .iter()
        .map(|(key, value)| {
            let text = match value {
                Value::Null => String::new(),
                Value::String(text) => text.clone(),
                Value::Number(n) => match n.as_f64() {
                    Some(f) if n.is_f64() && f.fract() == 0.0 => format!("{f:.0}"),
                    _ => n.to_string(),
                },
                other => other.to_string(),
            };
            (cleaned(key), cleaned(&text))
        })
        .collect()
}

/// The CSV's one-line customData read back by the rule docs/1c-import.md gives: entries split
/// at ` | ` without a `\` before it, a key ends at the first `=` without one, and a `\` makes
/// the character after it plain.
fn read_one_line(text: &str) -> Vec<(String, String)> {
    let mut entries = vec![(String::new(), String::new(), false)];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let (key, value, in_value) = entries.last_mut().unwrap();
        let target = if *in_value { value } else { key };
        match c {
            '\\' => target.push(chars.next().unwrap()),
            '=' if !*in_value => *in_value = true,
            '|' => {
                target.pop();
                chars.next();
                entries.push((String::new(), String::new(), false));
            }
            c => target.push(c),
        }
    }
    entries.into_iter().map(|(k, v, _)| (k, v)).collect()
}

/// An XML reader turns CR LF and a lone CR into LF (roxmltree not where they are written as
/// references, 1C's reader there too).
fn as_read(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn convert(wd: &Workdir, format: &str, extra: &[&str]) -> String {
    let out = format!("out-{format}");
    let mut args = vec![
        "convert",
        "hook.json",
        "--out",
        &out,
        "--format",
        format,
        "-q",
    ];
    args.extend(extra);
    let (code, stderr) = run(&mut wd.bachata1c(&args));
    assert_eq!(code, 0, "{format}: {stderr}");
    let name = if format == "csv" {
        "hook.csv"
    } else {
        "hook.xml"
    };
    String::from_utf8(wd.read(&format!("{out}/{name}"))).unwrap()
}

fn element_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> &'a str {
    node.children()
        .find(|n| n.tag_name().name() == name)
        .and_then(|n| n.text())
        .unwrap_or("")
}

/// CommerceML's requisites by the rules of docs/formats.md: no pair for an empty value, at
/// most 1,000 characters of a value and 255 of a name, a customData key named as one 1C acts
/// on gets `customData ` before it, and the empty key (customData that was not an object) is
/// called ДополнительныеДанные.
fn as_requisites(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| {
            let name = match key.as_str() {
                "" => "ДополнительныеДанные".to_string(),
                "Номер" => format!("customData {key}"),
                _ => key.clone(),
            };
            let cut = |text: &str, max: usize| text.chars().take(max).collect::<String>();
            (cut(&name, 255), as_read(&cut(value, 1000)))
        })
        .collect()
}

/// The customData requisites of each order of a CommerceML document.
fn requisites(xml: &str) -> Vec<Vec<(String, String)>> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "Документ")
        .map(|order| {
            order
                .descendants()
                .filter(|n| n.tag_name().name() == "ЗначениеРеквизита")
                .map(|n| (element_text(n, "Наименование"), element_text(n, "Значение")))
                // What bachata1c adds of its own, before the customData.
                .filter(|(name, _)| !matches!(*name, "Источник" | "Событие" | "ИдДиалога"))
                .map(|(name, value)| (name.to_string(), as_read(value)))
                .collect()
        })
        .collect()
}

/// Fails naming the first entry that differs (the lists are too long to print whole).
fn assert_same(got: &[(String, String)], expected: &[(String, String)], what: &str) {
    let differs = got.iter().zip(expected).position(|(g, e)| g != e);
    if let Some(at) = differs {
        panic!(
            "{what}: entry {at} is {:?}, not {:?}",
            got[at], expected[at]
        );
    }
    assert_eq!(got.len(), expected.len(), "{what}: entries");
}

#[test]
fn every_key_and_value_of_the_worst_shape_reaches_every_output() {
    let wd = Workdir::new();
    let json = worst_shape(100_000);
    wd.write("hook.json", &json);
    let expected = expected(&json);
    assert!(expected.len() > 100_000);

    // CSV in UTF-8, quoted: values keep `;`, quotes and line breaks; read by the csv crate.
    let csv = convert(&wd, "csv", &["--encoding", "utf-8", "--csv-quote"]);
    let (header, rows) = read_csv_text(csv.trim_start_matches('\u{FEFF}'));
    let one_line = common::cell(&header, &rows[0], "ДополнительныеДанные");
    assert_same(&read_one_line(one_line), &expected, "CSV");

    let xml = convert(&wd, "xml", &[]);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let fields: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "Поле")
        .map(|n| {
            let key = n.attribute("Имя").unwrap().to_string();
            (key, as_read(n.text().unwrap_or("")))
        })
        .collect();
    let read_back: Vec<(String, String)> = (expected.iter())
        .map(|(k, v)| (k.clone(), as_read(v)))
        .collect();
    assert_same(&fields, &read_back, "XML");

    let commerceml = convert(&wd, "commerceml", &[]);
    let orders = requisites(commerceml.trim_start_matches('\u{FEFF}'));
    assert_eq!(orders.len(), 1);
    assert_same(&orders[0], &as_requisites(&expected), "CommerceML");

    // EnterpriseData: the origin's line, then one `key: value` line per entry.
    let enterprisedata = convert(&wd, "enterprisedata", &[]);
    let doc = roxmltree::Document::parse(&enterprisedata).unwrap();
    let information = doc
        .descendants()
        .find(|n| n.tag_name().name() == "ДополнительнаяИнформация")
        .and_then(|n| n.text())
        .unwrap();
    let (origin, lines) = information.split_once('\n').unwrap();
    assert!(origin.starts_with("Лид из Bachata"), "{origin}");
    let written: Vec<String> = expected.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    let (lines, written) = (as_read(lines), as_read(&written.join("\n")));
    if let Some(at) = lines.chars().zip(written.chars()).position(|(a, b)| a != b) {
        let around = |text: &str| {
            text.chars()
                .skip(at.saturating_sub(40))
                .take(80)
                .collect::<String>()
        };
        panic!(
            "EnterpriseData: {:?}, not {:?}",
            around(&lines),
            around(&written)
        );
    }
    assert_eq!(lines.len(), written.len(), "EnterpriseData");
}

/// What `run` keeps of a lead in its ledger comes back whole: the orders file is rendered from
/// the ledger, not from the input.
#[test]
fn the_ledger_gives_back_every_key_and_value() {
    let wd = Workdir::new();
    let json = worst_shape(20_000);
    wd.write("x/inbox/hook.json", &json);
    let args = [
        "run",
        "--dir",
        "x",
        "--format",
        "commerceml",
        "--commerceml-file",
        "orders.xml",
        "-q",
    ];
    let (code, stderr) = run(&mut wd.bachata1c(&args));
    assert_eq!(code, 0, "{stderr}");
    let orders = String::from_utf8(wd.read("x/outbox/orders.xml")).unwrap();
    let orders = requisites(orders.trim_start_matches('\u{FEFF}'));
    assert_eq!(orders.len(), 1);
    assert_same(&orders[0], &as_requisites(&expected(&json)), "orders file");
    let listed = wd
        .bachata1c(&["leads", "--dir", "x", "--format", "json"])
        .output()
        .unwrap();
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed[0]["name"], "Иван");
    assert_eq!(listed[0]["phone"], "+79161234567");
}

/// A ledger as bachata1c kept it before issue 18 (a lead's customData a list of string pairs
/// then, one buffer now): its leads read as they were written. The fixture was made by main at
/// ff2f9fb: `bachata1c run --dir x --format commerceml --commerceml-file orders.xml` over its
/// hook.json (two clients, one with customData of every odd kind).
#[test]
fn a_ledger_written_before_gives_back_its_leads_whole() {
    let wd = Workdir::new();
    wd.fixture("ledger-ff2f9fb/ledger.sqlite", "x/state/ledger.sqlite");
    let json = std::fs::read_to_string(common::fixture_path("ledger-ff2f9fb/hook.json")).unwrap();
    // A new webhook, so that the orders file is made again, from the ledger: the old leads
    // and the new one.
    wd.write(
        "x/inbox/new.json",
        r#"{"clients":[{"clientId":"c-3","phone":"89161112233","customData":{"k":"v"}}]}"#,
    );
    let args = [
        "run",
        "--dir",
        "x",
        "--format",
        "commerceml",
        "--commerceml-file",
        "orders.xml",
        // The fixture's leads were received when it was made: keep them in the window for good.
        "--commerceml-window-days",
        "100000",
        "-q",
    ];
    let (code, stderr) = run(&mut wd.bachata1c(&args));
    assert_eq!(code, 0, "{stderr}");
    let orders = String::from_utf8(wd.read("x/outbox/orders.xml")).unwrap();
    let orders = requisites(orders.trim_start_matches('\u{FEFF}'));
    assert_eq!(orders.len(), 3);
    assert_same(
        &orders[0],
        &as_requisites(&expected_of(&json, 0)),
        "first lead",
    );
    assert_same(
        &orders[1],
        &as_requisites(&expected_of(&json, 1)),
        "second lead",
    );
    assert_eq!(orders[2], [("k".to_string(), "v".to_string())]);

    let listed = wd
        .bachata1c(&["leads", "--dir", "x", "--format", "json"])
        .output()
        .unwrap();
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let names: Vec<&str> = (listed.as_array().unwrap().iter())
        .map(|lead| lead["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["", "Пётр", "Иванов Иван Иванович"]);
    assert_eq!(listed[1]["phone"], "+79035551234");
    assert_eq!(listed[2]["email"], "ivan@example.ru");
}
