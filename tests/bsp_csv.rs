//! CSV and XLSX for 1C's «Загрузка данных из файла» (`--csv-profile bsp`, `--csv-target`),
//! checked by what the loader's own code does with them: tests/bsp_loader re-enacts БСП's
//! universal load step by step, from reading the file to `ПроверитьЗаполнение()` with each
//! target catalog's fill check taken from УТ 11's metadata, so a file that passes here is one
//! whose every lead 1C creates, and a row 1C would skip is «Пропущен» here too.
mod bsp_loader;
mod common;

use std::collections::BTreeMap;

use bsp_loader::catalogs::{self, COMPANY_OR_PRIVATE, LEGAL_OR_NATURAL};
use bsp_loader::{Base, Catalog, Outcome, Value, load, read_csv, read_xlsx};
use common::{Workdir, run};

fn convert(wd: &Workdir, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["convert", "in", "--out", "out"];
    all.extend_from_slice(args);
    let (code, stderr) = run(&mut wd.bachata1c(&all));
    assert_eq!(code, 0, "{stderr}");
    let xlsx = args.windows(2).any(|pair| pair == ["--format", "xlsx"]);
    wd.read(if xlsx {
        "out/hook.xlsx"
    } else {
        "out/hook.csv"
    })
}

/// The file as the loader reads it: a CSV or, by its signature, a workbook.
fn read(bytes: &[u8], catalog: &Catalog) -> Vec<BTreeMap<String, String>> {
    if bytes.starts_with(b"PK") {
        read_xlsx(bytes, catalog)
    } else {
        read_csv(bytes, catalog)
    }
}

/// The rows the loader creates from the file; panics with the reason on a skipped one.
fn created(bytes: &[u8], catalog: &Catalog) -> Vec<BTreeMap<&'static str, Value>> {
    let outcomes = load(&read(bytes, catalog), catalog, &Base::default());
    outcomes.iter().map(|o| o.created().clone()).collect()
}

/// The options for `target` in `format`: the `bsp` profile gives a workbook the target's
/// columns as it gives them to a CSV.
fn target_args<'a>(format: &'a str, target: &'a str) -> Vec<&'a str> {
    vec![
        "--format",
        format,
        "--csv-profile",
        "bsp",
        "--csv-target",
        target,
    ]
}

fn text(value: &str) -> Value {
    Value::Text(value.to_string())
}

fn with_leads() -> Workdir {
    let wd = Workdir::new();
    wd.write(
        "in/hook.json",
        r#"{"clients":[
            {"clientId":"c1","name":"Иванов Иван Иванович","phone":"8 (916) 555-12-34","email":"ivan@example.ru"},
            {"clientId":"c2","name":"Иван; \"Ромашка\"","phone":"+7 916 000-00-02","customData":{"Заметка":"a; b \"c\""}},
            {"clientId":"c3","name":"Ёлкина Дарья","phone":"+375 29 123-45-67","email":"d@example.by"},
            {"clientId":"c4","phone":"+7 903 555-00-11"}
        ]}"#,
    );
    wd
}

