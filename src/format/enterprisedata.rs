//! EnterpriseData message, as the Standard Subsystems Library's «Выгрузка/загрузка данных
//! EnterpriseData» imports it without an exchange node: `Message` with a `msg:Header` and a
//! `Body` of one `Справочник.Контрагенты` per client and, when the dealer names his organisation,
//! one `Документ.ЗаказКлиента` per lead.
//!
//! Version 1.8 by default, 1.6 on request: БСП takes the version from the namespace in
//! `msg:Format` and refuses a message whose version the configuration does not list. Element
//! order follows EnterpriseData_1_8_6.xsd and EnterpriseData_1_6_23.xsd. For what is written here
//! the two differ in two places: 1.6 names the currency by `Код` and `Наименование`
//! directly (1.8 inside `ДанныеКлассификатора`) and requires `ДанныеВзаиморасчетов` (optional
//! from 1.8). The counterparty's elements we write are the same in both.

use std::collections::HashSet;

use quick_xml::Writer;
use quick_xml::escape::escape;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::encoding::Unmappable;
use super::{EnterpriseDataVersion, Layout, Rendered, mapping};
use crate::lead::Lead;
use crate::phone;

pub const MESSAGE_NAMESPACE: &str = "http://www.1c.ru/SSL/Exchange/Message";
/// Namespace of 1C's contact-information values (the XML inside `ЗначенияПолей`).
const CONTACT_INFO_NAMESPACE: &str = "http://www.v8.1c.ru/ssl/contactinfo";

/// The namespace of a version's objects, also its name in `msg:Format`.
fn namespace(version: EnterpriseDataVersion) -> String {
    format!(
        "http://v8.1c.ru/edi/edi_stnd/EnterpriseData/{}",
        version.as_str()
    )
}

type Xml = Writer<Vec<u8>>;

pub fn render(leads: &[Lead], layout: &Layout) -> Rendered {
    let mut writer = Writer::new_with_indent(Vec::new(), b'\t', 1);
    write_message(&mut writer, leads, layout).expect("writing to memory");
    let text = String::from_utf8(writer.into_inner()).expect("quick-xml writes UTF-8");
    super::encoded(text, layout, Unmappable::XmlCharRef, false)
}

fn element(writer: &mut Xml, name: &str, text: &str) -> std::io::Result<()> {
    writer
        .create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

fn write_message(writer: &mut Xml, leads: &[Lead], layout: &Layout) -> std::io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some(layout.encoding.xml_name()),
        None,
    )))?;
    let version = layout.enterprisedata_version;
    let namespace = namespace(version);
    let created = super::formed_at(leads)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    writer
        .create_element("Message")
        .with_attributes([
            ("xmlns:msg", MESSAGE_NAMESPACE),
            ("xmlns:xs", "http://www.w3.org/2001/XMLSchema"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
        ])
        .write_inner_content(|writer| {
            writer
                .create_element("msg:Header")
                .write_inner_content(|writer| {
                    element(writer, "msg:Format", &namespace)?;
                    element(writer, "msg:CreationDate", &created)?;
                    element(writer, "msg:AvailableVersion", version.as_str())?;
                    Ok(())
                })?;
            writer
                .create_element("Body")
                .with_attribute(("xmlns", namespace.as_str()))
                .write_inner_content(|writer| write_body(writer, leads, layout))?;
            Ok(())
        })?;
    Ok(())
}

fn write_body(writer: &mut Xml, leads: &[Lead], layout: &Layout) -> std::io::Result<()> {
    // The same client twice in one webhook is one counterparty.
    let ed = &layout.mapping.enterprisedata;
    let order = ed.organisation.as_ref().zip(layout.mapping.currency_code());
    let mut written = HashSet::new();
    for lead in leads {
        if written.insert(lead.id) {
            writer
                .create_element("Справочник.Контрагенты")
                .write_inner_content(|writer| {
                    write_counterparty(writer, lead, layout, order.is_none())
                })?;
        }
    }
    if let Some((organisation, currency)) = order {
        for lead in leads {
            writer
                .create_element("Документ.ЗаказКлиента")
                .write_inner_content(|writer| {
                    write_order(writer, lead, layout, organisation, &currency)
                })?;
        }
    }
    Ok(())
}

