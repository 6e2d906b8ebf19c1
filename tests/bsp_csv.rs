//! CSV for 1C's «Загрузка данных из файла» (`--csv-profile bsp`), checked by what the loader's
//! own code does with it: [`bsp_load`] is БСП's `ЗагрузитьCSVФайлВТаблицу`
//! (`1c-syntax/ssl_3_1`, src/cf/DataProcessors/ЗагрузкаДанныхИзФайла/Ext/ManagerModule.bsl,
//! area `РаботаСCSVФайлами`) step by step, so a file that passes here is one the loader puts
//! into the right columns.
mod common;

use std::collections::BTreeMap;

use common::{Workdir, run};

/// A column of the loader's template (`ИнформацияПоКолонкам`): its name, the presentation 1C
/// shows (`ПредставлениеКолонки`) and the synonym a user may have typed (`Синоним`).
struct TemplateColumn {
    name: &'static str,
    presentation: &'static str,
    synonym: &'static str,
}

const fn column(name: &'static str, presentation: &'static str) -> TemplateColumn {
    TemplateColumn {
        name,
        presentation,
        synonym: "",
    }
}

/// «Контрагенты» of a БСП configuration, universal load: the catalog's attributes under their
/// presentations, then one column per contact-information kind titled by the kind's
/// description (`ИнформациюПоКолонкамИзРеквизитовСправочника`,
/// `УправлениеКонтактнойИнформацией.КолонкиДляЗагрузкиДанных`; docs/1c-loaders-research.md §1.3).
const COUNTERPARTIES: [TemplateColumn; 5] = [
    column("Наименование", "Наименование"),
    column("ИНН", "ИНН"),
    column("КонтактнаяИнформация_Телефон", "Телефон"),
    column("КонтактнаяИнформация_ЭлектроннаяПочта", "Электронная почта"),
    column("Комментарий", "Комментарий"),
];

/// «Контрагенты» of УТ 11: `Наименование` is presented as «Рабочее наименование».
const UT11_COUNTERPARTIES: [TemplateColumn; 5] = [
    column("Наименование", "Рабочее наименование"),
    column("НаименованиеПолное", "Сокращенное юр. наименование"),
    column("ИНН", "ИНН"),
    column("КонтактнаяИнформация_ТелефонКонтрагента", "Телефон"),
    column("КонтактнаяИнформация_EmailКонтрагента", "Электронная почта"),
];

/// «Физические лица»: `Наименование` is «ФИО».
const PERSONS: [TemplateColumn; 4] = [
    column("Наименование", "ФИО"),
    column("КонтактнаяИнформация_ТелефонМобильный", "Мобильный телефон"),
    column("КонтактнаяИнформация_ТелефонРабочий", "Рабочий телефон"),
    column(
        "КонтактнаяИнформация_EmailФизическиеЛица",
        "Электронная почта",
    ),
];

/// БСП `ЗагрузитьCSVФайлВТаблицу`, as written:
/// - `ЧтениеТекста = Новый ЧтениеТекста(ИмяФайла)`: no encoding, so UTF-8; a byte-order mark is
///   honoured (bytes that are not UTF-8 become U+FFFD, as the platform's reader replaces them);
/// - `КолонкиШапки = СтрРазделить(Строка, ";", Ложь)`: the titles, empty ones dropped;
/// - each title looked up by `Синоним`, then by `ПредставлениеКолонки`, exactly
///   (`НайтиИнформациюОКолонке`, a `НайтиСтроки` on the value); a matched one is numbered
///   `Позиция` = 1, 2, … in the order matched, an unmatched one gets no number;
/// - `Если Источник.Колонки.Количество() = 0 Тогда Возврат`: no title matched, nothing loaded;
/// - every line (the title line too) split at each `;` with no regard to quotes; value `Индекс`
///   goes to the column numbered `Индекс + 1`, at most as many values as columns, and the rest
///   of the line to column `Индекс` when that is the last column.
///
/// Returns the data rows (the title line, row 0, is the header that
/// `ЗаполнитьТаблицуПоЗагруженнымДаннымИзФайла` reads back) by column name.
fn bsp_load(bytes: &[u8], template: &[TemplateColumn]) -> Vec<BTreeMap<String, String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.split('\n').map(|line| line.trim_end_matches('\r'));
    let Some(first) = lines.next() else {
        return Vec::new();
    };
    let mut columns: Vec<&str> = Vec::new();
    let mut position_in_file: BTreeMap<usize, &str> = BTreeMap::new();
    let mut position = 1;
    for title in first.split(';').filter(|t| !t.is_empty()) {
        let found = template
            .iter()
            .find(|c| !c.synonym.is_empty() && c.synonym == title)
            .or_else(|| template.iter().find(|c| c.presentation == title));
        if let Some(found) = found {
            columns.push(found.name);
            position_in_file.insert(position, found.name);
            position += 1;
        }
    }
    if columns.is_empty() {
        return Vec::new();
    }
    let mut rows = Vec::new();
    let mut line = Some(first.to_string());
    while let Some(mut text) = line.take() {
        let mut row = BTreeMap::new();
        let mut index = 0;
        while let Some(at) = text.find(';') {
            if columns.len() < index + 1 {
                break;
            }
            if let Some(name) = position_in_file.get(&(index + 1)) {
                row.insert(name.to_string(), text[..at].to_string());
            }
            text = text[at + 1..].to_string();
            index += 1;
        }
        if columns.len() == index + 1 {
            row.insert(columns[index].to_string(), text);
        }
        rows.push(row);
        line = lines.next().filter(|l| !l.is_empty()).map(str::to_string);
    }
    rows.remove(0);
    rows
}

