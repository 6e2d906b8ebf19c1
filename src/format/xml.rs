//! Plain XML for a small 1C processing (ЧтениеXML or XDTO), described by
//! `schemas/bachata1c-leads-1.xsd`: root `Лиды`, one `Лид` per client, one element per field
//! (always present, empty when unknown), `customData` as `Поле Имя="…"` children.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::encoding::{TextEncoding, Unmappable};
use super::{Field, Layout, Rendered};
use crate::lead::Lead;

/// Namespace of the layout; its version changes only with an incompatible change.
pub const NAMESPACE: &str = "urn:bachata1c:leads:1";

pub fn render(leads: &[Lead], layout: &Layout) -> Rendered {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_document(&mut writer, leads, layout.encoding).expect("writing to memory");
    let mut text = String::from_utf8(writer.into_inner()).expect("quick-xml writes UTF-8");
    text.push('\n');
    super::encoded(text, layout, Unmappable::XmlCharRef, false)
}

fn write_document(
    writer: &mut Writer<Vec<u8>>,
    leads: &[Lead],
    target: TextEncoding,
) -> std::io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some(target.xml_name()),
        None,
    )))?;
    writer
        .create_element("Лиды")
        .with_attributes([("xmlns", NAMESPACE), ("ВерсияФормата", "1.0")])
        .write_inner_content(|writer| {
            for lead in leads {
                writer
                    .create_element("Лид")
                    .write_inner_content(|writer| write_lead(writer, lead))?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_lead(writer: &mut Writer<Vec<u8>>, lead: &Lead) -> std::io::Result<()> {
    for field in Field::ALL {
        let element = writer.create_element(field.title());
        match field {
            Field::CustomData if lead.custom_data.is_empty() => {
                element.write_empty()?;
            }
            Field::CustomData => {
                element.write_inner_content(|writer| {
                    for (key, value) in &lead.custom_data {
                        writer
                            .create_element("Поле")
                            .with_attribute(("Имя", key))
                            .write_text_content(BytesText::new(value))?;
                    }
                    Ok(())
                })?;
            }
            Field::ReceivedAt => {
                element
                    .write_text_content(BytesText::new(&super::xml_datetime(lead.received_at)))?;
            }
            _ => {
                element.write_text_content(BytesText::new(&field.text(lead)))?;
            }
        }
    }
    Ok(())
}
