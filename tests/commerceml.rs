//! `--format commerceml`: every fixture's orders validate against the official CommerceML 2.10
//! and 2.08 XSDs with xmllint, in UTF-8 with a BOM and in windows-1251, and carry the client.

mod common;

use common::{Workdir, run, validate_official, xml_text};

const NS: &str = "urn:1C.ru:commerceml_2";

/// Converts the whole inbox (clients without a phone too, so that every fixture gives a file)
/// and validates every output against `xsd`; returns the output folder's file names.
fn convert_and_validate(wd: &Workdir, args: &[&str], xsd: &str) -> Vec<String> {
    let mut command_args = vec![
        "convert",
        "inbox",
        "--out",
        "out",
        "--format",
        "commerceml",
        "--no-require-phone",
        "--quiet",
    ];
    command_args.extend_from_slice(args);
    for name in common::inbox_fixtures() {
        wd.fixture(&format!("inbox/{name}"), &format!("inbox/{name}"));
    }
    let (code, stderr) = run(&mut wd.bachata1c(&command_args));
    assert_eq!(code, 0, "{stderr}");
    let outputs = wd.list("out");
    assert_eq!(outputs.len(), common::inbox_fixtures().len(), "{outputs:?}");
    for name in &outputs {
        validate_official(xsd, &wd.join(&format!("out/{name}")));
    }
    outputs
}

#[test]
fn every_fixture_validates_against_commerceml_2_10_in_utf8_with_a_bom() {
    let wd = Workdir::new();
    for name in convert_and_validate(&wd, &[], "commerceml_2_10.xsd") {
        let bytes = wd.read(&format!("out/{name}"));
        assert!(bytes.starts_with(b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        let text = xml_text(&bytes);
        let doc = roxmltree::Document::parse(&text).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().namespace(), Some(NS));
        assert_eq!(root.attribute("ВерсияСхемы"), Some("2.10"));
    }
}

#[test]
fn every_fixture_validates_against_commerceml_2_08_in_windows_1251() {
    let wd = Workdir::new();
    let args = ["--cml-version", "2.08", "--encoding", "windows-1251"];
    for name in convert_and_validate(&wd, &args, "commerceml_2_08.xsd") {
        let bytes = wd.read(&format!("out/{name}"));
        assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"windows-1251\"?>"));
        let text = xml_text(&bytes);
        let doc = roxmltree::Document::parse(&text).unwrap();
        assert_eq!(doc.root_element().attribute("ВерсияСхемы"), Some("2.08"));
    }
    // The emoji of the sales fixture survives windows-1251 as a character reference.
    let text = xml_text(&wd.read("out/dialog-2026-11-26-sales.xml"));
    assert!(text.contains("Тест-драйв &#128663;"), "{text}");
}

fn child<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    node.children()
        .find(|n| n.has_tag_name((NS, name)))
        .unwrap_or_else(|| panic!("no {name} in {}", node.tag_name().name()))
}

fn text_of<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> &'a str {
    child(node, name).text().unwrap_or("")
}

