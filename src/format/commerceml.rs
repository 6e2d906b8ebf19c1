//! CommerceML 2 orders (`urn:1C.ru:commerceml_2`, 2.10 or 2.08), the document 1C's standard
//! «Обмен с сайтом» loads: one `Документ` «Заказ товара» per lead with the client as a private
//! person `Контрагент`. Element order and lengths follow the official XSDs, which the tests use.

use quick_xml::Writer;
use quick_xml::events::BytesText;

use super::encoding::Unmappable;
use super::{Layout, Rendered, mapping};
use crate::lead::Lead;

pub const NAMESPACE: &str = "urn:1C.ru:commerceml_2";

// Lengths from the XSD simple types, in characters.
const NAME_MAX: usize = 255; // НаименованиеТип, СтрокаТип
const COMMENT_MAX: usize = 3000; // КомментарийТип
const VALUE_MAX: usize = 1000; // ЗначениеТип

type Xml = Writer<Vec<u8>>;

/// How a document is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A file 1C imports: the CommerceML namespace, the layout's encoding, a byte-order mark in
    /// UTF-8 (some 1C releases refuse a UTF-8 CommerceML file without one).
    File,
    /// The answer to 1C's `mode=query`: UTF-8 without a byte-order mark and without a namespace,
    /// as shops' servers send it: 1C's client checks that the body starts with `<?xml`, and
    /// reads an order without a namespace as plain text values (docs/site-exchange-protocol.md
    /// §3.1).
    SiteQuery,
    /// The cumulative orders file 1C's «Обмен с сайтом» through a folder reads
    /// (`--commerceml-file`): a file as [`Framing::File`] (the layout's encoding, a byte-order
    /// mark in UTF-8) but without the namespace, for the reason the `mode=query` answer has none.
    /// 1C reads it with the same `ЗагрузитьЗаказы` (УТ11 ЗагрузитьЗаказыИзФайла 3977, УНФ3 3298):
    /// in `urn:1C.ru:commerceml_2`, the namespace of its CML208 package, `ФабрикаXDTO.ПрочитатьXML`
    /// reads `Дата` and `Время` typed, and `ДатаВремяИзСтроки` (УТ11 ОбменССайтом 7008; УНФ3
    /// ПолучитьДатуВремяИзСтроки 14124) formats those into a string `Дата()` refuses, dating
    /// every order 01.01.0001; without it they stay strings and the order gets its date.
    OrdersFile,
}

impl Framing {
    /// Whether the document is declared in the CommerceML namespace.
    fn namespaced(self) -> bool {
        self == Framing::File
    }

    /// Whether the document is a file, encoded as the layout says (with a byte-order mark in
    /// UTF-8), rather than an HTTP answer, always UTF-8 and without one.
    fn is_file(self) -> bool {
        self != Framing::SiteQuery
    }
}

/// One order: a lead and the number it has in 1C's eyes.
#[derive(Debug, Clone, Copy)]
pub struct Order<'a> {
    pub lead: &'a Lead,
    /// Decimal digits only, unique per lead: 1C builds its own number from the digits of the
    /// shop's number and finds a re-sent order by it (УНФ `ПолучитьНомерДокументаССайта`, УТ 11
    /// looks it up through a `Строка(11)` column).
    pub number: u64,
}

/// The orders of one input file as `convert` writes them: each numbered from its document
/// identifier (see [`file_number`]).
pub fn render(leads: &[Lead], layout: &Layout) -> Rendered {
    let orders: Vec<Order> = leads
        .iter()
        .map(|lead| Order {
            lead,
            number: file_number(lead),
        })
        .collect();
    render_orders(&orders, layout, Framing::File)
}

/// Numbered orders as one document, formed at the latest lead's time (now, when there is none).
pub fn render_orders(orders: &[Order], layout: &Layout, framing: Framing) -> Rendered {
    let fragments: Vec<String> = orders.iter().map(|o| order_xml(o, layout)).collect();
    let formed = orders
        .iter()
        .map(|order| order.lead.received_at)
        .max()
        .unwrap_or_else(|| chrono::Local::now().naive_local());
    assemble(&fragments, formed, layout, framing)
}

