//! `--format enterprisedata`: every fixture's message validates, object by object, against the
//! official schema of the version asked for (EnterpriseData_1_8_6.xsd or EnterpriseData_1_6_23.xsd,
//! with ExchangeMessage.xsd; Python xmlschema, XSD 1.1), with and without the dealer's orders; the
//! phone's contact-information value is split into codes and number.
//!
//! Why the version matters (read in БСП 3.1, github.com/1c-syntax/ssl_3_1; no 1C runs here):
//! `ЗагрузитьДанныеИзXML` of DataProcessors.ВыгрузкаЗагрузкаEnterpriseData takes the version from
//! `msg:Format` (`РазложитьФорматОбмена`), and `КомпонентыОбмена` raises «Не поддерживается версия
//! формата обмена: <…>» when `ОбменДаннымиПереопределяемый.ПриПолученииДоступныхВерсийФормата`
//! does not list it. A message must therefore be of one version throughout. And 1C would not say
//! when an object goes astray: `ОбменДаннымиXDTOСервер.ПрочитатьСообщениеОбмена` skips, without
//! a word, an element whose type the version's package lacks (`ФабрикаXDTO.Тип` gives
//! Неопределено) or that has no processing rule (`ПОДПоТипуОбъектаXDTO(…, Истина)` empty), so
//! tests/validate_enterprisedata.py fails on any Body element that names no type of the version.

mod common;

use common::{Workdir, enterprisedata_validate, run, xml_text};

const ED: &str = "http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.8";
const MSG: &str = "http://www.1c.ru/SSL/Exchange/Message";
const VERSIONS: [&str; 2] = ["1.6", "1.8"];

fn namespace(version: &str) -> String {
    format!("http://v8.1c.ru/edi/edi_stnd/EnterpriseData/{version}")
}

const ORDERS_CONFIG: &str = r#"
[mapping]
source = "Бачата"

[mapping.enterprisedata]
organisation = "ООО «Автодилер»"
organisation_inn = "7701234567"
custom_data = ["Модель", "VIN"]
titles = { VIN = "VIN автомобиля" }
"#;

/// The service dialog converted with orders (ORDERS_CONFIG) and `extra` options: the folder,
/// with the message in out/hook.xml, and the message's text.
fn service_message(extra: &[&str]) -> (Workdir, String) {
    let wd = Workdir::new();
    wd.write("bachata1c.toml", ORDERS_CONFIG);
    wd.fixture("inbox/dialog-2026-11-26-service.json", "in/hook.json");
    let mut args = vec![
        "convert",
        "in",
        "--out",
        "out",
        "--format",
        "enterprisedata",
        "--config",
        "bachata1c.toml",
    ];
    args.extend_from_slice(extra);
    let (code, stderr) = run(&mut wd.bachata1c(&args));
    assert_eq!(code, 0, "{stderr}");
    let text = xml_text(&wd.read("out/hook.xml"));
    (wd, text)
}

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
fn every_fixture_validates_in_each_version_as_counterparties_without_an_organisation() {
    for version in VERSIONS {
        let wd = Workdir::new();
        let outputs = convert_inbox(&wd, &["--enterprisedata-version", version]);
        let Some(report) = enterprisedata_validate(version, &outputs) else {
            return;
        };
        assert!(!report.contains("ЗаказКлиента"), "{version}: {report}");
        assert!(
            report.contains("dialog-2026-11-26-sales.xml: valid (3 Справочник.Контрагенты)"),
            "{version}: {report}"
        );
    }
}

#[test]
fn every_fixture_validates_in_each_version_with_orders_in_utf8_and_windows_1251() {
    for version in VERSIONS {
        for encoding in ["utf-8", "windows-1251"] {
            let wd = Workdir::new();
            wd.write("bachata1c.toml", ORDERS_CONFIG);
            let outputs = convert_inbox(
                &wd,
                &[
                    "--config",
                    "bachata1c.toml",
                    "--encoding",
                    encoding,
                    "--enterprisedata-version",
                    version,
                ],
            );
            let Some(report) = enterprisedata_validate(version, &outputs) else {
                return;
            };
            assert!(
                report.contains(
                    "dialog-2026-11-26-sales.xml: valid (3 Документ.ЗаказКлиента, 3 Справочник.Контрагенты)"
                ),
                "{version} {encoding}: {report}"
            );
        }
    }
}

