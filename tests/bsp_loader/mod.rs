//! БСП's «Загрузка данных из файла» into a catalog, universal load, re-enacted from its code
//! (`1c-syntax/ssl_3_1` 3.1.12, src/cf/DataProcessors/ЗагрузкаДанныхИзФайла/Ext/ManagerModule.bsl)
//! step by step, so that a row 1C would skip is [`Outcome::Skipped`] here too:
//!
//! 1. the file's titles matched to the template's columns and its values taken, a CSV by
//!    [`read_csv`] (`ЗагрузитьCSVФайлВТаблицу`), a workbook by [`read_xlsx`]
//!    (`ТабличныйДокументВТаблицуЗначений`);
//! 2. each cell's text turned into a value of its column's type ([`Kind::value`],
//!    `ЗаполнитьТаблицуСопоставленияЗагружаемымиДанными` and `ЗначениеЯчейки`);
//! 3. a new element written with every column of the template ([`load`],
//!    `ЗаписатьСопоставленныеДанные`), after `ПроверитьЗаполнение()`: the attributes the
//!    catalog's metadata marks fill-checked, less and plus what its `ОбработкаПроверкиЗаполнения`
//!    takes off and refuses ([`Catalog::check`]). A refused element is «Пропущен».
//!
//! The catalogs and their checks are in [`catalogs`], taken from УТ 11.5.8's metadata.
#![allow(dead_code)] // each test uses a different part of it

pub mod catalogs;

use std::collections::BTreeMap;

/// What a column holds; the loader turns the cell's text into a value by it.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A string (or a date or number, which bachata1c never writes): the cell's text.
    Text,
    /// `xs:boolean`.
    Flag,
    /// An enumeration, by the presentations of its values (`Строка(ЗначениеПеречисления)`).
    Enum(&'static [&'static str]),
    /// A reference to a catalog, by the `Наименование` of the elements the base holds.
    Catalog(&'static [&'static str]),
    /// A contact information kind (`КонтактнаяИнформация_…`): the text, parsed by
    /// `КонтактнаяИнформацияПоПредставлению` when the element is written.
    ContactInformation,
}

/// A column of the loader's template (`ИнформацияПоКолонкам`).
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// `ИмяКолонки`: the attribute's name, or `КонтактнаяИнформация_<kind>`.
    pub name: &'static str,
    /// `ПредставлениеКолонки`: the attribute's synonym, what a file's title must equal.
    pub presentation: &'static str,
    pub kind: Kind,
    /// The metadata's `FillChecking` is `ShowError` (`ПроверкаЗаполнения.ВыдаватьОшибку`).
    pub fill_checked: bool,
}

/// One value of an element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Flag(bool),
    /// An enumeration value or a catalog element, by its presentation; `None`: empty.
    Ref(Option<&'static str>),
}

impl Value {
    /// `ЗначениеЗаполнено`, as the platform's fill check sees it.
    pub fn filled(&self) -> bool {
        match self {
            Value::Text(text) => !text.trim().is_empty(),
            Value::Flag(flag) => *flag,
            Value::Ref(found) => found.is_some(),
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Value::Text(text) => text,
            Value::Ref(Some(found)) => found,
            Value::Ref(None) => "",
            Value::Flag(true) => "Да",
            Value::Flag(false) => "Нет",
        }
    }
}

impl Kind {
    /// The value of a cell's text: `ЗаполнитьТаблицуСопоставленияЗагружаемымиДанными`.
    ///
    /// * Boolean: `ВРег(СокрЛП(Ячейка.Текст))` is `"1"`, `ПредставлениеТекстаДаДляБулево()`
    ///   («Да») or `"ИСТИНА"` → `Истина`, anything else `Ложь`. (БСП before 3.1.9 — УТ 11.5.8
    ///   carries 3.1.5 — assigned the text to the boolean column and left it to the platform.)
    /// * Enumeration: `ЗначениеЯчейки`, the value whose `Строка()` equals `СокрЛП` of the text.
    /// * Catalog: `ЗначениеЯчейки`; the catalogs here are autonumbered, so no code first:
    ///   `НайтиПоНаименованию`, an exact `Наименование = &Наименование` query, when the text is
    ///   filled (then `НайтиПоКоду`, which finds nothing here).
    pub fn value(self, text: &str) -> Value {
        match self {
            Kind::Text | Kind::ContactInformation => Value::Text(text.to_string()),
            Kind::Flag => {
                let upper = text.trim().to_uppercase();
                Value::Flag(upper == "1" || upper == "ДА" || upper == "ИСТИНА")
            }
            Kind::Enum(values) => Value::Ref(
                values
                    .iter()
                    .rev()
                    .find(|value| **value == text.trim())
                    .copied(),
            ),
            Kind::Catalog(names) => Value::Ref(
                (!text.is_empty())
                    .then(|| names.iter().find(|name| **name == text).copied())
                    .flatten(),
            ),
        }
    }
}