/// One order's `<Документ>`, as [`assemble`] puts it into a document: what 1C's `query` is
/// filled with order by order, each rendered once, until the size limit.
pub fn order_xml(order: &Order, layout: &Layout) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b'\t', 1);
    writer
        .create_element("Документ")
        .write_inner_content(|writer| write_order(writer, order, layout))
        .expect("writing to memory");
    String::from_utf8(writer.into_inner()).expect("quick-xml writes UTF-8")
}

/// The lead with its customData cut as its order carries it: each value to the one
/// `Значение` of at most 1,000 characters 1C reads, each key to a requisite name's 255. Its
/// order is the lead's own, byte for byte (save that a `titles` or `custom_data` entry for a key
/// longer than 255 characters then matches nothing): what the ledger keeps for 1C, so that a
/// megabyte of customData costs 1C's query what 1C gets of it. `None` when nothing is cut.
pub fn as_ordered(lead: &Lead) -> Option<Lead> {
    let longer = |text: &str, max: usize| text.len() > max && text.chars().nth(max).is_some();
    if !lead
        .custom_data
        .iter()
        .any(|(key, value)| longer(key, NAME_MAX) || longer(value, VALUE_MAX))
    {
        return None;
    }
    let custom_data = lead
        .custom_data
        .iter()
        .map(|(key, value)| {
            (
                super::truncate(key, NAME_MAX).to_string(),
                super::truncate(value, VALUE_MAX).to_string(),
            )
        })
        .collect();
    Some(Lead {
        custom_data,
        ..lead.clone()
    })
}

/// The document around orders rendered by [`order_xml`]; `formed` is its
/// `ДатаФормирования` (the latest lead's time, so the same orders give the same bytes).
pub fn assemble(
    fragments: &[String],
    formed: chrono::NaiveDateTime,
    layout: &Layout,
    framing: Framing,
) -> Rendered {
    let encoding = if framing.is_file() {
        layout.encoding.xml_name()
    } else {
        "UTF-8"
    };
    let formed = formed.format("%Y-%m-%dT%H:%M:%S");
    let namespace = if framing.namespaced() {
        format!(" xmlns=\"{NAMESPACE}\"")
    } else {
        String::new()
    };
    let mut text = format!(
        "<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<КоммерческаяИнформация{namespace} ВерсияСхемы=\"{}\" ДатаФормирования=\"{formed}\">",
        layout.cml_version.as_str()
    );
    for fragment in fragments {
        text.push('\n');
        text.push_str(fragment);
    }
    text.push_str("\n</КоммерческаяИнформация>");
    if framing.is_file() {
        super::encoded(&text, layout, Unmappable::XmlCharRef, true)
    } else {
        Rendered {
            bytes: text.into_bytes(),
            replaced_chars: 0,
        }
    }
}

/// The number of an order `convert` writes, which has no ledger: 8 digits of its document
/// identifier, the most 1C's number field holds with its site prefix (`СА-` and 8 digits is
/// 11). Two leads share one in about 1 of 20,000 pairs of a thousand leads, so the exchange
/// folder (`run`, `watch`, `serve --convert`) numbers every order from the ledger's queue
/// instead: short, and unique by construction.
pub fn file_number(lead: &Lead) -> u64 {
    (super::document_id(lead).as_u128() % 100_000_000) as u64
}

/// Digits as the order's `Номер`: at least six, as 1C pads them.
pub fn number_text(number: u64) -> String {
    format!("{number:06}")
}