fn convert(wd: &Workdir, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["convert", "in", "--out", "out"];
    all.extend_from_slice(args);
    let (code, stderr) = run(&mut wd.bachata1c(&all));
    assert_eq!(code, 0, "{stderr}");
    wd.read("out/hook.csv")
}

fn with_leads() -> Workdir {
    let wd = Workdir::new();
    wd.write(
        "in/hook.json",
        r#"{"clients":[
            {"clientId":"c1","name":"Иванов Иван Иванович","phone":"8 (916) 555-12-34","email":"ivan@example.ru"},
            {"clientId":"c2","name":"Иван; \"Ромашка\"","phone":"+7 916 000-00-02","customData":{"Заметка":"a; b \"c\""}},
            {"clientId":"c3","name":"Ёлкина Дарья","phone":"+375 29 123-45-67","email":"d@example.by"}
        ]}"#,
    );
    wd
}

/// Each preset's CSV lands in its template's columns: the counterparty name (distinct per
/// client: 1C matches by it), the phone and the e-mail of every lead, nothing shifted, even
/// when a value holds the `;` and `"` the loader would split on.
#[test]
fn each_target_s_csv_lands_in_the_loader_s_columns() {
    let cases: [(&str, &[TemplateColumn], [&str; 3]); 3] = [
        (
            "counterparties",
            &COUNTERPARTIES,
            [
                "Наименование",
                "КонтактнаяИнформация_Телефон",
                "КонтактнаяИнформация_ЭлектроннаяПочта",
            ],
        ),
        (
            "ut11-counterparties",
            &UT11_COUNTERPARTIES,
            [
                "Наименование",
                "КонтактнаяИнформация_ТелефонКонтрагента",
                "КонтактнаяИнформация_EmailКонтрагента",
            ],
        ),
        (
            "persons",
            &PERSONS,
            [
                "Наименование",
                "КонтактнаяИнформация_ТелефонМобильный",
                "КонтактнаяИнформация_EmailФизическиеЛица",
            ],
        ),
    ];
    for (target, template, [name, phone, email]) in cases {
        let wd = with_leads();
        let csv = convert(&wd, &["--csv-profile", "bsp", "--csv-target", target]);
        assert!(
            csv.starts_with(b"\xEF\xBB\xBF"),
            "UTF-8 with a byte-order mark"
        );
        let rows = bsp_load(&csv, template);
        let got: Vec<[&str; 3]> = rows
            .iter()
            .map(|row| [name, phone, email].map(|c| row.get(c).map_or("", String::as_str)))
            .collect();
        assert_eq!(
            got,
            [
                [
                    "Иванов Иван Иванович, +79165551234",
                    "+79165551234",
                    "ivan@example.ru"
                ],
                ["Иван, 'Ромашка', +79160000002", "+79160000002", ""],
                [
                    "Ёлкина Дарья, +375291234567",
                    "+375291234567",
                    "d@example.by"
                ],
            ],
            "{target}"
        );
    }
}

/// Why the profile exists: the default CSV (windows-1251, bachata1c's titles) matches no title
/// of the loader (УТ 11's «Рабочее наименование», «Электронная почта»…), so it loads nothing;
/// and in UTF-8 its one matching title («Телефон», the third column) takes the first value of
/// each line, the client id: the positional numbering puts it in the wrong field.
#[test]
fn the_plain_csv_loads_nothing_or_into_the_wrong_fields() {
    let wd = with_leads();
    let plain = convert(&wd, &[]);
    assert!(bsp_load(&plain, &UT11_COUNTERPARTIES).is_empty());
    let wd = with_leads();
    let utf8 = convert(&wd, &["--encoding", "utf-8"]);
    let rows = bsp_load(&utf8, &UT11_COUNTERPARTIES);
    assert_eq!(rows[0]["КонтактнаяИнформация_ТелефонКонтрагента"], "c1");
}

/// The titles of the template 1C saves («Шаблон для заполнения», as CSV or Excel) become the
/// config; a CSV made with it loads into the right columns, whatever else the template has.
#[test]
fn the_titles_of_1c_s_template_become_the_config_and_load_right() {
    let template =
        "Рабочее наименование;Сокращенное юр. наименование;ИНН;Телефон;Электронная почта";
    for saved in ["csv", "xlsx"] {
        let wd = with_leads();
        let path = format!("template.{saved}");
        match saved {
            "csv" => {
                wd.write(&path, format!("\u{FEFF}{template}\r\n"));
            }
            _ => {
                let mut book = rust_xlsxwriter::Workbook::new();
                let sheet = book.add_worksheet();
                for (col, title) in template.split(';').enumerate() {
                    sheet.write_string(0, col as u16, title).unwrap();
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
        assert!(
            config.contains(
                r#"Left out (no lead field for them): "Сокращенное юр. наименование", "ИНН""#
            ),
            "{config}"
        );
        wd.write("bachata1c.toml", &config);
        let csv = convert(&wd, &["--config", "bachata1c.toml"]);
        let header = String::from_utf8_lossy(&csv)
            .lines()
            .next()
            .unwrap()
            .to_string();
        assert_eq!(
            header,
            "\u{FEFF}Рабочее наименование;Телефон;Электронная почта"
        );
        let rows = bsp_load(&csv, &UT11_COUNTERPARTIES);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0]["Наименование"],
            "Иванов Иван Иванович, +79165551234"
        );
        assert_eq!(
            rows[2]["КонтактнаяИнформация_EmailКонтрагента"],
            "d@example.by"
        );
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
