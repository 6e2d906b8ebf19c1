//! The `mode=query` answer read as 1C's order import reads it (protocol note §3).
//!
//! [`read_orders`] is `ФабрикаXDTO.ПрочитатьXML` plus the field reads of the importer; it
//! accepts the document with or without the `urn:1C.ru:commerceml_2` namespace. Without it
//! (what BX and WC send) XDTO reads it untyped and every leaf is a string. With it, the CML208
//! package types the document, so [`typed_problems`] also enforces that package (rule 15).
//! [`document_gate`] is the per-document validation that fails the whole batch (rule 8).

use chrono::{NaiveDate, NaiveDateTime};
use roxmltree::Node;

use super::{OneCError, Profile};

/// The namespace of the CML208 package that УНФ3 and УТ11 read the orders with.
pub const CML2: &str = "urn:1C.ru:commerceml_2";

/// One `Документ` as 1C's order import reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Order {
    /// Read typed, against the CML208 package: the document is in its namespace. Then `Дата`
    /// and `Время` are `Дата` values, not strings, which decides [`Order::date_in_1c`].
    pub typed: bool,
    pub id: String,
    /// `Номер`; `None` when absent, which throws before any document is written (УНФ3
    /// ЗагрузитьЗаказы 3354, УТ11 4038).
    pub number: Option<String>,
    /// `Дата` as sent; the gate wants `YYYY-MM-DD`.
    pub date: String,
    /// `Время`, optional.
    pub time: Option<String>,
    /// `ХозОперация`.
    pub operation: String,
    pub role: String,
    /// `Валюта`.
    pub currency: String,
    pub rate: String,
    pub sum: String,
    pub comment: Option<String>,
    /// The first `Контрагенты/Контрагент` (УНФ3 15716, УТ11 ЗаполнитьДанныеКонтрагента 4456);
    /// `None` when there is none, which throws.
    pub counterparty: Option<Counterparty>,
    /// `ЗначенияРеквизитов/ЗначениеРеквизита`, in order.
    pub requisites: Vec<Requisite>,
}

impl Order {
    /// The `Дата` 1C gives the order: `ДатаВремяИзСтроки(ДокументXDTO.Дата, ВремяСтрока)` (УТ11
    /// ЗагрузитьЗаказы 4045, ИзвлечьСвойстваЗаказаИзДанныхДокументаXDTO 4405; УНФ3
    /// ЗаполнитьЗаказДаннымиДокументаXDTO 4995 calls its twin ПолучитьДатуВремяИзСтроки), with
    /// `ВремяСтрока` `""` when there is no `Время`. See [`date_time_from_string`].
    pub fn date_in_1c(&self) -> NaiveDateTime {
        let value = |text: &str, as_time: bool| match self.typed {
            false => XdtoValue::Text(text.to_string()),
            true if as_time => XdtoValue::Date(xs_time(text)),
            true => XdtoValue::Date(xs_date(text)),
        };
        let time = match &self.time {
            Some(time) => value(time, true),
            None => XdtoValue::Text(String::new()),
        };
        date_time_from_string(&value(&self.date, false), &time)
    }

    /// `Номер`, or `""` when absent.
    pub fn number(&self) -> &str {
        self.number.as_deref().unwrap_or("")
    }

    /// The first `Значение` of the last pair named `name` (1C keeps pairs in a `Соответствие`,
    /// so a later pair of the same name wins).
    pub fn requisite(&self, name: &str) -> Option<&str> {
        self.requisites
            .iter()
            .rev()
            .find(|r| r.name == name)
            .and_then(|r| r.values.first())
            .map(String::as_str)
    }
}

/// `Контрагенты/Контрагент`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counterparty {
    pub id: String,
    /// `Наименование`: the identity УТ11 matches counterparties by.
    pub name: String,
    /// `ПолноеНаименование`: marks a private person.
    pub full_name: String,
    /// `ОфициальноеНаименование`: its mere presence makes a legal entity (УТ11
    /// ЗаполнитьДанныеКонтрагента 4462).
    pub official_name: Option<String>,
    pub surname: String,
    pub first_name: String,
    pub patronymic: String,
    pub inn: String,
    pub kpp: String,
    /// `Контакты/Контакт` as (`Тип`, `Значение`).
    pub contacts: Vec<Contact>,
    pub role: String,
}