#[test]
fn the_message_has_the_header_and_the_phone_split_into_codes() {
    let (_, text) = service_message(&[]);
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

/// The element `name` of namespace `ns` under `node`.
fn child<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    ns: &str,
    name: &str,
) -> roxmltree::Node<'a, 'input> {
    node.children()
        .find(|c| c.has_tag_name((ns, name)))
        .unwrap_or_else(|| panic!("no {name} in {}", node.tag_name().name()))
}

/// `msg:Format` and every `msg:AvailableVersion` of a message.
fn header(text: &str) -> (String, Vec<String>) {
    let doc = roxmltree::Document::parse(text).unwrap();
    let texts = |name: &str| -> Vec<String> {
        doc.descendants()
            .filter(|n| n.has_tag_name((MSG, name)))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect()
    };
    (texts("Format").concat(), texts("AvailableVersion"))
}

#[test]
fn a_1_6_message_says_1_6_everywhere_and_1_8_nowhere() {
    let (wd, text) = service_message(&["--enterprisedata-version", "1.6"]);
    let ed16 = namespace("1.6");
    assert_eq!(header(&text), (ed16.clone(), vec!["1.6".to_string()]));
    // Nothing of 1.8, not even a namespace declared and unused (the fixture holds no «1.8»).
    assert!(!text.contains("1.8"), "{text}");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let body = doc.root_element().last_element_child().unwrap();
    for node in body.descendants().filter(|n| n.is_element()) {
        assert_eq!(node.tag_name().namespace(), Some(ed16.as_str()), "{node:?}");
    }

    // 1.6's shape of the order: the currency's code directly under Валюта, and the settlement
    // data the 1.6 schema requires, in the order's currency.
    let order = body
        .children()
        .find(|n| n.has_tag_name((ed16.as_str(), "Документ.ЗаказКлиента")))
        .expect("an order");
    let child = |node, name| child(node, &ed16, name);
    let code_of = |currency| child(currency, "Код").text().unwrap().to_string();
    let currency = code_of(child(order, "Валюта"));
    assert_eq!(currency, "643");
    let settlement = child(child(order, "ДанныеВзаиморасчетов"), "ВалютаВзаиморасчетов");
    assert_eq!(code_of(settlement), currency);

    if let Some(report) = enterprisedata_validate("1.6", &[wd.join("out/hook.xml")]) {
        assert!(report.contains("hook.xml: valid"), "{report}");
    }
}

#[test]
fn the_config_key_chooses_the_version_and_the_command_line_wins() {
    let wd = Workdir::new();
    wd.write(
        "bachata1c.toml",
        format!("[output]\nformat = \"enterprisedata\"\nenterprisedata_version = \"1.6\"\n{ORDERS_CONFIG}"),
    );
    wd.fixture("inbox/note-example.json", "in/hook.json");
    let convert = |out: &str, extra: &[&str]| {
        let mut args = vec!["convert", "in", "--out", out, "--config", "bachata1c.toml"];
        args.extend_from_slice(extra);
        let (code, stderr) = run(&mut wd.bachata1c(&args));
        assert_eq!(code, 0, "{stderr}");
        wd.join(&format!("{out}/hook.xml"))
    };
    for (out, extra, version) in [
        ("from-config", &[][..], "1.6"),
        ("from-cli", &["--enterprisedata-version", "1.8"][..], "1.8"),
    ] {
        let file = convert(out, extra);
        let text = xml_text(&std::fs::read(&file).unwrap());
        assert_eq!(
            header(&text),
            (namespace(version), vec![version.to_string()]),
            "{out}"
        );
        if enterprisedata_validate(version, &[file]).is_none() {
            return;
        }
    }
}

