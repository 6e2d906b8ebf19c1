//! CSV that БСП's «Загрузка данных из файла» really takes (`--csv-profile bsp`). What its
//! `ЗагрузитьCSVФайлВТаблицу` does (docs/1c-loaders-research.md §1): it opens the file with
//! `Новый ЧтениеТекста(ИмяФайла)` and no encoding, so UTF-8 (a byte-order mark is honoured);
//! splits every line on `;` without honouring quotes; matches each title exactly against the
//! target's column synonyms and presentations; and numbers the matched titles only while it
//! takes values by their position, so an unmatched column before a matched one shifts later
//! values into the wrong fields. So: UTF-8 with a byte-order mark, values safe for a naive
//! split, and only columns whose titles the target has. Then `ЗаписатьСопоставленныеДанные`
//! writes each new element and skips («Пропущен») one its catalog's `ПроверитьЗаполнение()`
//! refuses, so each target also carries the fixed values its catalog's check asks
//! ([`CsvTarget::columns`]).
//!
//! The titles come from a preset for the usual targets, or from the template the dealer's 1C
//! saves («Шаблон для заполнения»): [`crate::template`] reads its header row and
//! [`mapping_for_titles`] finds a lead column (or a fixed value) for each title it knows.

use std::collections::BTreeMap;

use super::Field;
use super::mapping::Column;

/// How a CSV file (and an XLSX's columns) is laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CsvProfile {
    /// Every field, bachata1c's own titles, windows-1251 by default: for the dealer's own
    /// processing (the integration note's route).
    #[default]
    Plain,
    /// For БСП's «Загрузка данных из файла»: UTF-8 with a byte-order mark, only the target's
    /// columns under its titles (in an XLSX too).
    Bsp,
}

/// What a `bsp` CSV (or an XLSX) is loaded into: which titles its template has, and the fixed
/// values the target catalog's fill check asks for.
///
/// БСП's loader writes a new element with every column of its template, the file's value or
/// an empty one (`ЗаписатьСопоставленныеДанные`), then calls `ПроверитьЗаполнение()` and skips
/// the row as «Пропущен» if it fails: no attribute keeps a default, so whatever the catalog
/// checks must be in the file (docs/1c-import.md §1.1, tests/bsp_loader).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CsvTarget {
    /// «Контрагенты» of a БСП configuration (БП, УНФ…): «Наименование», «Телефон»,
    /// «Электронная почта».
    #[default]
    Counterparties,
    /// «Контрагенты» of УТ 11, КА, ERP: their `Наименование` is titled «Рабочее наименование»;
    /// a private person under the partner `--csv-partner`.
    Ut11Counterparties,
    /// «Партнеры» of УТ 11: a private client.
    Partners,
    /// «Физические лица»: «ФИО», «Мобильный телефон», «Электронная почта».
    Persons,
}

/// The partner of every counterparty a `ut11-counterparties` file makes (`--csv-partner`,
/// `[output] csv_partner`): the predefined partner УТ 11's own site exchange gives a
/// counterparty it makes no partner for (`ОбменССайтамиУТ.СоздатьКонтрагента`), which the
/// counterparties' list offers to replace by a partner of its own («Создать партнера»,
/// `ФормаСпискаПараметрическая.УстановитьОтборСпискаПоПараметруПартнерСервер`). The loader finds
/// it by `Наименование` (`ЗначениеЯчейки`, `НайтиПоНаименованию`), as
/// `Catalogs/Партнеры/Ext/Predefined.xml` names it.
pub const DEFAULT_PARTNER: &str = "Неизвестный партнер";

/// `Перечисление.КомпанияЧастноеЛицо.ЧастноеЛицо` (a partner's «Юр/Физлицо»), by the
/// presentation the loader matches (`ЗначениеЯчейки`: `Строка(ЗначениеПеречисления)`).
const PRIVATE_PERSON: &str = "Частное лицо";
/// `Перечисление.ЮрФизЛицо.ФизЛицо` (a counterparty's «Юр/Физлицо»).
const NATURAL_PERSON: &str = "Физическое лицо";
/// A boolean column's «Истина»: БСП's `ПредставлениеТекстаДаДляБулево()`.
const YES: &str = "Да";