fn write_counterparty_keys(writer: &mut Xml, lead: &Lead) -> std::io::Result<()> {
    let name = super::display_name(lead);
    element(writer, "Ссылка", &lead.id.to_string())?;
    element(writer, "Наименование", name)?;
    element(writer, "НаименованиеПолное", name)?;
    element(writer, "ЮридическоеФизическоеЛицо", "ФизическоеЛицо")?;
    Ok(())
}

/// The mapped customData describe the lead's request: they go on the order where there is one,
/// else on the counterparty.
fn write_counterparty(
    writer: &mut Xml,
    lead: &Lead,
    layout: &Layout,
    with_requisites: bool,
) -> std::io::Result<()> {
    writer
        .create_element("КлючевыеСвойства")
        .write_inner_content(|writer| write_counterparty_keys(writer, lead))?;
    element(
        writer,
        "ДополнительнаяИнформация",
        &information(lead, &layout.mapping.source),
    )?;
    let mut contacts = Vec::new();
    if !lead.phone.is_empty() {
        contacts.push(("Телефон", phone_value(lead)));
    }
    if !lead.email.is_empty() {
        contacts.push(("АдресЭлектроннойПочты", email_value(&lead.email)));
    }
    if !contacts.is_empty() {
        writer
            .create_element("КонтактнаяИнформация")
            .write_inner_content(|writer| {
                for (kind, value) in &contacts {
                    writer
                        .create_element("Строка")
                        .write_inner_content(|writer| {
                            element(writer, "ВидКонтактнойИнформации", kind)?;
                            element(writer, "ЗначенияПолей", value)?;
                            Ok(())
                        })?;
                }
                Ok(())
            })?;
    }
    if with_requisites {
        write_requisites(writer, lead, layout)?;
    }
    Ok(())
}

fn write_order(
    writer: &mut Xml,
    lead: &Lead,
    layout: &Layout,
    organisation: &str,
    (currency_code, currency_name): &(String, String),
) -> std::io::Result<()> {
    let inn = layout.mapping.enterprisedata.organisation_inn.as_ref();
    writer
        .create_element("КлючевыеСвойства")
        .write_inner_content(|writer| {
            element(writer, "Ссылка", &super::document_id(lead).to_string())?;
            element(
                writer,
                "Дата",
                &lead.received_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            )?;
            element(writer, "Номер", &super::document_number(lead))?;
            writer
                .create_element("Организация")
                .write_inner_content(|writer| {
                    element(writer, "Наименование", organisation)?;
                    if let Some(inn) = inn {
                        element(writer, "ИНН", &inn.0)?;
                    }
                    let kind = if inn.is_some_and(mapping::Inn::is_individual) {
                        "ФизическоеЛицо"
                    } else {
                        "ЮридическоеЛицо"
                    };
                    element(writer, "ЮридическоеФизическоеЛицо", kind)?;
                    Ok(())
                })?;
            Ok(())
        })?;
    let version = layout.enterprisedata_version;
    let currency = |writer: &mut Xml, name: &str| {
        write_currency(writer, name, version, currency_code, currency_name)
    };
    currency(writer, "Валюта")?;
    // A lead has no goods yet: the order is empty and 1C's manager fills it.
    element(writer, "Сумма", "0")?;
    writer
        .create_element("Контрагент")
        .write_inner_content(|writer| write_counterparty_keys(writer, lead))?;
    if version == EnterpriseDataVersion::V1_6 {
        // Required in 1.6, optional from 1.8. A lead has no contract: the order is settled in
        // its own currency, the one thing known about the settlement.
        writer
            .create_element("ДанныеВзаиморасчетов")
            .write_inner_content(|writer| currency(writer, "ВалютаВзаиморасчетов"))?;
    }
    write_requisites(writer, lead, layout)?;
    element(
        writer,
        "Комментарий",
        &super::origin_comment(lead, &layout.mapping.source),
    )?;
    Ok(())
}

