//! CSV that БСП's «Загрузка данных из файла» really takes (`--csv-profile bsp`). What its
//! `ЗагрузитьCSVФайлВТаблицу` does (docs/1c-loaders-research.md §1): it opens the file with
//! `Новый ЧтениеТекста(ИмяФайла)` and no encoding, so UTF-8 (a byte-order mark is honoured);
//! splits every line on `;` without honouring quotes; matches each title exactly against the
//! target's column synonyms and presentations; and numbers the matched titles only while it
//! takes values by their position, so an unmatched column before a matched one shifts later
//! values into the wrong fields. So: UTF-8 with a byte-order mark, values safe for a naive
//! split, and only columns whose titles the target has, in its order.
//!
//! The titles come from a preset for the usual targets, or from the template the dealer's 1C
//! saves («Шаблон для заполнения»): [`crate::template`] reads its header row and
//! [`mapping_for_titles`] finds a lead column for each title it knows.

use super::Field;
use super::mapping::Column;

/// How a CSV file is laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CsvProfile {
    /// Every field, bachata1c's own titles, windows-1251 by default: for the dealer's own
    /// processing (the integration note's route).
    #[default]
    Plain,
    /// For БСП's «Загрузка данных из файла»: UTF-8 with a byte-order mark, only the target's
    /// columns under its titles.
    Bsp,
}

/// What a `bsp` CSV is loaded into: which titles its template has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CsvTarget {
    /// «Контрагенты» of a БСП configuration (БП, УНФ…): «Наименование», «Телефон»,
    /// «Электронная почта».
    #[default]
    Counterparties,
    /// «Контрагенты» of УТ 11, КА, ERP: their `Наименование` is titled «Рабочее наименование».
    Ut11Counterparties,
    /// «Партнеры» of УТ 11: «Рабочее наименование», «Телефон», «Электронная почта».
    Partners,
    /// «Физические лица»: «ФИО», «Мобильный телефон», «Электронная почта».
    Persons,
}

impl CsvTarget {
    /// The columns and their titles, in the order of the target's template.
    pub fn columns(self) -> Vec<(Column, &'static str)> {
        let (name, phone) = match self {
            CsvTarget::Counterparties => ("Наименование", "Телефон"),
            CsvTarget::Ut11Counterparties | CsvTarget::Partners => {
                ("Рабочее наименование", "Телефон")
            }
            CsvTarget::Persons => ("ФИО", "Мобильный телефон"),
        };
        vec![
            (Column::Counterparty, name),
            (Column::Field(Field::Phone), phone),
            (Column::Field(Field::Email), "Электронная почта"),
        ]
    }
}

/// The lead column a template title stands for, by the names 1C gives those fields.
fn column_for(title: &str) -> Option<Column> {
    let lower = title.to_lowercase();
    let column = match lower.as_str() {
        "наименование" | "рабочее наименование" | "фио" | "наименование полное" => {
            Column::Counterparty
        }
        "фамилия" => Column::Field(Field::Surname),
        "имя" => Column::Field(Field::FirstName),
        "отчество" => Column::Field(Field::Patronymic),
        "электронная почта" | "email" | "e-mail" | "адрес электронной почты" | "почта" => {
            Column::Field(Field::Email)
        }
        _ if lower.contains("телефон") => Column::Field(Field::Phone),
        _ => return None,
    };
    Some(column)
}

/// The CSV columns for a template's titles, in its order, under its exact titles; each lead
/// column once (the first title that stands for it). Returns the titles left without a column.
pub fn mapping_for_titles(titles: &[String]) -> (Vec<(Column, String)>, Vec<String>) {
    let mut columns: Vec<(Column, String)> = Vec::new();
    let mut unmatched = Vec::new();
    for title in titles.iter().filter(|t| !t.is_empty()) {
        match column_for(title) {
            Some(column) if !columns.iter().any(|(c, _)| *c == column) => {
                columns.push((column, title.clone()))
            }
            _ => unmatched.push(title.clone()),
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
        ]
        .map(String::from)
        .to_vec();
        let (columns, unmatched) = mapping_for_titles(&titles);
        assert_eq!(
            columns,
            [
                (Column::Counterparty, "Рабочее наименование".to_string()),
                (Column::Field(Field::Phone), "Телефон".to_string()),
                (Column::Field(Field::Email), "Электронная почта".to_string()),
            ]
        );
        assert_eq!(unmatched, ["ИНН", "Факс", "Дополнительный телефон"]);
    }
}