/// The settings of the base that decide what its checks ask.
#[derive(Clone, Copy, Debug, Default)]
pub struct Base {
    /// Record-level access restriction with access groups of partners (and of persons) on:
    /// `ГруппаДоступа` stays fill-checked (`ГруппыДоступаПартнеров.ИспользуютсяГруппыДоступа`).
    pub access_groups: bool,
}

/// What `ОбработкаПроверкиЗаполнения` of a catalog does with an element: the refusals it
/// reports (`Отказ`) and the fill-checked attributes it takes off the check.
#[derive(Debug, Default)]
pub struct CheckResult {
    pub refusals: Vec<String>,
    pub unchecked: Vec<&'static str>,
}

/// A catalog as the universal load sees it.
pub struct Catalog {
    pub name: &'static str,
    /// `ИнформациюПоКолонкамИзРеквизитовСправочника`: `Наименование` (and `Родитель` in a
    /// hierarchical catalog), every attribute in the metadata's order, then one column per
    /// contact information kind (`УправлениеКонтактнойИнформацией.КолонкиДляЗагрузкиДанных`).
    pub columns: Vec<Column>,
    /// The catalog's `ОбработкаПроверкиЗаполнения`.
    pub check: fn(&Element, &Base) -> CheckResult,
}

/// A catalog element as the loader fills it, by column name.
pub type Element = BTreeMap<&'static str, Value>;

/// What became of a row: `РезультатСопоставленияСтроки`.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// «Создан»: the element that was written.
    Created(Element),
    /// «Пропущен», with the messages `ПроверитьЗаполнение()` gave.
    Skipped(Vec<String>),
}

impl Outcome {
    pub fn created(&self) -> &Element {
        match self {
            Outcome::Created(element) => element,
            Outcome::Skipped(why) => panic!("the row was skipped: {why:?}"),
        }
    }
}

/// The template column a title stands for: `НайтиИнформациюОКолонке` by `Синоним` (empty in a
/// universal load) and then by `ПредставлениеКолонки`, exactly.
fn column_titled<'a>(catalog: &'a Catalog, title: &str) -> Option<&'a Column> {
    catalog.columns.iter().find(|c| c.presentation == title)
}

/// БСП `ЗагрузитьCSVФайлВТаблицу`, as written:
/// - `ЧтениеТекста = Новый ЧтениеТекста(ИмяФайла)`: no encoding, so UTF-8; a byte-order mark is
///   honoured (bytes that are not UTF-8 become U+FFFD, as the platform's reader replaces them);
/// - `КолонкиШапки = СтрРазделить(Строка, ";", Ложь)`: the titles, empty ones dropped;
/// - each title looked up exactly; a matched one is numbered `Позиция` = 1, 2, … in the order
///   matched, an unmatched one gets no number;
/// - `Если Источник.Колонки.Количество() = 0 Тогда Возврат`: no title matched, nothing loaded;
/// - every line (the title line too) split at each `;` with no regard to quotes; value `Индекс`
///   goes to the column numbered `Индекс + 1`, at most as many values as columns, and the rest
///   of the line to column `Индекс` when that is the last column.
///
/// Returns the data rows (the title line, row 0, is the header that
/// `ЗаполнитьТаблицуПоЗагруженнымДаннымИзФайла` reads back) by column name.
pub fn read_csv(bytes: &[u8], catalog: &Catalog) -> Vec<BTreeMap<String, String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.split('\n').map(|line| line.trim_end_matches('\r'));
    let Some(first) = lines.next() else {
        return Vec::new();
    };
    let mut columns: Vec<&str> = Vec::new();
    let mut position_in_file: BTreeMap<usize, &str> = BTreeMap::new();
    for title in first.split(';').filter(|t| !t.is_empty()) {
        if let Some(found) = column_titled(catalog, title) {
            columns.push(found.name);
            position_in_file.insert(columns.len(), found.name);
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

/// A workbook as БСП reads one: `ТабличныйДокумент.Прочитать`, then
/// `ТабличныйДокументВТаблицуЗначений`: `ИнициализироватьКолонки` finds each column by its
/// header cell, `СокрЛП` of its text, wherever it stands (no positional numbering, unlike CSV);
/// each row's cells go to their columns, and a row whose cells are all empty is dropped. The
/// typed value 1C makes of a cell here (`ПриведениеЗначениеКТипу`, `ЗначениеЯчейки`) is printed
/// back into the form's spreadsheet (`ЗагрузитьФайлВТаблицу`) and read again as in a CSV, so
/// the text is what [`Kind::value`] sees.
pub fn read_xlsx(bytes: &[u8], catalog: &Catalog) -> Vec<BTreeMap<String, String>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).expect("the first sheet");
    let mut rows = range.rows();
    let header = rows.next().unwrap_or(&[]);
    let positions: Vec<(usize, &str)> = header
        .iter()
        .enumerate()
        .filter_map(|(at, cell)| {
            column_titled(catalog, cell.to_string().trim()).map(|column| (at, column.name))
        })
        .collect();
    rows.map(|cells| {
        positions
            .iter()
            .map(|(at, name)| {
                let text = cells.get(*at).map(|c| c.to_string()).unwrap_or_default();
                (name.to_string(), text)
            })
            .collect::<BTreeMap<_, _>>()
    })
    .filter(|row| row.values().any(|text| !text.is_empty()))
    .collect()
}

