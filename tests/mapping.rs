//! The `[mapping]` config on `convert --config`: CSV columns chosen, ordered and renamed,
//! customData keys as their own columns and requisites, and an unknown key refused by name.

mod common;

use common::{Workdir, read_csv_1251, run, xml_text};

fn convert_with(wd: &Workdir, config: &str, args: &[&str]) -> (i32, String) {
    wd.write("bachata1c.toml", config);
    wd.fixture("inbox/dialog-2026-11-26-service.json", "in/hook.json");
    let mut all = vec![
        "convert",
        "in",
        "--out",
        "out",
        "--config",
        "bachata1c.toml",
    ];
    all.extend_from_slice(args);
    run(&mut wd.bachata1c(&all))
}

#[test]
fn csv_columns_are_chosen_ordered_renamed_and_take_custom_data_keys() {
    let wd = Workdir::new();
    let (code, stderr) = convert_with(
        &wd,
        r#"
[mapping.csv]
columns = ["phone", "name", "customData.VIN", "customData.Модель", "customData.Нет такого", "id"]
titles = { phone = "Мобильный телефон", "customData.VIN" = "VIN автомобиля" }
"#,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let (header, rows) = read_csv_1251(&wd.read("out/hook.csv"));
    assert_eq!(
        header,
        [
            "Мобильный телефон",
            "Имя",
            "VIN автомобиля",
            "Модель",
            "Нет такого",
            "Ид"
        ]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0][..5],
        [
            "+79165551234",
            "Смирнов Алексей Петрович",
            "XW8AN2NE5JH012345",
            "Octavia",
            ""
        ]
    );
}

#[test]
fn the_command_line_wins_over_the_config_output_section() {
    let wd = Workdir::new();
    let (code, stderr) = convert_with(
        &wd,
        "[output]\nformat = \"commerceml\"\ncml_version = \"2.08\"\n",
        &["--format", "xml"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(xml_text(&wd.read("out/hook.xml")).contains("<Лиды"));

    let wd = Workdir::new();
    let (code, stderr) = convert_with(
        &wd,
        "[output]\nformat = \"commerceml\"\ncml_version = \"2.08\"\n",
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let text = xml_text(&wd.read("out/hook.xml"));
    assert!(text.contains(r#"ВерсияСхемы="2.08""#), "{text}");
}

#[test]
fn commerceml_requisites_are_the_mapped_keys_under_the_dealers_names() {
    let wd = Workdir::new();
    let (code, stderr) = convert_with(
        &wd,
        r#"
[mapping]
source = "Бачата чат"
currency = "руб"

[mapping.commerceml]
operation = "Прочие"
custom_data = ["VIN", "Модель"]
titles = { VIN = "VIN автомобиля" }
"#,
        &["--format", "commerceml"],
    );
    assert_eq!(code, 0, "{stderr}");
    common::validate_official("commerceml_2_10.xsd", &wd.join("out/hook.xml"));
    let text = xml_text(&wd.read("out/hook.xml"));
    let doc = roxmltree::Document::parse(&text).unwrap();
    let names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "ЗначениеРеквизита")
        .filter_map(|n| n.first_element_child().and_then(|c| c.text()))
        .collect();
    assert_eq!(
        names,
        [
            "Источник",
            "Событие",
            "ИдДиалога",
            "VIN автомобиля",
            "Модель"
        ]
    );
    assert!(text.contains("<ХозОперация>Прочие</ХозОперация>"));
    assert!(text.contains("<Валюта>руб</Валюта>"));
    assert!(text.contains("Лид из Бачата чат"));
}

#[test]
fn an_unknown_key_or_column_is_an_error_naming_it() {
    for (config, named) in [
        ("[mapping.csv]\ncolums = [\"phone\"]\n", "colums"),
        ("[mapping]\norganization = \"ООО\"\n", "organization"),
        ("[mapping.csv]\ncolumns = [\"phone\", \"fone\"]\n", "fone"),
        ("[mapping.csv.titles]\nphon = \"Телефон\"\n", "phon"),
        ("[mapping.commerceml]\noperation = \"Заказ\"\n", "Заказ"),
    ] {
        let wd = Workdir::new();
        let (code, stderr) = convert_with(&wd, config, &[]);
        assert_eq!(code, 2, "{config}: {stderr}");
        assert!(
            stderr.contains("bachata1c.toml") && stderr.contains(named),
            "{config}: {stderr}"
        );
        assert!(wd.list("out").is_empty(), "nothing written on a bad config");
    }
}

#[test]
fn two_columns_with_one_title_are_refused() {
    let wd = Workdir::new();
    let (code, stderr) = convert_with(
        &wd,
        "[mapping.csv]\ncolumns = [\"phone\", \"phoneRaw\"]\ntitles = { phoneRaw = \"Телефон\" }\n",
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("Телефон"), "{stderr}");
}

#[test]
fn a_missing_config_file_is_named() {
    let wd = Workdir::new();
    wd.fixture("inbox/note-example.json", "in/hook.json");
    let (code, stderr) =
        run(&mut wd.bachata1c(&["convert", "in", "--out", "out", "--config", "nope.toml"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("nope.toml"), "{stderr}");
}