impl CsvProfile {
    pub const ALL: [CsvProfile; 2] = [CsvProfile::Plain, CsvProfile::Bsp];

    /// The name the config file (and the command line) gives the profile.
    pub fn name(self) -> &'static str {
        match self {
            CsvProfile::Plain => "plain",
            CsvProfile::Bsp => "bsp",
        }
    }
}

impl CsvTarget {
    pub const ALL: [CsvTarget; 4] = [
        CsvTarget::Counterparties,
        CsvTarget::Ut11Counterparties,
        CsvTarget::Partners,
        CsvTarget::Persons,
    ];

    /// The name the config file (and the command line) gives the target.
    pub fn name(self) -> &'static str {
        match self {
            CsvTarget::Counterparties => "counterparties",
            CsvTarget::Ut11Counterparties => "ut11-counterparties",
            CsvTarget::Partners => "partners",
            CsvTarget::Persons => "persons",
        }
    }

    /// The columns and their titles (УТ 11.5.8's metadata synonyms), `partner` for
    /// `ut11-counterparties`. The loader matches titles, not places, so the order is free.
    pub fn columns(self, partner: &str) -> Vec<(Column, String)> {
        let fixed = |title: &'static str, value: &str| {
            let column = Column::Fixed {
                title: title.to_string(),
                value: value.to_string(),
            };
            (column, title)
        };
        let phone = |title: &'static str| (Column::Field(Field::Phone), title);
        let email = (Column::Field(Field::Email), "Электронная почта");
        let columns = match self {
            CsvTarget::Counterparties => vec![
                (Column::Counterparty, "Наименование"),
                phone("Телефон"),
                email,
            ],
            // Справочник.Контрагенты: Наименование and «Партнер», «Юр/Физлицо» are
            // fill-checked; a «Юридическое лицо» (the form's default) also needs an ИНН
            // (ПартнерыИКонтрагентыЛокализация.ПроверитьКорректностьЗаполненияКонтрагента).
            CsvTarget::Ut11Counterparties => vec![
                (Column::Counterparty, "Рабочее наименование"),
                (Column::Person, "Сокращенное юр. наименование"),
                fixed("Юр/Физлицо", NATURAL_PERSON),
                fixed("Партнер", partner),
                phone("Телефон"),
                email,
            ],
            // Справочник.Партнеры: Наименование (titled «Наименование»), «Публичное
            // наименование» and «Юр/Физлицо» are fill-checked; ОбработкаПроверкиЗаполнения
            // refuses a partner that is none of Клиент, Конкурент, Поставщик, ПрочиеОтношения.
            CsvTarget::Partners => vec![
                (Column::Counterparty, "Наименование"),
                (Column::Person, "Публичное наименование"),
                fixed("Юр/Физлицо", PRIVATE_PERSON),
                fixed("Клиент", YES),
                phone("Телефон"),
                email,
            ],
            CsvTarget::Persons => vec![(Column::Person, "ФИО"), phone("Мобильный телефон"), email],
        };
        columns
            .into_iter()
            .map(|(column, title)| (column, title.to_string()))
            .collect()
    }
}

/// The lead column a template title stands for, by the names 1C gives those fields; `partners`:
/// the template is `Справочник.Партнеры`' (it has «Публичное наименование»), whose «Юр/Физлицо»
/// is `КомпанияЧастноеЛицо`, where a counterparty's is `ЮрФизЛицо`.
fn column_for(title: &str, partners: bool) -> Option<Column> {
    let lower = title.to_lowercase();
    let fixed = |value: &str| Column::Fixed {
        title: title.to_string(),
        value: value.to_string(),
    };
    let column = match lower.as_str() {
        "наименование" | "рабочее наименование" => {
            Column::Counterparty
        }
        "фио"
        | "наименование полное"
        | "полное наименование"
        | "публичное наименование"
        | "сокращенное юр. наименование" => Column::Person,
        "фамилия" => Column::Field(Field::Surname),
        "имя" => Column::Field(Field::FirstName),
        "отчество" => Column::Field(Field::Patronymic),
        "электронная почта" | "email" | "e-mail" | "адрес электронной почты" | "почта" => {
            Column::Field(Field::Email)
        }
        // What the catalogs' fill checks ask of a private client (see CsvTarget::columns).
        "клиент" => fixed(YES),
        "партнер" => fixed(DEFAULT_PARTNER),
        "юр/физлицо" if partners => fixed(PRIVATE_PERSON),
        "юр/физлицо" => fixed(NATURAL_PERSON),
        _ if lower.contains("телефон") => Column::Field(Field::Phone),
        _ => return None,
    };
    Some(column)
}

