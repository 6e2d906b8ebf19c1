//! `--format enterprisedata`: every fixture's message validates, object by object, against
//! EnterpriseData_1_8_6.xsd and ExchangeMessage.xsd (Python xmlschema, XSD 1.1), with and without
//! the dealer's orders; the phone's contact-information value is split into codes and number.

mod common;

use common::{Workdir, enterprisedata_validate, run, xml_text};

const ED: &str = "http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.8";
const MSG: &str = "http://www.1c.ru/SSL/Exchange/Message";

const ORDERS_CONFIG: &str = r#"
[mapping]
source = "Бачата"

[mapping.enterprisedata]
organisation = "ООО «Автодилер»"
organisation_inn = "7701234567"
custom_data = ["Модель", "VIN"]
titles = { VIN = "VIN автомобиля" }
"#;

fn convert_inbox(wd: &Workdir, extra: &[&str]) -> Vec<std::path::PathBuf> {
    for name in common::inbox_fixtures() {
        wd.fixture(&format!("inbox/{name}"), &format!("inbox/{name}"));
    }
    let mut args = vec![
        "convert",
        "inbox",
        "--out",
        "out",
        "--format",
        "enterprisedata",
        "--no-require-phone",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let (code, stderr) = run(&mut wd.bachata1c(&args));
    assert_eq!(code, 0, "{stderr}");
    let outputs: Vec<_> = wd
        .list("out")
        .iter()
        .map(|name| wd.join(&format!("out/{name}")))
        .collect();
    assert_eq!(outputs.len(), common::inbox_fixtures().len());
    outputs
}

#[test]
fn every_fixture_validates_as_counterparties_without_an_organisation() {
    let wd = Workdir::new();
    let outputs = convert_inbox(&wd, &[]);
    let Some(report) = enterprisedata_validate(&outputs) else {
        return;
    };
    assert!(!report.contains("ЗаказКлиента"), "{report}");
    assert!(
        report.contains("dialog-2026-11-26-sales.xml: valid (3 Справочник.Контрагенты)"),
        "{report}"
    );
}

#[test]
fn every_fixture_validates_with_orders_in_utf8_and_windows_1251() {
    for encoding in ["utf-8", "windows-1251"] {
        let wd = Workdir::new();
        wd.write("bachata1c.toml", ORDERS_CONFIG);
        let outputs = convert_inbox(&wd, &["--config", "bachata1c.toml", "--encoding", encoding]);
        let Some(report) = enterprisedata_validate(&outputs) else {
            return;
        };
        assert!(
            report.contains(
                "dialog-2026-11-26-sales.xml: valid (3 Документ.ЗаказКлиента, 3 Справочник.Контрагенты)"
            ),
            "{report}"
        );
    }
}

#[test]
fn the_message_has_the_header_and_the_phone_split_into_codes() {
    let wd = Workdir::new();
    wd.write("bachata1c.toml", ORDERS_CONFIG);
    wd.fixture("inbox/dialog-2026-11-26-service.json", "in/hook.json");
    let (code, stderr) = run(&mut wd.bachata1c(&[
        "convert",
        "in",
        "--out",
        "out",
        "--format",
        "enterprisedata",
        "--config",
        "bachata1c.toml",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let text = xml_text(&wd.read("out/hook.xml"));
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "Message");
    let find = |ns: &str, name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name((ns, name)))
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(find(MSG, "Format").text(), Some(ED));
    assert_eq!(find(MSG, "AvailableVersion").text(), Some("1.8"));

    // The phone's value is 1C's contact-information XML, inside the text of ЗначенияПолей.
    let phone_row = doc
        .descendants()
        .filter(|n| n.has_tag_name((ED, "Строка")))
        .find(|n| {
            n.children().any(|c| {
                c.has_tag_name((ED, "ВидКонтактнойИнформации")) && c.text() == Some("Телефон")
            })
        })
        .expect("a phone row");
    let value = phone_row
        .children()
        .find(|c| c.has_tag_name((ED, "ЗначенияПолей")))
        .and_then(|c| c.text())
        .unwrap();
    let inner = roxmltree::Document::parse(value).unwrap();
    let composition = inner
        .descendants()
        .find(|n| n.tag_name().name() == "Состав")
        .unwrap();
    assert_eq!(composition.attribute("КодСтраны"), Some("7"));
    assert_eq!(composition.attribute("КодГорода"), Some("916"));
    assert_eq!(composition.attribute("Номер"), Some("5551234"));
    assert_eq!(
        inner.root_element().attribute("Представление"),
        Some("+7 916 555-12-34")
    );

    // The order: the organisation, the currency by its code, the mapped requisite renamed.
    let order = find(ED, "Документ.ЗаказКлиента");
    let order_text: String = order.descendants().filter_map(|n| n.text()).collect();
    for part in [
        "ООО «Автодилер»",
        "7701234567",
        "643",
        "VIN автомобиля",
        "Octavia",
    ] {
        assert!(order_text.contains(part), "{part} in {order_text}");
    }
    let comment = order
        .children()
        .find(|c| c.has_tag_name((ED, "Комментарий")))
        .and_then(|c| c.text())
        .unwrap();
    assert!(comment.starts_with("Лид из Бачата"), "{comment}");
}

#[test]
fn an_organisation_in_a_currency_without_a_known_code_is_a_config_error() {
    let wd = Workdir::new();
    wd.write(
        "bachata1c.toml",
        "[mapping]\ncurrency = \"XYZ\"\n[mapping.enterprisedata]\norganisation = \"ООО\"\n",
    );
    wd.fixture("inbox/note-example.json", "in/hook.json");
    let (code, stderr) = run(&mut wd.bachata1c(&[
        "convert",
        "in",
        "--out",
        "out",
        "--format",
        "enterprisedata",
        "--config",
        "bachata1c.toml",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("bachata1c.toml") && stderr.contains("currency_code"),
        "{stderr}"
    );
    assert!(wd.list("out").is_empty());
}