#[test]
fn an_unknown_version_is_refused_with_the_versions_there_are() {
    let wd = Workdir::new();
    wd.fixture("inbox/note-example.json", "in/hook.json");
    let convert = |extra: &[&str]| {
        let mut args = vec![
            "convert",
            "in",
            "--out",
            "out",
            "--format",
            "enterprisedata",
        ];
        args.extend_from_slice(extra);
        run(&mut wd.bachata1c(&args))
    };
    let (code, stderr) = convert(&["--enterprisedata-version", "1.7"]);
    assert_eq!(code, 2, "{stderr}");
    for part in ["--enterprisedata-version", "'1.7'", "1.6", "1.8"] {
        assert!(stderr.contains(part), "{part} in {stderr}");
    }

    wd.write(
        "bachata1c.toml",
        "[output]\nenterprisedata_version = \"1.10\"\n",
    );
    let (code, stderr) = convert(&["--config", "bachata1c.toml"]);
    assert_eq!(code, 2, "{stderr}");
    for part in [
        "bachata1c.toml",
        "enterprisedata_version",
        "1.10",
        "`1.6`",
        "`1.8`",
    ] {
        assert!(stderr.contains(part), "{part} in {stderr}");
    }
    assert!(wd.list("out").is_empty());
}

/// Markup characters, quotes, `;`, line breaks, control characters and characters outside the
/// Basic Multilingual Plane, in names, e-mail and mapped customData: each version's message
/// still validates, and the text comes back as written.
#[test]
fn unusual_characters_validate_in_each_version() {
    let name = "О'Брайен <Ёжик> & «Ко» 🚗\u{1}\u{7}";
    let model = "Škoda <Octavia> & \"RS\"; 2.0 ]]>";
    let hook = serde_json::json!({
        "event": "dialog_completed",
        "dialogId": "d-<&>",
        "date": "2026-11-26T15:42:10+03:00",
        "clients": [{
            "searchId": "1/1",
            "clientId": "c<&>\"1",
            "name": name,
            "phone": "+375 29 123-45-67",
            "email": "a&b<c>@example.com",
            "customData": {
                "Модель": model,
                "Комментарий": "строка 1\nстрока 2\r\n\ttab",
                "Пусто": ""
            }
        }]
    });
    let config = r#"
[mapping.enterprisedata]
organisation = "ООО «Автодилер» & <Ко>"
custom_data = ["Модель", "Комментарий", "Пусто"]
"#;
    for version in VERSIONS {
        for organisation in [false, true] {
            let wd = Workdir::new();
            wd.write("in/hook.json", hook.to_string());
            let mut args = vec![
                "convert",
                "in",
                "--out",
                "out",
                "--format",
                "enterprisedata",
                "--enterprisedata-version",
                version,
            ];
            if organisation {
                wd.write("bachata1c.toml", config);
                args.extend(["--config", "bachata1c.toml"]);
            }
            let (code, stderr) = run(&mut wd.bachata1c(&args));
            assert_eq!(code, 0, "{stderr}");
            let text = xml_text(&wd.read("out/hook.xml"));
            let doc = roxmltree::Document::parse(&text).unwrap();
            let ed = namespace(version);
            let texts: Vec<&str> = doc
                .descendants()
                .filter(|n| n.tag_name().namespace() == Some(ed.as_str()))
                .filter_map(|n| n.text())
                .collect();
            assert!(
                texts
                    .iter()
                    .any(|t| t.starts_with("О'Брайен <Ёжик> & «Ко» 🚗")),
                "{version}: {texts:?}"
            );
            if organisation {
                assert!(texts.contains(&model), "{version}: {texts:?}");
            }
            let Some(report) = enterprisedata_validate(version, &[wd.join("out/hook.xml")]) else {
                return;
            };
            let objects = if organisation {
                "valid (1 Документ.ЗаказКлиента, 1 Справочник.Контрагенты)"
            } else {
                "valid (1 Справочник.Контрагенты)"
            };
            assert!(report.contains(objects), "{version}: {report}");
        }
    }
}