/// The leads of [`with_leads`] as a file of `format` carries them: (name, counterparty name,
/// phone, e-mail). CSV replaces the `;` and `"` the loader would split on; a workbook keeps them.
/// A lead without a name is «Клиент» as a counterparty and its phone as a person.
fn leads(format: &str) -> [[&'static str; 4]; 4] {
    let (c2, c2_counterparty) = match format {
        "csv" => ("Иван, 'Ромашка'", "Иван, 'Ромашка', +79160000002"),
        _ => ("Иван; \"Ромашка\"", "Иван; \"Ромашка\", +79160000002"),
    };
    [
        [
            "Иванов Иван Иванович",
            "Иванов Иван Иванович, +79165551234",
            "+79165551234",
            "ivan@example.ru",
        ],
        [c2, c2_counterparty, "+79160000002", ""],
        [
            "Ёлкина Дарья",
            "Ёлкина Дарья, +375291234567",
            "+375291234567",
            "d@example.by",
        ],
        ["+79035550011", "Клиент, +79035550011", "+79035550011", ""],
    ]
}

const PHONE: &str = "КонтактнаяИнформация_Телефон";
const EMAIL: &str = "КонтактнаяИнформация_Электронная_32_почта";

/// `partners`: a partner per lead passes `Справочник.Партнеры`' fill check: «Клиент» is ticked
/// (one business relation at least), «Юр/Физлицо» is «Частное лицо», «Публичное наименование»
/// is the person's name, «Наименование» tells namesakes apart; phone and e-mail in its kinds.
/// In CSV (UTF-8, `--csv-profile bsp`) and in XLSX alike.
#[test]
fn every_lead_becomes_a_partner_of_ut11() {
    for format in ["csv", "xlsx"] {
        let wd = with_leads();
        let bytes = convert(&wd, &target_args(format, "partners"));
        let partners = created(&bytes, &catalogs::partners());
        assert_eq!(partners.len(), 4, "{format}");
        for (partner, [name, counterparty, phone, email]) in partners.iter().zip(leads(format)) {
            assert_eq!(partner["Наименование"], text(counterparty), "{format}");
            assert_eq!(partner["НаименованиеПолное"], text(name), "{format}");
            assert_eq!(partner["Клиент"], Value::Flag(true), "{format}");
            assert_eq!(
                partner["ЮрФизЛицо"],
                Value::Ref(Some(COMPANY_OR_PRIVATE[1])),
                "{format}"
            );
            assert_eq!(partner[PHONE], text(phone), "{format}");
            assert_eq!(partner[EMAIL], text(email), "{format}");
        }
    }
}

/// `ut11-counterparties`: «Юр/Физлицо» «Физическое лицо» and «Партнер» «Неизвестный партнер»,
/// the predefined partner УТ 11's own site exchange gives a counterparty it makes no partner for
/// (ОбменССайтамиУТ.СоздатьКонтрагента), found by its name; `--csv-partner` names another.
#[test]
fn every_lead_becomes_a_counterparty_of_ut11_under_the_configured_partner() {
    for (format, partner) in [
        ("csv", None),
        ("xlsx", None),
        ("csv", Some("Розничный покупатель")),
    ] {
        let wd = with_leads();
        let mut args = target_args(format, "ut11-counterparties");
        if let Some(partner) = partner {
            args.extend(["--csv-partner", partner]);
        }
        let bytes = convert(&wd, &args);
        let counterparties = created(&bytes, &catalogs::ut11_counterparties());
        assert_eq!(counterparties.len(), 4, "{format}");
        for (counterparty, [name, working_name, phone, email]) in
            counterparties.iter().zip(leads(format))
        {
            assert_eq!(counterparty["Наименование"], text(working_name));
            assert_eq!(counterparty["НаименованиеПолное"], text(name));
            assert_eq!(
                counterparty["ЮрФизЛицо"],
                Value::Ref(Some(LEGAL_OR_NATURAL[1]))
            );
            assert_eq!(
                counterparty["Партнер"],
                Value::Ref(Some(partner.unwrap_or("Неизвестный партнер")))
            );
            assert_eq!(counterparty[PHONE], text(phone));
            assert_eq!(counterparty[EMAIL], text(email));
        }
    }
}

/// The partner comes from the config too; one the base does not hold leaves «Партнер» empty,
/// and 1C skips every row, as the re-enactment shows.
#[test]
fn a_partner_the_base_lacks_skips_every_counterparty() {
    let wd = with_leads();
    wd.write(
        "bachata1c.toml",
        "[output]\ncsv_profile = \"bsp\"\ncsv_target = \"ut11-counterparties\"\ncsv_partner = \"Покупатели с сайта\"\n",
    );
    let bytes = convert(&wd, &["--config", "bachata1c.toml"]);
    let catalog = catalogs::ut11_counterparties();
    let outcomes = load(&read(&bytes, &catalog), &catalog, &Base::default());
    assert_eq!(outcomes.len(), 4);
    for outcome in outcomes {
        assert_eq!(
            outcome,
            Outcome::Skipped(vec!["Поле \"Партнер\" не заполнено".to_string()])
        );
    }
    let (code, stderr) =
        run(&mut wd.bachata1c(&["convert", "in", "--out", "out", "--csv-partner", " "]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--csv-partner"), "{stderr}");
}

/// `persons`: «ФИО» is the person's name alone, not the counterparty's «name, phone»; the
/// phone when Bachata has no name, so the fill-checked «ФИО» is never empty.
#[test]
fn every_lead_becomes_a_person_named_by_the_name_alone() {
    for format in ["csv", "xlsx"] {
        let wd = with_leads();
        let bytes = convert(&wd, &target_args(format, "persons"));
        let persons = created(&bytes, &catalogs::persons());
        assert_eq!(persons.len(), 4, "{format}");
        for (person, [name, _, phone, email]) in persons.iter().zip(leads(format)) {
            assert_eq!(person["Наименование"], text(name), "{format}");
            assert_eq!(
                person["КонтактнаяИнформация_Мобильный_32_телефон"],
                text(phone)
            );
            assert_eq!(person[EMAIL], text(email));
        }
    }
}

/// `counterparties` (БП, УНФ…), whose metadata was not read here: each lead's name, phone and
/// e-mail land in their columns, nothing shifted.
#[test]
fn every_lead_lands_in_the_columns_of_bsp_counterparties() {
    let wd = with_leads();
    let bytes = convert(&wd, &["--csv-profile", "bsp"]);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    let counterparties = created(&bytes, &catalogs::bsp_counterparties());
    assert_eq!(counterparties.len(), 4);
    for (counterparty, [_, name, phone, email]) in counterparties.iter().zip(leads("csv")) {
        assert_eq!(counterparty["Наименование"], text(name));
        assert_eq!(counterparty[PHONE], text(phone));
        assert_eq!(counterparty[EMAIL], text(email));
    }
}

/// What the targets wrote before, each row skipped by the catalog's check, as 1C skipped them:
/// the re-enactment's checks bite. `partners` had «Рабочее наименование», which is no title of
/// `Справочник.Партнеры` (its `Наименование` is «Наименование»), so «Телефон» took the name;
/// `ut11-counterparties` lacked «Партнер» and «Юр/Физлицо», empty in an element `СоздатьЭлемент`
/// made and the loader overwrote with every template column.
#[test]
fn the_loader_skips_what_the_catalogs_refuse() {
    let old = |titles: &str| {
        format!(
            "[output]\ncsv_profile = \"bsp\"\n[mapping.csv]\ncolumns = [\"counterparty\", \"phone\", \"email\"]\ntitles = {{ {titles} }}\n"
        )
    };
    let wd = with_leads();
    wd.write(
        "partners.toml",
        old(r#"counterparty = "Рабочее наименование", phone = "Телефон", email = "Электронная почта""#),
    );
    let bytes = convert(&wd, &["--config", "partners.toml"]);
    let partners = catalogs::partners();
    let outcome = &load(&read(&bytes, &partners), &partners, &Base::default())[0];
    assert_eq!(
        outcome,
        &Outcome::Skipped(
            [
                "Необходимо определить хотя бы один тип бизнес-отношений",
                "Поле \"Наименование\" не заполнено",
                "Поле \"Публичное наименование\" не заполнено",
                "Поле \"Юр/Физлицо\" не заполнено",
            ]
            .map(String::from)
            .to_vec()
        )
    );
    wd.write(
        "counterparties.toml",
        old(r#"counterparty = "Рабочее наименование", phone = "Телефон", email = "Электронная почта""#),
    );
    let bytes = convert(&wd, &["--config", "counterparties.toml"]);
    let counterparties = catalogs::ut11_counterparties();
    let outcome = &load(
        &read(&bytes, &counterparties),
        &counterparties,
        &Base::default(),
    )[0];
    assert_eq!(
        outcome,
        &Outcome::Skipped(
            [
                "Поле \"Партнер\" не заполнено",
                "Поле \"Юр/Физлицо\" не заполнено"
            ]
            .map(String::from)
            .to_vec()
        )
    );
}

/// The TOML block of docs/1c-import.md that holds `needle`: what the guide tells a dealer to
/// write is what the test runs.
fn doc_config_with(needle: &str) -> String {
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/1c-import.md"),
    )
    .unwrap();
    guide
        .split("```toml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains(needle))
        .unwrap_or_else(|| panic!("docs/1c-import.md has no TOML block with {needle}"))
        .to_string()
}

/// A base that restricts access by partner groups keeps «Группа доступа» fill-checked: the
/// preset's partners are skipped there, and with the fixed column `"Группа доступа=<group>"`
/// docs/1c-import.md gives they are created.
#[test]
fn a_base_with_partner_access_groups_needs_the_group_column() {
    let partners = catalogs::partners();
    let base = Base {
        access_groups: true,
    };
    let wd = with_leads();
    let bytes = convert(&wd, &["--csv-profile", "bsp", "--csv-target", "partners"]);
    let outcome = &load(&read(&bytes, &partners), &partners, &base)[0];
    assert_eq!(
        outcome,
        &Outcome::Skipped(vec!["Поле \"Группа доступа\" не заполнено".to_string()])
    );
    wd.write("bachata1c.toml", doc_config_with("Группа доступа="));
    let bytes = convert(&wd, &["--config", "bachata1c.toml"]);
    let outcomes = load(&read(&bytes, &partners), &partners, &base);
    assert_eq!(outcomes.len(), 4);
    for outcome in outcomes {
        assert_eq!(
            outcome.created()["ГруппаДоступа"],
            Value::Ref(Some(catalogs::PARTNER_ACCESS_GROUPS[0]))
        );
    }
}

/// Why the profile exists: the default CSV (windows-1251, bachata1c's titles) matches no title
/// of the loader, so it loads nothing; and in UTF-8 its one matching title («Телефон», the third
/// column) takes the first value of each line, the client id: the positional numbering puts it
/// in the wrong field.
#[test]
fn the_plain_csv_loads_nothing_or_into_the_wrong_fields() {
    let counterparties = catalogs::ut11_counterparties();
    let wd = with_leads();
    let plain = convert(&wd, &[]);
    assert!(read_csv(&plain, &counterparties).is_empty());
    let wd = with_leads();
    let utf8 = convert(&wd, &["--encoding", "utf-8"]);
    let rows = read_csv(&utf8, &counterparties);
    assert_eq!(rows[0][PHONE], "c1");
}

/// The titles of the template 1C saves («Шаблон для заполнения», as CSV or Excel: every column
/// of the catalog) become the config, fixed values included, and the CSV made with it creates
/// every lead, for each УТ 11 catalog.
#[test]
fn the_titles_of_1c_s_template_become_the_config_and_load_right() {
    for (catalog, name_column) in [
        (catalogs::partners(), "НаименованиеПолное"),
        (catalogs::ut11_counterparties(), "НаименованиеПолное"),
        (catalogs::persons(), "Наименование"),
    ] {
        let titles: Vec<&str> = catalog.columns.iter().map(|c| c.presentation).collect();
        for saved in ["csv", "xlsx"] {
            let wd = with_leads();
            let path = format!("template.{saved}");
            match saved {
                "csv" => {
                    wd.write(&path, format!("\u{FEFF}{}\r\n", titles.join(";")));
                }
                _ => {
                    let mut book = rust_xlsxwriter::Workbook::new();
                    let sheet = book.add_worksheet();
                    for (col, title) in titles.iter().enumerate() {
                        sheet.write_string(0, col as u16, *title).unwrap();
                    }
                    wd.write(&path, book.save_to_buffer().unwrap());
                }
            }
            let output = wd.bachata1c(&["csv-template", &path]).output().unwrap();
            let config = String::from_utf8(output.stdout).unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(config.contains("csv_profile = \"bsp\""), "{config}");
            wd.write("bachata1c.toml", &config);
            let bytes = convert(&wd, &["--config", "bachata1c.toml"]);
            let elements = created(&bytes, &catalog);
            assert_eq!(elements.len(), 4, "{}: {config}", catalog.name);
            assert_eq!(
                elements[0][name_column],
                text("Иванов Иван Иванович"),
                "{}",
                catalog.name
            );
            assert_eq!(elements[2][EMAIL], text("d@example.by"), "{}", catalog.name);
        }
    }
}

/// The profile keeps the loader's two rules: UTF-8, and no quoting (it splits every `;`).
#[test]
fn the_profile_refuses_what_the_loader_cannot_read() {
    let wd = with_leads();
    for extra in [
        ["--encoding", "windows-1251"],
        ["--csv-quote", "--csv-quote"],
    ] {
        let mut args = vec!["convert", "in", "--out", "out", "--csv-profile", "bsp"];
        args.push(extra[0]);
        if extra[0] == "--encoding" {
            args.push(extra[1]);
        }
        let (code, stderr) = run(&mut wd.bachata1c(&args));
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("csv_profile"), "{stderr}");
    }
}