/// One `Контакт`: `Тип` and `Значение`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    pub kind: String,
    pub value: String,
}

/// One `ЗначениеРеквизита`: `Наименование` and every `Значение` (1C reads only the first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requisite {
    pub name: String,
    pub values: Vec<String>,
}

/// Why a document fails 1C's order import (rule 8).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GateFailure {
    /// `Номер` is absent: `ДокументXDTO.Номер` throws while 1C lists the batch's numbers, before
    /// any write (УНФ3 ЗагрузитьЗаказы 3354, УТ11 ЗагрузитьЗаказы 4038).
    #[error("no <Номер>")]
    NoNumber,
    /// `НРег(ХозОперация) <> "заказ товара"`: «Ошибка в значении узла
    /// <Документ>.<ХозОперация>» (УНФ3 СоздатьОбновитьЗаказы 3932, УТ11 4207).
    #[error("<ХозОперация> is {0:?}, not «Заказ товара»")]
    Operation(String),
    /// `Валюта` empty or absent: «Валюта должна быть заполнена» (УНФ3 3945, УТ11 4222).
    #[error("<Валюта> is empty")]
    Currency,
    /// No `Контрагенты/Контрагент`: dereferenced without a check, so it throws (УНФ3
    /// ИдентифицироватьКонтрагента 15716, УТ11 ЗаполнитьДанныеКонтрагента 4456).
    #[error("no <Контрагенты><Контрагент>")]
    NoCounterparty,
    /// `Дата` is not `YYYY-MM-DD`. 1C's ПолучитьДатуВремяИзСтроки (УНФ3 14138‑14142, УТ11
    /// ДатаВремяИзСтроки 7008) swallows the conversion error and dates the order 01.01.0001;
    /// the emulator fails instead, as rule 8 asks.
    #[error("<Дата> {0:?} is not YYYY-MM-DD")]
    Date(String),
    /// `Время` present but not `HH:MM:SS` (same procedures, same stricter reading).
    #[error("<Время> {0:?} is not HH:MM:SS")]
    Time(String),
}

impl GateFailure {
    /// Whether 1C meets this failure as an exception (which rolls the whole batch back in
    /// every profile) rather than as `Возврат Ложь` (which keeps the documents before it in
    /// УНФ3 and УТ11; protocol note §3.6).
    pub fn is_exception(&self) -> bool {
        matches!(self, GateFailure::NoNumber | GateFailure::NoCounterparty)
    }
}

/// A value `ФабрикаXDTO.ПрочитатьXML` gives for a leaf: a string when the document was read
/// untyped, a `Дата` when the package typed it (`ДатаТип` is `xs:date`, `ВремяТип` `xs:time`,
/// read as a `Дата` on 01.01.0001).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XdtoValue {
    Text(String),
    Date(NaiveDateTime),
}

