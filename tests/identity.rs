//! The same Bachata client gets the same 1C identifier in every file and every format, so that a
//! second import updates one counterparty instead of creating two: the name-based UUID of the
//! clientId, or of the phone where the clientId is missing.

mod common;

use common::{Workdir, read_csv_1251, run, xml_text};

/// The same client (clientId c-1) in two webhooks of different events, with a changed name;
/// a client without clientId twice, with its phone spelt two ways; and someone else.
const FIRST: &str = r#"{"event":"dialog_completed","dialogId":"d-1","clients":[
  {"clientId":"c-1","name":"Иван","phone":"8 916 111-22-33"},
  {"name":"Без ид","phone":"+7 916 111-22-44"}]}"#;
const SECOND: &str = r#"{"event":"chat_started","clients":[
  {"clientId":"c-1","name":"Иванов Иван Иванович","phone":"+79161112233","email":"i@example.ru"},
  {"name":"Без ид","phone":"8 (916) 111-22-44"},
  {"clientId":"c-2","name":"Другой","phone":"8 916 111-22-55"}]}"#;

/// The client identifiers of one output file, in client order.
fn ids(format: &str, bytes: &[u8]) -> Vec<String> {
    if format == "csv" {
        let (header, rows) = read_csv_1251(bytes);
        return rows
            .iter()
            .map(|row| common::cell(&header, row, "Ид").to_string())
            .collect();
    }
    let text = xml_text(bytes);
    let doc = roxmltree::Document::parse(&text).unwrap();
    // xml: Лид/Ид; commerceml: Контрагент/Ид; enterprisedata: Справочник.Контрагенты/…/Ссылка.
    let (parent, id) = match format {
        "xml" => ("Лид", "Ид"),
        "commerceml" => ("Контрагент", "Ид"),
        "enterprisedata" => ("КлючевыеСвойства", "Ссылка"),
        _ => unreachable!(),
    };
    doc.descendants()
        .filter(|n| n.tag_name().name() == parent)
        .filter(|n| {
            format != "enterprisedata"
                || n.parent().unwrap().tag_name().name() == "Справочник.Контрагенты"
        })
        .map(|n| {
            n.children()
                .find(|c| c.tag_name().name() == id)
                .and_then(|c| c.text())
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn a_client_has_the_same_identifier_in_every_file_and_format() {
    let wd = Workdir::new();
    wd.write("in/first.json", FIRST);
    wd.write("in/second.json", SECOND);
    let mut seen: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for format in ["csv", "xml", "commerceml", "enterprisedata"] {
        let out = format!("out-{format}");
        let (code, stderr) = run(&mut wd.bachata1c(&[
            "convert", "in", "--out", &out, "--format", format, "--quiet",
        ]));
        assert_eq!(code, 0, "{stderr}");
        let ext = if format == "csv" { "csv" } else { "xml" };
        let first = ids(format, &wd.read(&format!("{out}/first.{ext}")));
        let second = ids(format, &wd.read(&format!("{out}/second.{ext}")));
        assert_eq!(first.len(), 2, "{format}");
        assert_eq!(second.len(), 3, "{format}");
        assert_eq!(first[0], second[0], "{format}: clientId c-1 in both files");
        assert_eq!(first[1], second[1], "{format}: the same phone, spelt twice");
        assert_ne!(first[0], first[1], "{format}");
        assert_ne!(second[2], second[0], "{format}: another client");
        seen.push((first, second));
    }
    // And the identifiers are the same in all four formats.
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
}

#[test]
fn converting_the_same_file_twice_gives_the_same_document_identifiers() {
    let wd = Workdir::new();
    wd.write("in/first.json", FIRST);
    for (format, out) in [("commerceml", "a"), ("commerceml", "b")] {
        let (code, stderr) =
            run(&mut wd.bachata1c(&["convert", "in", "--out", out, "--format", format]));
        assert_eq!(code, 0, "{stderr}");
    }
    assert_eq!(wd.read("a/first.xml"), wd.read("b/first.xml"));
}
