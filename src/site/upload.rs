//! 1C's report on the orders it made of leads: the CommerceML document its «Обмен с сайтом»
//! uploads with `mode=file` (protocol note §4). Each `Документ` is found by its `Номер` (ours;
//! its `Ид` is 1C's own reference) and read for «Номер по 1С», «Дата по 1С», «Проведен»,
//! «ПометкаУдаления», «Отменен», «Статус заказа», «Статуса заказа ИД». 1C leaves out every
//! false value (`ЗначениеЗаполнено(Ложь)` is false), so a missing flag is false. Read whatever
//! namespace or prefix 1C's `ЗаписьXML` wrote, with or without a byte-order mark, as it is read
//! from the disk: an upload is never held in memory whole.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use encoding_rs::WINDOWS_1251;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::Failure;
use crate::ledger::FromOneC;

/// What 1C reported on one order of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Our `Номер`: the lead's number in the ledger.
    pub number: u64,
    pub from_1c: FromOneC,
}

/// The reports in the document 1C uploaded into `path`; the reason when it is not a whole,
/// well-formed CommerceML document.
pub fn read_file(path: &Path) -> Result<Vec<Report>, Failure> {
    let file = File::open(path).map_err(|err| format!("cannot be read: {err}"))?;
    let mut file = BufReader::new(file);
    let head = file
        .fill_buf()
        .map_err(|err| format!("cannot be read: {err}"))?;
    let bom = head.starts_with(BOM);
    let windows = String::from_utf8_lossy(&head[..head.len().min(200)])
        .to_ascii_lowercase()
        .contains("windows-1251");
    if bom {
        file.consume(BOM.len());
    }
    if windows && !bom {
        read(BufReader::new(FromWindows1251::new(file)))
    } else {
        read(file)
    }
}

/// Whether the text in `path` ends as a CommerceML document ends, with its root's end tag: the
/// cheap test of whether a part that filled `file_limit` was the last (1C sends every part but
/// the last of exactly that size).
pub fn ends_a_document(path: &Path) -> bool {
    use std::io::{Seek, SeekFrom};
    const TAIL: u64 = 256;
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    let Ok(size) = file.seek(SeekFrom::End(0)) else {
        return false;
    };
    let mut tail = Vec::new();
    if file
        .seek(SeekFrom::Start(size.saturating_sub(TAIL)))
        .is_err()
        || file.read_to_end(&mut tail).is_err()
    {
        return false;
    }
    let end = tail.trim_ascii_end();
    let root = "КоммерческаяИнформация>";
    end.ends_with(root.as_bytes()) || end.ends_with(&WINDOWS_1251.encode(root).0)
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The reports in a whole document; an error when the text is not a whole, well-formed
/// CommerceML document.
fn read(input: impl BufRead) -> Result<Vec<Report>, Failure> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut reports = Vec::new();
    let mut document: Option<Document> = None;
    let mut pair: (String, String) = Default::default();
    let mut root_seen = false;
    // An element's text comes in pieces: text, entity references, CDATA.
    let mut text = String::new();
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|err| {
            format!(
                "not well-formed XML at byte {}: {err}",
                reader.error_position()
            )
        })?;
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
    if !root_seen {
        return Err("no <КоммерческаяИнформация> in it".to_string());
    }
    if !path.is_empty() {
        return Err(format!(
            "the document ends inside <{}>: it is cut short",
            path.join("/")
        ));
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

/// A windows-1251 text read as UTF-8 (1C writes UTF-8; an upload whose declaration says
/// windows-1251 is read as such). One byte is one character: any chunk decodes alone.
struct FromWindows1251<R> {
    inner: R,
    decoded: Vec<u8>,
    at: usize,
}

impl<R: Read> FromWindows1251<R> {
    fn new(inner: R) -> Self {
        FromWindows1251 {
            inner,
            decoded: Vec::new(),
            at: 0,
        }
    }
}

impl<R: Read> Read for FromWindows1251<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.decoded.len() {
            let mut raw = [0; 8192];
            let n = self.inner.read(&mut raw)?;
            if n == 0 {
                return Ok(0);
            }
            let text = WINDOWS_1251.decode_without_bom_handling(&raw[..n]).0;
            self.decoded = text.into_owned().into_bytes();
            self.at = 0;
        }
        let n = out.len().min(self.decoded.len() - self.at);
        out[..n].copy_from_slice(&self.decoded[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
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
        assert!(read(&b"<a/>"[..]).is_err());
    }

    /// Read from the disk as 1C uploaded it: a byte-order mark, or windows-1251 when the
    /// declaration says so; cut short it says where; whole, it ends as a document ends.
    #[test]
    fn an_upload_is_read_from_its_file_in_either_encoding() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orders.xml");
        std::fs::write(&path, REPORT).unwrap();
        assert_eq!(read_file(&path).unwrap().len(), 1);
        assert!(ends_a_document(&path));
        let windows = REPORT
            .trim_start_matches('\u{FEFF}')
            .replace("UTF-8", "windows-1251");
        std::fs::write(&path, WINDOWS_1251.encode(&windows).0).unwrap();
        let reports = read_file(&path).unwrap();
        assert_eq!(reports[0].from_1c.status.as_deref(), Some("В работе"));
        assert!(ends_a_document(&path));
        let cut = REPORT.rsplit_once("</КоммерческаяИнформация>").unwrap().0;
        std::fs::write(&path, cut).unwrap();
        assert!(!ends_a_document(&path));
        let err = read_file(&path).unwrap_err();
        assert!(err.contains("cut short"), "{err}");
        std::fs::write(
            &path,
            "<КоммерческаяИнформация><Документ></Ид></КоммерческаяИнформация>",
        )
        .unwrap();
        let err = read_file(&path).unwrap_err();
        assert!(err.contains("not well-formed XML at byte"), "{err}");
    }
}