/// Of the titles that stand for one lead column, the one to take: a mobile phone before a plain
/// «Телефон», and that before a home or work phone; otherwise the first.
fn preference(title: &str) -> u8 {
    let lower = title.to_lowercase();
    match lower.as_str() {
        _ if lower.contains("мобильн") => 0,
        "телефон" => 1,
        _ if lower.contains("телефон") => 2,
        _ => 0,
    }
}

/// The CSV columns for a template's titles, in its order, under its exact titles; each lead
/// column once (the title [`preference`] puts first). Returns the titles left without a column.
pub fn mapping_for_titles(titles: &[String]) -> (Vec<(Column, String)>, Vec<String>) {
    let titles: Vec<&String> = titles.iter().filter(|t| !t.is_empty()).collect();
    let partners = titles
        .iter()
        .any(|t| t.to_lowercase() == "публичное наименование");
    let found: Vec<Option<Column>> = titles.iter().map(|t| column_for(t, partners)).collect();
    let mut best: BTreeMap<&Column, usize> = BTreeMap::new();
    for (at, column) in found.iter().enumerate() {
        if let Some(column) = column {
            let better = |other: usize| preference(titles[at]) < preference(titles[other]);
            best.entry(column)
                .and_modify(|chosen| {
                    if better(*chosen) {
                        *chosen = at
                    }
                })
                .or_insert(at);
        }
    }
    let mut columns = Vec::new();
    let mut unmatched = Vec::new();
    for (at, title) in titles.iter().enumerate() {
        match &found[at] {
            Some(column) if best[column] == at => columns.push((column.clone(), title.to_string())),
            _ => unmatched.push(title.to_string()),
        }
    }
    (columns, unmatched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_s_titles_become_columns_in_its_order_each_lead_column_once() {
        let titles: Vec<String> = [
            "Рабочее наименование",
            "ИНН",
            "Телефон",
            "Факс",
            "Электронная почта",
            "Дополнительный телефон",
            "Юр/Физлицо",
            "Партнер",
            "Мобильный телефон",
        ]
        .map(String::from)
        .to_vec();
        let (columns, unmatched) = mapping_for_titles(&titles);
        let fixed = |title: &str, value: &str| {
            let column = Column::Fixed {
                title: title.to_string(),
                value: value.to_string(),
            };
            (column, title.to_string())
        };
        assert_eq!(
            columns,
            [
                (Column::Counterparty, "Рабочее наименование".to_string()),
                (Column::Field(Field::Email), "Электронная почта".to_string()),
                fixed("Юр/Физлицо", NATURAL_PERSON),
                fixed("Партнер", DEFAULT_PARTNER),
                (Column::Field(Field::Phone), "Мобильный телефон".to_string()),
            ]
        );
        assert_eq!(
            unmatched,
            ["ИНН", "Телефон", "Факс", "Дополнительный телефон"]
        );
    }

    #[test]
    fn a_partners_template_makes_a_private_client() {
        let titles: Vec<String> = [
            "Наименование",
            "Клиент",
            "Публичное наименование",
            "Юр/Физлицо",
        ]
        .map(String::from)
        .to_vec();
        let (columns, _) = mapping_for_titles(&titles);
        let values: Vec<String> = columns.iter().map(|(c, _)| c.key()).collect();
        assert_eq!(
            values,
            [
                "counterparty",
                "Клиент=Да",
                "person",
                "Юр/Физлицо=Частное лицо"
            ]
        );
    }
}