/// УТ11 `ОбменССайтом.ДатаВремяИзСтроки` (7008‑7035; УНФ3 `ПолучитьДатуВремяИзСтроки`
/// 14124‑14150 is the same with `ДФ=dd.MM.yyyy`), inside one `Попытка` that answers any error
/// with 01.01.0001:
///
/// * both values `Дата` (a typed read): `Дата(Формат(Дата, "ДЛФ=D") + " " + Формат(Время,
///   "ДЛФ=T"))`, that is `Дата("27.11.2026 9:05:07")`, which [`date_from_string`] refuses: the
///   order is dated 01.01.0001;
/// * otherwise, `Время` filled: `Дата(СтрЗаменить(Дата, "-", "") + СтрЗаменить(Время, ":", ""))`,
///   `Дата("20261127090507")`; `Время` empty: the date with `"000000"`. A typed `Дата` here
///   (no `Время` in the document) is first made a string, `Строка(Дата)` = «27.11.2026 0:00:00»,
///   which fails the same way.
pub fn date_time_from_string(date: &XdtoValue, time: &XdtoValue) -> NaiveDateTime {
    let zero = NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("01.01.0001");
    let attempt = || -> Option<NaiveDateTime> {
        if let (XdtoValue::Date(date), XdtoValue::Date(time)) = (date, time) {
            let text = format!("{} {}", date.format("%d.%m.%Y"), time.format("%-H:%M:%S"));
            let value = date_from_string(&text)?;
            if value != zero {
                return Some(value);
            }
        }
        let as_string = |value: &XdtoValue| match value {
            XdtoValue::Text(text) => text.clone(),
            XdtoValue::Date(date) => date.format("%d.%m.%Y %-H:%M:%S").to_string(),
        };
        // `ЗначениеЗаполнено(ВремяСтрока)`: a typed midnight is the empty `Дата`.
        let filled = match time {
            XdtoValue::Text(text) => !text.trim().is_empty(),
            XdtoValue::Date(value) => *value != zero,
        };
        let date = as_string(date).replace('-', "");
        if filled {
            date_from_string(&format!("{date}{}", as_string(time).replace(':', "")))
        } else {
            date_from_string(&format!("{date}000000"))
        }
    };
    attempt().unwrap_or(zero)
}

/// The platform's `Дата(Строка)`: `ГГГГММДДччммсс` (or `ГГГГММДД`). Taken leniently, every
/// character but a digit skipped, so that a refusal here is one 1C gives whichever way it reads
/// separators; `None` is the exception it throws.
fn date_from_string(text: &str) -> Option<NaiveDateTime> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<u32>().ok();
    let (hour, minute, second) = match digits.len() {
        8 => (0, 0, 0),
        14 => (number(8..10)?, number(10..12)?, number(12..14)?),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(4..6)?, number(6..8)?)?
        .and_hms_opt(hour, minute, second)
}

/// A typed `xs:date` value (the package's check passed, so it parses).
fn xs_date(text: &str) -> NaiveDateTime {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .expect("an xs:date")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
}

/// A typed `xs:time` value: a `Дата` on 01.01.0001 at that time.
fn xs_time(text: &str) -> NaiveDateTime {
    let time = chrono::NaiveTime::parse_from_str(text.split('.').next().unwrap_or(""), "%H:%M:%S")
        .expect("an xs:time");
    NaiveDate::from_ymd_opt(1, 1, 1)
        .expect("01.01.0001")
        .and_time(time)
}

/// Reads the orders from the XML string 1C got from `mode=query` (after the framing checks).
/// УНФ3 first removes characters XML 1.0 forbids (ПолучитьЗаказыXDTO 3791).
pub fn read_orders(xml: &str, profile: Profile) -> Result<Vec<Order>, OneCError> {
    let cleaned;
    let xml = if profile.removes_invalid_xml_chars() {
        cleaned = xml.chars().filter(|&c| xml_char(c)).collect::<String>();
        cleaned.as_str()
    } else {
        xml
    };
    let document =
        roxmltree::Document::parse(xml).map_err(|e| OneCError::XmlUnreadable(e.to_string()))?;
    let root = document.root_element();
    if root.tag_name().name() != "КоммерческаяИнформация" {
        return Err(OneCError::NotCommerceInformation(
            root.tag_name().name().to_string(),
        ));
    }
    let typed = root.tag_name().namespace() == Some(CML2);
    let mut orders = Vec::new();
    for (index, node) in children(root, "Документ").enumerate() {
        if typed && let Some(problem) = typed_problems(node) {
            return Err(OneCError::Typed {
                document: index,
                problem,
            });
        }
        orders.push(Order {
            typed,
            ..read_order(node)
        });
    }
    Ok(orders)
}