fn element(writer: &mut Xml, name: &str, text: &str) -> std::io::Result<()> {
    writer
        .create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

fn write_order(writer: &mut Xml, order: &Order, layout: &Layout) -> std::io::Result<()> {
    let (lead, mapping) = (order.lead, &layout.mapping);
    element(writer, "Ид", &super::document_id(lead).to_string())?;
    element(writer, "Номер", &number_text(order.number))?;
    element(
        writer,
        "Дата",
        &lead.received_at.format("%Y-%m-%d").to_string(),
    )?;
    element(writer, "ХозОперация", &mapping.commerceml.operation.0)?;
    // The document as the seller (the dealer) sees it; the client is the buyer.
    element(writer, "Роль", "Продавец")?;
    element(writer, "Валюта", &mapping.currency.0)?;
    element(writer, "Курс", "1")?;
    // A lead has no goods yet: the order is empty and 1C's manager fills it.
    element(writer, "Сумма", "0")?;
    writer
        .create_element("Контрагенты")
        .write_inner_content(|writer| {
            writer
                .create_element("Контрагент")
                .write_inner_content(|writer| write_client(writer, lead, layout))?;
            Ok(())
        })?;
    element(
        writer,
        "Время",
        &lead.received_at.format("%H:%M:%S").to_string(),
    )?;
    let comment = super::origin_comment(lead, &mapping.source);
    element(
        writer,
        "Комментарий",
        super::truncate(&comment, COMMENT_MAX),
    )?;
    writer
        .create_element("ЗначенияРеквизитов")
        .write_inner_content(|writer| {
            requisite(writer, "Источник", &mapping.source)?;
            requisite(writer, "Событие", &lead.event)?;
            requisite(writer, "ИдДиалога", &lead.dialog_id)?;
            let custom = mapping::requisites(
                lead,
                mapping.commerceml.custom_data.as_deref(),
                &mapping.commerceml.titles,
            );
            for (name, value) in custom {
                requisite(writer, &requisite_name(name), value)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_client(writer: &mut Xml, lead: &Lead, layout: &Layout) -> std::io::Result<()> {
    let counterparty = layout.mapping.counterparty_name(lead);
    let name = super::truncate(&counterparty, NAME_MAX);
    element(writer, "Ид", &lead.id.to_string())?;
    // 1C finds a private client by this name (УТ 11 `ИдентифицироватьКонтрагента`): one
    // distinct per client, or every «Иван» becomes one counterparty.
    element(writer, "Наименование", name)?;
    // РеквизитыФизЛица: a chat visitor is a private person (never ОфициальноеНаименование,
    // which makes 1C create a legal entity).
    element(writer, "ПолноеНаименование", name)?;
    if let Some(full) = &lead.full_name {
        for (tag, part) in [
            ("Фамилия", &full.surname),
            ("Имя", &full.first_name),
            ("Отчество", &full.patronymic),
        ] {
            if !part.is_empty() {
                element(writer, tag, super::truncate(part, NAME_MAX))?;
            }
        }
    }
    // The contact types УТ 11 recognises (spaces removed: ТелефонРабочий, Почта; any other is
    // dropped), which УНФ recognises too, as shops send them.
    let contacts: Vec<(&str, &str)> = [
        ("Телефон рабочий", lead.phone.as_str()),
        ("Почта", lead.email.as_str()),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    if !contacts.is_empty() {
        writer
            .create_element("Контакты")
            .write_inner_content(|writer| {
                for (kind, value) in &contacts {
                    writer
                        .create_element("Контакт")
                        .write_inner_content(|writer| {
                            element(writer, "Тип", kind)?;
                            element(writer, "Значение", super::truncate(value, NAME_MAX))?;
                            Ok(())
                        })?;
                }
                Ok(())
            })?;
    }
    element(writer, "Роль", "Покупатель")?;
    Ok(())
}

/// Requisite names 1C acts on when it imports an order (cancels it, sets its status or number)
/// or sends back itself: a customData key of the same name is written with a prefix instead.
const RESERVED: [&str; 11] = [
    "Отменен",
    "Статус заказа",
    "Статуса заказа ИД",
    "Номер",
    "Дата",
    "Номер по 1С",
    "Дата по 1С",
    "Проведен",
    "ПометкаУдаления",
    "Оплачен",
    "Отгружен",
];

/// A customData key as a requisite name: compared as 1C compares (case and spaces ignored).
fn requisite_name(name: &str) -> std::borrow::Cow<'_, str> {
    let squeeze = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let key = squeeze(name);
    if RESERVED.iter().any(|reserved| squeeze(reserved) == key) {
        format!("customData {name}").into()
    } else {
        name.into()
    }
}

/// One `ЗначениеРеквизита` with one `Значение`: 1C reads only the first `Значение` of a pair,
/// and an empty one may be read as an object, so an empty value is left out and a longer one
/// than the schema allows is cut (the whole text is in the XML and EnterpriseData formats).
fn requisite(writer: &mut Xml, name: &str, value: &str) -> std::io::Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    writer
        .create_element("ЗначениеРеквизита")
        .write_inner_content(|writer| {
            element(writer, "Наименование", super::truncate(name, NAME_MAX))?;
            element(writer, "Значение", super::truncate(value, VALUE_MAX))?;
            Ok(())
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use proptest::prelude::*;

    use super::*;
    use crate::format::TextEncoding;
    use crate::format::{CmlVersion, Format};
    use crate::lead::{self, clean};

    fn lead(name: &str, key: &str, value: &str) -> Lead {
        let name = clean(name);
        Lead {
            id: lead::stable_id("c-1", ""),
            event: "dialog_completed".into(),
            client_id: "c-1".into(),
            search_id: "1/1".into(),
            login: String::new(),
            full_name: lead::split_full_name(&name),
            name,
            phone: "+79165551234".into(),
            phone_raw: "8 916 555-12-34".into(),
            phone_valid: true,
            email: clean(value),
            dialog_id: "".into(),
            custom_data: [(clean(key), clean(value))].into_iter().collect(),
            source_file: "hook.json".into(),
            received_at: NaiveDateTime::default(),
        }
    }

    /// What an XML reader gives back for text we wrote: line ends are normalised to LF.
    fn as_read(text: &str) -> String {
        text.replace("\r\n", "\n").replace('\r', "\n")
    }

    fn decoded(bytes: &[u8], target: TextEncoding) -> String {
        match target {
            TextEncoding::Utf8 => String::from_utf8(bytes[3..].to_vec()).unwrap(),
            TextEncoding::Windows1251 => encoding_rs::WINDOWS_1251
                .decode_without_bom_handling_and_without_replacement(bytes)
                .unwrap()
                .into_owned(),
        }
    }

    proptest! {
        /// Any text a webhook can carry gives a well-formed document within the XSD lengths,
        /// and a customData value comes back as 1C reads it, in either encoding.
        #[test]
        fn any_text_gives_a_well_formed_order_within_the_schema_lengths(
            name in "\\PC{0,300}",
            key in "\\PC{0,300}",
            value in "(\\PC|[\r\n\t<>&'\"]){0,1200}",
            windows in any::<bool>(),
        ) {
            let target = if windows { TextEncoding::Windows1251 } else { TextEncoding::Utf8 };
            let mut layout = Layout::new(Format::Commerceml);
            layout.encoding = target;
            layout.cml_version = CmlVersion::V2_08;
            let lead = lead(&name, &key, &value);
            let rendered = render(std::slice::from_ref(&lead), &layout);
            let text = decoded(&rendered.bytes, target);
            let doc = roxmltree::Document::parse(&text).unwrap();
            for node in doc.descendants().filter(|n| n.is_element()) {
                let len = node.text().unwrap_or("").chars().count();
                let max = match node.tag_name().name() {
                    "Наименование" | "ПолноеНаименование" | "Фамилия" | "Имя" | "Отчество" => NAME_MAX,
                    "Значение" => VALUE_MAX,
                    "Комментарий" => COMMENT_MAX,
                    _ => usize::MAX,
                };
                prop_assert!(len <= max, "{} has {len} characters", node.tag_name().name());
            }
            // The customData pair: one `Значение` (1C reads only the first), the value cut at
            // the schema's length, and no pair at all for an empty value.
            let pairs: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name((NAMESPACE, "ЗначениеРеквизита")))
                .collect();
            let value = lead.custom_data.get(&clean(&key)).unwrap();
            if value.is_empty() {
                prop_assert_eq!(pairs.len(), 2, "Источник and Событие only");
            } else {
                let values: Vec<&str> = pairs[2]
                    .children()
                    .filter(|n| n.has_tag_name((NAMESPACE, "Значение")))
                    .map(|n| n.text().unwrap_or(""))
                    .collect();
                prop_assert_eq!(values.len(), 1);
                let expected: String = value.chars().take(VALUE_MAX).collect();
                // XML readers turn CR into LF (1C's too); roxmltree does it only outside references.
                prop_assert_eq!(as_read(values[0]), as_read(&expected));
            }
        }
    }
}