/// A currency's key properties (`КлючевыеСвойстваВалюта`) by its classifier code: 1.6 has
/// `Код` and `Наименование` as its own elements, 1.8 moved them into `ДанныеКлассификатора`.
fn write_currency(
    writer: &mut Xml,
    name: &str,
    version: EnterpriseDataVersion,
    code: &str,
    currency_name: &str,
) -> std::io::Result<()> {
    let code_and_name = |writer: &mut Xml| {
        element(writer, "Код", code)?;
        element(writer, "Наименование", currency_name)
    };
    writer
        .create_element(name)
        .write_inner_content(|writer| match version {
            EnterpriseDataVersion::V1_6 => code_and_name(writer),
            EnterpriseDataVersion::V1_8 => {
                writer
                    .create_element("ДанныеКлассификатора")
                    .write_inner_content(code_and_name)?;
                Ok(())
            }
        })?;
    Ok(())
}

/// The customData keys the dealer mapped, as `ДополнительныеРеквизиты` (string values).
fn write_requisites(writer: &mut Xml, lead: &Lead, layout: &Layout) -> std::io::Result<()> {
    let ed = &layout.mapping.enterprisedata;
    let requisites: Vec<(&str, &str)> =
        mapping::requisites(lead, Some(&ed.custom_data), &ed.titles).collect();
    if requisites.is_empty() {
        return Ok(());
    }
    writer
        .create_element("ДополнительныеРеквизиты")
        .write_inner_content(|writer| {
            for (name, value) in &requisites {
                writer
                    .create_element("Строка")
                    .write_inner_content(|writer| {
                        writer
                            .create_element("ЗначениеСвойства")
                            .write_inner_content(|writer| element(writer, "Строка", value))?;
                        writer
                            .create_element("Свойство")
                            .write_inner_content(|writer| element(writer, "Наименование", name))?;
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// The origin and all of customData, as text for `ДополнительнаяИнформация`.
fn information(lead: &Lead, source: &str) -> String {
    let mut text = super::origin_comment(lead, source);
    for (key, value) in &lead.custom_data {
        for part in ["\n", key, ": ", value] {
            text.push_str(part);
        }
    }
    text
}

/// A phone split as 1C stores it: country code, area code and number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneParts {
    pub country: String,
    pub area: String,
    pub number: String,
    /// As a person reads it: `+7 916 555-12-34`.
    pub presentation: String,
}

/// Splits a lead's phone. For a valid number the area code is the first group of
/// libphonenumber's international format (`+7 916 555-12-34` → 7, 916, 5551234;
/// `+375 29 123-45-67` → 375, 29, 1234567). For Russia that is always three digits: right for
/// mobile DEF codes and most cities, while a 4-digit city code (Izhevsk 3412) is split 341 +
/// 2123456, as libphonenumber's own metadata groups it — the same number, grouped differently.
/// A number that is not valid keeps its digits in `number` and leaves the codes empty, as 1C
/// does for a number typed without codes.
pub fn phone_parts(phone: &str, valid: bool) -> PhoneParts {
    match valid.then(|| phone::parts(phone)).flatten() {
        Some(parts) => PhoneParts {
            country: parts.country,
            area: parts.area,
            number: parts.local,
            presentation: parts.international,
        },
        None => PhoneParts {
            country: String::new(),
            area: String::new(),
            number: phone.chars().filter(char::is_ascii_digit).collect(),
            presentation: phone.to_string(),
        },
    }
}

/// 1C's contact-information value of a phone (the XML form of the Standard Subsystems Library).
fn phone_value(lead: &Lead) -> String {
    let parts = phone_parts(&lead.phone, lead.phone_valid);
    format!(
        concat!(
            r#"<КонтактнаяИнформация xmlns="{ns}" xmlns:xs="http://www.w3.org/2001/XMLSchema" "#,
            r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Представление="{p}">"#,
            r#"<Комментарий/><Состав xsi:type="НомерТелефона" КодСтраны="{c}" КодГорода="{a}" "#,
            r#"Номер="{n}" Добавочный=""/></КонтактнаяИнформация>"#
        ),
        ns = CONTACT_INFO_NAMESPACE,
        p = escape(parts.presentation.as_str()),
        c = escape(parts.country.as_str()),
        a = escape(parts.area.as_str()),
        n = escape(parts.number.as_str()),
    )
}

fn email_value(email: &str) -> String {
    format!(
        concat!(
            r#"<КонтактнаяИнформация xmlns="{ns}" xmlns:xs="http://www.w3.org/2001/XMLSchema" "#,
            r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Представление="{e}">"#,
            r#"<Комментарий/><Состав xsi:type="ЭлектроннаяПочта" Значение="{e}"/></КонтактнаяИнформация>"#
        ),
        ns = CONTACT_INFO_NAMESPACE,
        e = escape(email),
    )
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use proptest::prelude::*;

    use super::*;
    use crate::format::{Format, TextEncoding};
    use crate::lead::{self, clean};

    proptest! {
        /// Any text gives a well-formed message whose contact values are well-formed XML too,
        /// with the e-mail back as written (attribute whitespace aside), in either encoding and
        /// either version, every object in the version's namespace.
        #[test]
        fn any_text_gives_well_formed_contact_values(
            name in "\\PC{0,50}",
            email in "(\\PC|[<>&'\"]){1,80}",
            windows in any::<bool>(),
            version in prop::sample::select(EnterpriseDataVersion::ALL.to_vec()),
        ) {
            let email = clean(&email);
            prop_assume!(!email.is_empty());
            let lead = Lead {
                id: lead::stable_id("c-1", ""),
                event: "dialog_completed".into(),
                client_id: "c-1".into(),
                search_id: String::new(),
                login: String::new(),
                name: clean(&name),
                full_name: None,
                phone: "+79165551234".into(),
                phone_raw: String::new(),
                phone_valid: true,
                email: email.clone(),
                dialog_id: "".into(),
                custom_data: [("k", clean(&name))].into_iter().collect(),
                source_file: "hook.json".into(),
                received_at: NaiveDateTime::default(),
            };
            let mut layout = Layout::new(Format::Enterprisedata);
            layout.enterprisedata_version = version;
            if windows {
                layout.encoding = TextEncoding::Windows1251;
            }
            let bytes = render(&[lead], &layout).bytes;
            let text = if windows {
                encoding_rs::WINDOWS_1251.decode(&bytes).0.into_owned()
            } else {
                String::from_utf8(bytes).unwrap()
            };
            let doc = roxmltree::Document::parse(&text).unwrap();
            let namespace = namespace(version);
            let body = doc.root_element().last_element_child().unwrap();
            let in_version = |n: roxmltree::Node| n.tag_name().namespace() == Some(&namespace);
            prop_assert!(body.descendants().filter(|n| n.is_element()).all(in_version));
            let values: Vec<&str> = doc
                .descendants()
                .filter(|n| n.has_tag_name((namespace.as_str(), "ЗначенияПолей")))
                .map(|n| n.text().unwrap())
                .collect();
            prop_assert_eq!(values.len(), 2);
            let inner = roxmltree::Document::parse(values[1]).unwrap();
            let written = inner
                .descendants()
                .find(|n| n.tag_name().name() == "Состав")
                .and_then(|n| n.attribute("Значение"))
                .unwrap()
                .to_string();
            let spaced = |t: &str| t.replace(['\t', '\n', '\r'], " ");
            prop_assert_eq!(spaced(&written), spaced(&email));
        }
    }

    fn split(phone: &str) -> (String, String, String) {
        let p = phone_parts(phone, true);
        (p.country, p.area, p.number)
    }

    #[test]
    fn phones_are_split_into_country_area_and_number() {
        let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(split("+79165551234"), s("7", "916", "5551234"));
        assert_eq!(split("+74951234567"), s("7", "495", "1234567"));
        assert_eq!(split("+375291234567"), s("375", "29", "1234567"));
        assert_eq!(split("+380441234567"), s("380", "44", "1234567"));
        // St Petersburg and toll-free numbers keep their leading 8 (the crate used to drop it).
        assert_eq!(split("+78123094567"), s("7", "812", "3094567"));
        assert_eq!(split("+78005553535"), s("7", "800", "5553535"));
        // libphonenumber's metadata groups every Russian number 3+7, 4-digit city codes too
        // (Izhevsk 3412); docs/1c-import.md says so.
        assert_eq!(split("+73412123456"), s("7", "341", "2123456"));
        assert_eq!(
            phone_parts("+79165551234", true).presentation,
            "+7 916 555-12-34"
        );
    }

    #[test]
    fn an_invalid_phone_keeps_its_digits_without_codes() {
        let p = phone_parts("880055535351", false);
        assert_eq!(
            (p.country.as_str(), p.area.as_str(), p.number.as_str()),
            ("", "", "880055535351")
        );
    }
}