/// Characters XML 1.0 allows.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn read_order(node: Node) -> Order {
    let requisites = child(node, "ЗначенияРеквизитов")
        .map(|list| {
            children(list, "ЗначениеРеквизита")
                .map(read_requisite)
                .collect()
        })
        .unwrap_or_default();
    Order {
        typed: false,
        id: leaf(node, "Ид").unwrap_or_default(),
        number: leaf(node, "Номер"),
        date: leaf(node, "Дата").unwrap_or_default(),
        time: leaf(node, "Время"),
        operation: leaf(node, "ХозОперация").unwrap_or_default(),
        role: leaf(node, "Роль").unwrap_or_default(),
        currency: leaf(node, "Валюта").unwrap_or_default(),
        rate: leaf(node, "Курс").unwrap_or_default(),
        sum: leaf(node, "Сумма").unwrap_or_default(),
        comment: leaf(node, "Комментарий"),
        counterparty: child(node, "Контрагенты")
            .and_then(|list| child(list, "Контрагент"))
            .map(read_counterparty),
        requisites,
    }
}

fn read_counterparty(node: Node) -> Counterparty {
    let contacts = child(node, "Контакты")
        .map(|list| {
            children(list, "Контакт")
                .map(|contact| Contact {
                    kind: leaf(contact, "Тип").unwrap_or_default(),
                    value: leaf(contact, "Значение").unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    Counterparty {
        id: leaf(node, "Ид").unwrap_or_default(),
        name: leaf(node, "Наименование").unwrap_or_default(),
        full_name: leaf(node, "ПолноеНаименование").unwrap_or_default(),
        official_name: leaf(node, "ОфициальноеНаименование"),
        surname: leaf(node, "Фамилия").unwrap_or_default(),
        first_name: leaf(node, "Имя").unwrap_or_default(),
        patronymic: leaf(node, "Отчество").unwrap_or_default(),
        inn: leaf(node, "ИНН").unwrap_or_default(),
        kpp: leaf(node, "КПП").unwrap_or_default(),
        contacts,
        role: leaf(node, "Роль").unwrap_or_default(),
    }
}

fn read_requisite(node: Node) -> Requisite {
    Requisite {
        name: leaf(node, "Наименование").unwrap_or_default(),
        values: children(node, "Значение").map(text).collect(),
    }
}

/// The element children of `node` with the local name `name`, in any namespace.
fn children<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

fn child<'a, 'input>(node: Node<'a, 'input>, name: &'static str) -> Option<Node<'a, 'input>> {
    children(node, name).next()
}

/// The string value of the first child `name`: `None` when absent, or when it has element
/// children (untyped XDTO then gives an object, not a string).
fn leaf(node: Node, name: &'static str) -> Option<String> {
    let found = child(node, name)?;
    if found.children().any(|n| n.is_element()) {
        return None;
    }
    Some(text(found))
}

/// The text of an element, entities resolved, whitespace kept as XDTO keeps it for strings.
fn text(node: Node) -> String {
    node.children()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The document gate (rule 8).
// ---------------------------------------------------------------------------------------------

/// Checks every document as 1C's import does before and while writing it, in 1C's order: the
/// numbers of all documents first (read before the transaction), then per document
/// `ХозОперация`, `Валюта`, `Контрагент`, `Дата`, `Время`. The first failure fails the batch.
pub fn document_gate(orders: &[Order]) -> Result<(), OneCError> {
    let failed = |index: usize, failure: GateFailure| OneCError::DocumentGate {
        index,
        number: orders[index].number().to_string(),
        failure,
    };
    if let Some(index) = orders.iter().position(|o| o.number.is_none()) {
        return Err(failed(index, GateFailure::NoNumber));
    }
    for (index, order) in orders.iter().enumerate() {
        if let Err(failure) = gate(order) {
            return Err(failed(index, failure));
        }
    }
    Ok(())
}

/// The checks of one document, after its number was read.
pub fn gate(order: &Order) -> Result<(), GateFailure> {
    if order.operation.to_lowercase() != "заказ товара" {
        return Err(GateFailure::Operation(order.operation.clone()));
    }
    if !super::filled(&order.currency) {
        return Err(GateFailure::Currency);
    }
    if order.counterparty.is_none() {
        return Err(GateFailure::NoCounterparty);
    }
    if !digits_pattern(&order.date, "dddd-dd-dd") {
        return Err(GateFailure::Date(order.date.clone()));
    }
    if let Some(time) = &order.time
        && !digits_pattern(time, "dd:dd:dd")
    {
        return Err(GateFailure::Time(time.clone()));
    }
    Ok(())
}

/// Whether `value` matches `pattern`, where `d` is an ASCII digit and any other character
/// stands for itself.
fn digits_pattern(value: &str, pattern: &str) -> bool {
    value.len() == pattern.len()
        && value.chars().zip(pattern.chars()).all(|(v, p)| match p {
            'd' => v.is_ascii_digit(),
            _ => v == p,
        })
}

// ---------------------------------------------------------------------------------------------
// The CML208 package, for a document in its namespace (rule 15).
// ---------------------------------------------------------------------------------------------

/// The children of `Документ` in the package's order (`Документ` is an ordered type), with
/// whether each is required (`lowerBound` 1).
const DOCUMENT_CHILDREN: [(&str, bool); 19] = [
    ("Ид", true),
    ("Номер", true),
    ("Дата", true),
    ("ХозОперация", true),
    ("Роль", true),
    ("Валюта", true),
    ("Курс", true),
    ("Сумма", true),
    ("Контрагенты", true),
    ("Время", false),
    ("СрокПлатежа", false),
    ("Комментарий", false),
    ("Налоги", false),
    ("Скидки", false),
    ("ДопРасходы", false),
    ("Склады", false),
    ("Товары", false),
    ("ЗначенияРеквизитов", false),
    ("Подписанты", false),
];

/// `КонтактТип`, a closed enumeration.
const CONTACT_KINDS: [&str; 11] = [
    "Телефон внутренний",
    "Телефон рабочий",
    "Телефон мобильный",
    "Телефон домашний",
    "Пейджер",
    "Факс",
    "Почта",
    "ICQ",
    "ВебСайт",
    "Координаты на карте",
    "Прочее",
];

/// `ХозОперацияТип` and `РольТип`, closed enumerations.
const OPERATIONS: [&str; 16] = [
    "Заказ товара",
    "Счет на оплату",
    "Отпуск товара",
    "Счет-фактура",
    "Возврат товара",
    "Передача товара на комиссию",
    "Возврат комиссионного товара",
    "Отчет о продажах комиссионного товара",
    "Отчет о списании комиссионного товара",
    "Выплата наличных денег",
    "Возврат наличных денег",
    "Выплата безналичных денег",
    "Возврат безналичных денег",
    "Переоценка товаров",
    "Передача прав",
    "Прочие",
];
const ROLES: [&str; 8] = [
    "Продавец",
    "Покупатель",
    "Плательщик",
    "Получатель",
    "Комитент",
    "Комиссионер",
    "Лицензиар",
    "Лицензиат",
];

/// The first way a namespaced `Документ` breaks the CML208 package (`XDTOPackages/CML208`,
/// read by `ФабрикаXDTO.ПрочитатьXML` in УНФ3 and УТ11). Whether the platform enforces all of
/// it on reading cannot be verified (protocol note §3.1); rule 15 asks the server to keep it.
pub fn typed_problems(document: Node) -> Option<String> {
    document_order_problem(document)
        .or_else(|| enumeration_problem(document, "ХозОперация", &OPERATIONS))
        .or_else(|| enumeration_problem(document, "Роль", &ROLES))
        .or_else(|| length_problem(document, "Ид", 40))
        .or_else(|| length_problem(document, "Номер", 255))
        .or_else(|| length_problem(document, "Комментарий", 3000))
        .or_else(|| currency_problem(document))
        .or_else(|| date_time_problem(document))
        .or_else(|| counterparty_problem(document))
        .or_else(|| requisites_problem(document))
}

fn document_order_problem(document: Node) -> Option<String> {
    let mut position = 0;
    let mut seen = Vec::new();
    for element in document.children().filter(|n| n.is_element()) {
        let name = element.tag_name().name();
        let Some(index) = DOCUMENT_CHILDREN.iter().position(|(n, _)| *n == name) else {
            return Some(format!("<{name}> is not a property of Документ"));
        };
        if index < position || seen.contains(&index) {
            return Some(format!(
                "<{name}> is out of the package's order {:?}",
                DOCUMENT_CHILDREN.map(|(n, _)| n)
            ));
        }
        position = index;
        seen.push(index);
    }
    DOCUMENT_CHILDREN
        .iter()
        .enumerate()
        .find(|(index, (_, required))| *required && !seen.contains(index))
        .map(|(_, (name, _))| format!("the required <{name}> is missing"))
}

fn enumeration_problem(node: Node, name: &'static str, values: &[&str]) -> Option<String> {
    let value = leaf(node, name)?;
    (!values.contains(&value.as_str()))
        .then(|| format!("<{name}> {value:?} is not in the package's enumeration"))
}

fn length_problem(node: Node, name: &'static str, max: usize) -> Option<String> {
    let value = leaf(node, name)?;
    let length = value.chars().count();
    (length > max).then(|| format!("<{name}> has {length} characters, more than {max}"))
}

/// `ВалютаТип` has `length="3"`.
fn currency_problem(document: Node) -> Option<String> {
    let value = leaf(document, "Валюта")?;
    (value.chars().count() != 3)
        .then(|| format!("<Валюта> {value:?} is not exactly 3 characters (ВалютаТип)"))
}

/// `ДатаТип` is xs:date and `ВремяТип` xs:time (without a time zone, as 1C writes them).
fn date_time_problem(document: Node) -> Option<String> {
    if let Some(date) = leaf(document, "Дата")
        && !digits_pattern(&date, "dddd-dd-dd")
    {
        return Some(format!("<Дата> {date:?} is not an xs:date"));
    }
    let time = leaf(document, "Время")?;
    let seconds = time.split('.').next().unwrap_or("");
    (!digits_pattern(seconds, "dd:dd:dd")).then(|| format!("<Время> {time:?} is not an xs:time"))
}

/// `Контрагент` is unordered, but `Роль` is required, names are `НаименованиеТип` (255) and
/// every `Контакт/Тип` is a `КонтактТип`.
fn counterparty_problem(document: Node) -> Option<String> {
    let list = child(document, "Контрагенты")?;
    for counterparty in children(list, "Контрагент") {
        let problem = enumeration_problem(counterparty, "Роль", &ROLES)
            .or_else(|| {
                leaf(counterparty, "Роль")
                    .is_none()
                    .then(|| "<Контрагент> has no <Роль>".to_string())
            })
            .or_else(|| length_problem(counterparty, "Наименование", 255))
            .or_else(|| length_problem(counterparty, "ПолноеНаименование", 255))
            .or_else(|| length_problem(counterparty, "ОфициальноеНаименование", 255))
            .or_else(|| {
                let contacts = child(counterparty, "Контакты")?;
                children(contacts, "Контакт")
                    .find_map(|contact| enumeration_problem(contact, "Тип", &CONTACT_KINDS))
            });
        if problem.is_some() {
            return problem;
        }
    }
    None
}

/// `ЗначениеРеквизита` is `Наименование` (255) then one or more `Значение` (`ЗначениеТип`, 1000).
fn requisites_problem(document: Node) -> Option<String> {
    let list = child(document, "ЗначенияРеквизитов")?;
    for pair in children(list, "ЗначениеРеквизита") {
        let names: Vec<&str> = pair
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        let well_formed = names.first() == Some(&"Наименование")
            && names.len() > 1
            && names[1..].iter().all(|n| *n == "Значение");
        if !well_formed {
            return Some(format!(
                "<ЗначениеРеквизита> is {names:?}, not Наименование then Значение…"
            ));
        }
        let problem = length_problem(pair, "Наименование", 255).or_else(|| {
            children(pair, "Значение").find_map(|value| {
                let length = text(value).chars().count();
                (length > 1000)
                    .then(|| format!("a <Значение> has {length} characters, more than 1000"))
            })
        });
        if problem.is_some() {
            return problem;
        }
    }
    None
}
