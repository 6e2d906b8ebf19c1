//! CommerceML 2 orders (`urn:1C.ru:commerceml_2`, 2.10 or 2.08), the document 1C's standard
//! «Обмен с сайтом» loads: one `Документ` «Заказ товара» per lead with the client as a private
//! person `Контрагент`. Element order and lengths follow the official XSDs, which the tests use.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::encoding::Unmappable;
use super::{Layout, Rendered, mapping};
use crate::lead::Lead;

pub const NAMESPACE: &str = "urn:1C.ru:commerceml_2";

// Lengths from the XSD simple types, in characters.
const NAME_MAX: usize = 255; // НаименованиеТип, СтрокаТип
const COMMENT_MAX: usize = 3000; // КомментарийТип
const VALUE_MAX: usize = 1000; // ЗначениеТип

type Xml = Writer<Vec<u8>>;

pub fn render(leads: &[Lead], layout: &Layout) -> Rendered {
    let mut writer = Writer::new_with_indent(Vec::new(), b'\t', 1);
    write_document(&mut writer, leads, layout).expect("writing to memory");
    let text = String::from_utf8(writer.into_inner()).expect("quick-xml writes UTF-8");
    // Some 1C releases refuse a UTF-8 CommerceML file without a byte-order mark.
    super::encoded(&text, layout, Unmappable::XmlCharRef, true)
}

fn write_document(writer: &mut Xml, leads: &[Lead], layout: &Layout) -> std::io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some(layout.encoding.xml_name()),
        None,
    )))?;
    let formed = super::formed_at(leads)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    writer
        .create_element("КоммерческаяИнформация")
        .with_attributes([
            ("xmlns", NAMESPACE),
            ("ВерсияСхемы", layout.cml_version.as_str()),
            ("ДатаФормирования", formed.as_str()),
        ])
        .write_inner_content(|writer| {
            for lead in leads {
                writer
                    .create_element("Документ")
                    .write_inner_content(|writer| write_order(writer, lead, layout))?;
            }
            Ok(())
        })?;
    Ok(())
}

fn element(writer: &mut Xml, name: &str, text: &str) -> std::io::Result<()> {
    writer
        .create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

fn write_order(writer: &mut Xml, lead: &Lead, layout: &Layout) -> std::io::Result<()> {
    let mapping = &layout.mapping;
    element(writer, "Ид", &super::document_id(lead).to_string())?;
    element(writer, "Номер", &super::document_number(lead))?;
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
                .write_inner_content(|writer| write_client(writer, lead))?;
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
            if !lead.dialog_id.is_empty() {
                requisite(writer, "ИдДиалога", &lead.dialog_id)?;
            }
            let custom = mapping::requisites(
                lead,
                mapping.commerceml.custom_data.as_deref(),
                &mapping.commerceml.titles,
            );
            for (name, value) in custom {
                requisite(writer, name, value)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_client(writer: &mut Xml, lead: &Lead) -> std::io::Result<()> {
    let name = super::truncate(super::display_name(lead), NAME_MAX);
    element(writer, "Ид", &lead.id.to_string())?;
    element(writer, "Наименование", name)?;
    // РеквизитыФизЛица: a chat visitor is a private person.
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
    let contacts: Vec<(&str, &str)> = [
        ("Телефон мобильный", lead.phone.as_str()),
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

/// One `ЗначениеРеквизита`; a value longer than the schema allows is split over several
/// `Значение` elements (the schema allows many) rather than cut.
fn requisite(writer: &mut Xml, name: &str, value: &str) -> std::io::Result<()> {
    writer
        .create_element("ЗначениеРеквизита")
        .write_inner_content(|writer| {
            element(writer, "Наименование", super::truncate(name, NAME_MAX))?;
            let chars: Vec<char> = value.chars().collect();
            if chars.is_empty() {
                element(writer, "Значение", "")?;
            }
            for chunk in chars.chunks(VALUE_MAX) {
                element(writer, "Значение", &chunk.iter().collect::<String>())?;
            }
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
            custom_data: vec![(clean(key), clean(value))],
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
        /// and a customData value comes back whole, in either encoding.
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
            let custom: String = doc
                .descendants()
                .rfind(|n| n.has_tag_name((NAMESPACE, "ЗначениеРеквизита")))
                .unwrap()
                .children()
                .filter(|n| n.has_tag_name((NAMESPACE, "Значение")))
                .map(|n| n.text().unwrap_or(""))
                .collect();
            // XML readers turn CR into LF (1C's too); roxmltree does it only outside references.
            prop_assert_eq!(as_read(&custom), as_read(&lead.custom_data[0].1));
        }
    }
}
