//! 1C's report on the orders it made of leads: the CommerceML document its «Обмен с сайтом»
//! uploads with `mode=file` (protocol note §4). Each `Документ` is found by its `Номер` (ours;
//! its `Ид` is 1C's own reference) and read for «Номер по 1С», «Дата по 1С», «Проведен»,
//! «ПометкаУдаления», «Отменен», «Статус заказа», «Статуса заказа ИД». 1C leaves out every
//! false value (`ЗначениеЗаполнено(Ложь)` is false), so a missing flag is false. Read whatever
//! namespace or prefix 1C's `ЗаписьXML` wrote, with or without a byte-order mark.

use encoding_rs::WINDOWS_1251;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::ledger::FromOneC;

/// What 1C reported on one order of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Our `Номер`: the lead's number in the ledger.
    pub number: u64,
    pub from_1c: FromOneC,
}

/// The reports in a whole document; an error when the text is not a whole, well-formed
/// CommerceML document (a file still arriving in parts is not).
pub fn read(bytes: &[u8]) -> Result<Vec<Report>, String> {
    let whole = decoded(bytes);
    let mut reader = Reader::from_str(&whole);
    let mut path: Vec<String> = Vec::new();
    let mut reports = Vec::new();
    let mut document: Option<Document> = None;
    let mut pair: (String, String) = Default::default();
    let mut root_seen = false;
    // An element's text comes in pieces: text, entity references, CDATA.
    let mut text = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|err| format!("not well-formed XML: {err}"))?;
        match event {
            Event::Start(start) => {
                let name = local(start.name().as_ref());
                if path.is_empty() {
                    if name != "КоммерческаяИнформация" {
                        return Err(format!(
                            "the root is <{name}>, not <КоммерческаяИнформация>"
                        ));
                    }
                    root_seen = true;
                }
                if name == "Документ" && path.len() == 1 {
                    document = Some(Document::default());
                }
                if name == "ЗначениеРеквизита" {
                    pair = Default::default();
                }
                text.clear();
                path.push(name);
            }
            Event::Text(piece) => text.push_str(&piece.xml10_content()),
            Event::CData(piece) => text.push_str(&piece.into_inner()),
            Event::GeneralRef(reference) => {
                let entity = format!("&{};", reference.into_inner());
                text.push_str(&quick_xml::escape::unescape(&entity).unwrap_or_default());
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str);
                let value = std::mem::take(&mut text).trim().to_string();
                if let Some(document) = document.as_mut() {
                    match (parent, name.as_str()) {
                        (Some("Документ"), "Номер") => document.number = value,
                        (Some("ЗначениеРеквизита"), "Наименование") => {
                            pair.0 = value
                        }
                        // 1C reads only the first `Значение` of a pair.
                        (Some("ЗначениеРеквизита"), "Значение") if pair.1.is_empty() => {
                            pair.1 = value
                        }
                        (_, "ЗначениеРеквизита") => {
                            document.pairs.push(std::mem::take(&mut pair));
                        }
                        _ => {}
                    }
                }
                if name == "Документ"
                    && path.len() == 1
                    && let Some(document) = document.take()
                    && let Some(report) = document.report()
                {
                    reports.push(report);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root_seen || !path.is_empty() {
        return Err("the document is not whole yet".to_string());
    }
    Ok(reports)
}

#[derive(Debug, Default)]
struct Document {
    number: String,
    pairs: Vec<(String, String)>,
}

impl Document {
    /// The report, when the document is one of ours (its `Номер` is our digits).
    fn report(self) -> Option<Report> {
        let number = self.number.trim();
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let number = number.parse().ok()?;
        let mut from_1c = FromOneC::default();
        for (name, value) in self.pairs {
            let value = value.trim().to_string();
            let yes = value.eq_ignore_ascii_case("true");
            match squeezed(&name).as_str() {
                "номерпо1с" => from_1c.number = Some(value),
                "датапо1с" => from_1c.date = Some(value),
                "проведен" => from_1c.posted = yes,
                "пометкаудаления" => from_1c.deletion_mark = yes,
                "отменен" => from_1c.cancelled = yes,
                "статусзаказа" => from_1c.status = Some(value),
                "статусазаказаид" => from_1c.status_id = Some(value),
                _ => {}
            }
        }
        Some(Report { number, from_1c })
    }
}

/// A requisite name as 1C compares it: spaces gone, lower case.
fn squeezed(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// An element's name without its namespace prefix.
fn local(name: &str) -> String {
    name.rsplit_once(':')
        .map_or(name, |(_, local)| local)
        .to_string()
}

/// The text of the upload: UTF-8 (what 1C writes), its byte-order mark dropped, or
/// windows-1251 when the declaration says so.
fn decoded(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
    if head.contains("windows-1251") {
        return WINDOWS_1251
            .decode_without_bom_handling(bytes)
            .0
            .into_owned();
    }
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape 1C's УНФ 3 writes (protocol note §4, from `ДобавитьЗначенияРеквизитовЗаказаXDTO`).
    const REPORT: &str = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<КоммерческаяИнформация xmlns=\"urn:1C.ru:commerceml_210\" ВерсияСхемы=\"2.08\">
  <Документ>
    <Ид>0b7c-1c-own</Ид><Номер>000123</Номер><Дата>2024-05-01</Дата>
    <Контрагенты><Контрагент><Ид>x</Ид><Наименование>Иван</Наименование></Контрагент></Контрагенты>
    <ЗначенияРеквизитов>
      <ЗначениеРеквизита><Наименование>Номер по 1С</Наименование><Значение>СА-000123</Значение></ЗначениеРеквизита>
      <ЗначениеРеквизита><Наименование>Дата по 1С</Наименование><Значение>2024-05-01T12:30:00</Значение></ЗначениеРеквизита>
      <ЗначениеРеквизита><Наименование>Проведен</Наименование><Значение>true</Значение></ЗначениеРеквизита>
      <ЗначениеРеквизита><Наименование>Статус заказа</Наименование><Значение>В работе</Значение></ЗначениеРеквизита>
    </ЗначенияРеквизитов>
  </Документ>
  <Документ><Номер>BCH-9FBF63D7</Номер></Документ>
</КоммерческаяИнформация>";

    #[test]
    fn a_report_is_read_by_our_number_with_missing_flags_false() {
        let reports = read(REPORT.as_bytes()).unwrap();
        assert_eq!(
            reports,
            [Report {
                number: 123,
                from_1c: FromOneC {
                    number: Some("СА-000123".into()),
                    date: Some("2024-05-01T12:30:00".into()),
                    posted: true,
                    deletion_mark: false,
                    cancelled: false,
                    status: Some("В работе".into()),
                    status_id: None,
                },
            }]
        );
    }

    #[test]
    fn a_prefixed_namespace_reads_the_same_and_a_part_is_not_whole() {
        let prefixed = REPORT
            .replace(
                "<КоммерческаяИнформация xmlns=",
                "<c:КоммерческаяИнформация xmlns:c=",
            )
            .replace("</КоммерческаяИнформация>", "</c:КоммерческаяИнформация>");
        assert_eq!(read(prefixed.as_bytes()).unwrap().len(), 1);
        let half = &REPORT.as_bytes()[..REPORT.len() / 2];
        assert!(read(half).is_err());
        assert!(read(b"<a/>").is_err());
    }
}