/// `ЗаполнитьТаблицуСопоставленияЗагружаемымиДанными` and `ЗаписатьСопоставленныеДанные` for
/// rows no existing element was matched to, with «создавать новые» on:
///
/// * every column of the template gets a value, the file's cell or, for a column the file
///   lacks, the value of an empty cell; a row whose values are all empty is dropped;
/// * `МенеджерСправочника.СоздатьЭлемент()`, then `ЭлементСправочника[Колонка.ИмяКолонки] =
///   СтрокаТаблицы[Колонка.ИмяКолонки]` for every visible column (all are, unless the user
///   hides some): a new element holds exactly the template's values, and no attribute keeps a
///   default of its own (`СоздатьЭлемент` does not fill, and the assignment would overwrite it);
/// * `Если НЕ ЭлементСправочника.ПроверитьЗаполнение() Тогда ВызватьИсключение`: the row is
///   «Пропущен» with the messages; otherwise «Создан».
pub fn load(rows: &[BTreeMap<String, String>], catalog: &Catalog, base: &Base) -> Vec<Outcome> {
    rows.iter()
        .map(|row| {
            catalog
                .columns
                .iter()
                .map(|column| {
                    let text = row.get(column.name).map_or("", String::as_str);
                    (column.name, column.kind.value(text))
                })
                .collect::<Element>()
        })
        .filter(|element| element.values().any(Value::filled))
        .map(|element| match fill_check(&element, catalog, base) {
            messages if messages.is_empty() => Outcome::Created(element),
            messages => Outcome::Skipped(messages),
        })
        .collect()
}

/// `ПроверитьЗаполнение()`: the catalog's `ОбработкаПроверкиЗаполнения`, then the platform's
/// check of every fill-checked attribute it left in `ПроверяемыеРеквизиты`.
fn fill_check(element: &Element, catalog: &Catalog, base: &Base) -> Vec<String> {
    let CheckResult {
        mut refusals,
        unchecked,
    } = (catalog.check)(element, base);
    for column in &catalog.columns {
        if column.fill_checked
            && !unchecked.contains(&column.name)
            && !element[column.name].filled()
        {
            refusals.push(format!("Поле \"{}\" не заполнено", column.presentation));
        }
    }
    refusals
}

/// `СтандартныеПодсистемыСервер.ПреобразоватьСтрокуВДопустимоеНаименованиеКолонки`: the name
/// part of a contact information column, every character it forbids as `_<code>_`.
pub fn column_name_part(text: &str) -> String {
    const FORBIDDEN: &str = "№:;!@#$%^&-~`'.,?{}[]+=*/|\\ ()_\"";
    text.chars()
        .map(|c| {
            let code = c as u32;
            if FORBIDDEN.contains(c) || (127..256).contains(&code) {
                format!("_{code}_")
            } else {
                c.to_string()
            }
        })
        .collect()
}