#[test]
fn an_order_carries_the_client_contacts_custom_data_and_origin() {
    let wd = Workdir::new();
    wd.fixture("inbox/dialog-2026-11-26-service.json", "in/hook.json");
    let (code, stderr) =
        run(&mut wd.bachata1c(&["convert", "in", "--out", "out", "--format", "commerceml"]));
    assert_eq!(code, 0, "{stderr}");
    validate_official("commerceml_2_10.xsd", &wd.join("out/hook.xml"));
    let text = xml_text(&wd.read("out/hook.xml"));
    let doc = roxmltree::Document::parse(&text).unwrap();
    let orders: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name((NS, "Документ")))
        .collect();
    assert_eq!(orders.len(), 1, "the guest without a phone is skipped");
    let order = orders[0];
    assert_eq!(text_of(order, "ХозОперация"), "Заказ товара");
    assert_eq!(text_of(order, "Валюта"), "RUB");
    let client = child(child(order, "Контрагенты"), "Контрагент");
    // Distinct per client: 1C finds a private client by this name (УТ11‑П
    // ИдентифицироватьКонтрагента 2384), so a name alone would merge every «Иван».
    assert_eq!(
        text_of(client, "Наименование"),
        "Смирнов Алексей Петрович, +79165551234"
    );
    assert_eq!(text_of(client, "Фамилия"), "Смирнов");
    assert_eq!(text_of(client, "Имя"), "Алексей");
    assert_eq!(text_of(client, "Отчество"), "Петрович");
    assert_eq!(text_of(client, "Роль"), "Покупатель");
    let contacts: Vec<(&str, &str)> = child(client, "Контакты")
        .children()
        .filter(|n| n.is_element())
        .map(|c| (text_of(c, "Тип"), text_of(c, "Значение")))
        .collect();
    // The only contact types УТ 11 keeps: spaces removed, «ТелефонРабочий» and «Почта»
    // (УТ11 ЗаполнитьКонтактнуюИнформацию 4853, УТ11‑УТ 786/793); «Телефон мобильный» is dropped.
    assert_eq!(
        contacts,
        [
            ("Телефон рабочий", "+79165551234"),
            ("Почта", "a.smirnov@mail.ru")
        ]
    );
    let requisites: Vec<(&str, &str)> = child(order, "ЗначенияРеквизитов")
        .children()
        .filter(|n| n.is_element())
        .map(|r| (text_of(r, "Наименование"), text_of(r, "Значение")))
        .collect();
    assert!(requisites.contains(&("Событие", "dialog_completed")));
    assert!(requisites.contains(&("VIN", "XW8AN2NE5JH012345")));
    assert!(requisites.contains(&("Услуга", "ТО-4; замена масла")));
    let comment = text_of(order, "Комментарий");
    for part in ["Bachata", "dialog_completed", "hook.json", "searchId 2/11"] {
        assert!(comment.contains(part), "{comment}");
    }
}

/// Guards the XSD lengths: НаименованиеТип is 255 characters and ЗначениеТип 1000. A long
/// customData value is cut to one `Значение`: 1C reads only the first `Значение` of a pair
/// (УНФ3 ОбновитьСоздатьДополнительныеСведенияЗаказа 15685, УТ11 4240‑4253), so more would be
/// lost without a word.
#[test]
fn overlong_names_and_values_still_validate_and_a_long_value_is_one_value_as_1c_reads_it() {
    let wd = Workdir::new();
    let long_value = "Ж".repeat(2500);
    let long_name = format!("{} Иван Иванович", "Ы".repeat(300));
    let payload = serde_json_text(&long_name, &long_value);
    wd.write("in/long.json", payload);
    let (code, stderr) =
        run(&mut wd.bachata1c(&["convert", "in", "--out", "out", "--format", "commerceml"]));
    assert_eq!(code, 0, "{stderr}");
    validate_official("commerceml_2_10.xsd", &wd.join("out/long.xml"));
    let text = xml_text(&wd.read("out/long.xml"));
    let doc = roxmltree::Document::parse(&text).unwrap();
    let requisite = doc
        .descendants()
        .find(|n| {
            n.has_tag_name((NS, "ЗначениеРеквизита")) && text_of(*n, "Наименование") == "Заметка"
        })
        .expect("the customData requisite");
    let values: Vec<&str> = requisite
        .children()
        .filter(|n| n.has_tag_name((NS, "Значение")))
        .map(|n| n.text().unwrap_or(""))
        .collect();
    assert_eq!(
        values,
        [&long_value[..long_value.char_indices().nth(1000).unwrap().0]]
    );
}

fn serde_json_text(name: &str, note: &str) -> String {
    format!(
        r#"{{"event":"dialog_completed","clients":[{{"clientId":"long-1","name":"{name}","phone":"+7 916 000-00-01","customData":{{"Заметка":"{note}","Кавычки":"<a href=\"x\">&amp;</a> ]]>"}}}}]}}"#
    )
}
