//! The first row of an Excel workbook's first sheet, read from the sheet's XML as it streams
//! out of the ZIP archive (ECMA-376 Part 1, §18.3 Worksheets, §18.4 Shared String Table).
//! The sheet's declared dimension is never read: a 1.6 KB workbook holding only A1 and
//! XFD1048576 declares 17 billion cells. Only the cells of the first row that holds a value
//! are kept, and only the shared strings they use; each part is read through a bound.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufReader, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use zip::ZipArchive;

use super::{Error, MAX_HEADER_BYTES};

/// The last column of a sheet, XFD.
const MAX_COLUMN: u32 = 16_384;

type Zip = ZipArchive<File>;

/// What a cell of the first row holds: a shared string's index, or its text.
enum Cell {
    Shared(usize),
    Text(String),
}

pub fn first_row(file: File) -> Result<Vec<String>, Error> {
    let mut zip = ZipArchive::new(file).map_err(|err| malformed(err.to_string()))?;
    let workbook = target_of(&mut zip, "_rels/.rels", "/officeDocument", "")?
        .unwrap_or_else(|| "xl/workbook.xml".to_string());
    let rels = rels_of(&workbook);
    let sheet_id = first_sheet_id(&mut zip, &workbook)?;
    let sheet = target_by_id(&mut zip, &rels, &sheet_id, &workbook)?;
    let cells = first_row_cells(&mut zip, &sheet)?;
    let needed: BTreeSet<usize> = cells
        .values()
        .filter_map(|cell| match cell {
            Cell::Shared(index) => Some(*index),
            Cell::Text(_) => None,
        })
        .collect();
    let mut strings = BTreeMap::new();
    if !needed.is_empty() {
        let table = target_of(&mut zip, &rels, "/sharedStrings", &workbook)?
            .ok_or_else(|| malformed(format!("{sheet} uses shared strings, and there are none")))?;
        strings = shared_strings(&mut zip, &table, &needed)?;
    }
    cells
        .into_values()
        .map(|cell| match cell {
            Cell::Text(text) => Ok(text),
            Cell::Shared(index) => strings
                .remove(&index)
                .ok_or_else(|| malformed(format!("shared string {index} is missing"))),
        })
        .map(|text| text.map(|text| unescape_xstring(&text)))
        .collect()
}

/// A cell's text as Excel shows it: characters XML cannot hold are written `_xHHHH_`
/// (ECMA-376 Part 1, §22.9.2.19 ST_Xstring; an ESC is `_x001B_`, a literal `_x` is `_x005F_x`).
fn unescape_xstring(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("_x") {
        shown.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let escaped = after
            .get(..4)
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()) && after[4..].starts_with('_'))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32);
        match escaped {
            Some(c) => {
                shown.push(c);
                rest = &after[5..];
            }
            None => {
                shown.push_str("_x");
                rest = after;
            }
        }
    }
    shown.push_str(rest);
    shown
}

fn malformed(reason: impl Into<String>) -> Error {
    Error::Workbook(reason.into())
}

/// A part of the archive as XML, read through the bound.
fn part<'z>(
    zip: &'z mut Zip,
    name: &str,
) -> Result<Reader<BufReader<std::io::Take<zip::read::ZipFile<'z, File>>>>, Error> {
    let file = zip
        .by_name(name)
        .map_err(|err| malformed(format!("{name}: {err}")))?;
    Ok(Reader::from_reader(BufReader::new(
        file.take(MAX_HEADER_BYTES + 1),
    )))
}

/// The next event of `part`, an error naming the part and the byte where it went wrong;
/// reaching the bound is the part being too long for a header.
fn next<'b, R: std::io::BufRead>(
    reader: &mut Reader<R>,
    buf: &'b mut Vec<u8>,
    name: &str,
) -> Result<Event<'b>, Error> {
    buf.clear();
    let event = reader
        .read_event_into(buf)
        .map_err(|err| malformed(format!("{name} at byte {}: {err}", reader.error_position())));
    if reader.buffer_position() > MAX_HEADER_BYTES {
        return Err(Error::HeaderTooLong);
    }
    event
}

fn attribute(element: &BytesStart, local_name: &str) -> Option<String> {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local_name)
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.into_owned())
        })
}

/// Where a part's relationships are: `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`.
fn rels_of(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/_rels/{name}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// A relationship's target as a path in the archive: relative to the part's folder, or
/// absolute from the archive's root.
fn resolve(target: &str, from_part: &str) -> String {
    let joined = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => match from_part.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{target}"),
            None => target.to_string(),
        },
    };
    let mut parts: Vec<&str> = Vec::new();
    for piece in joined.split('/') {
        match piece {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            piece => parts.push(piece),
        }
    }
    parts.join("/")
}

/// The target of the first relationship in `rels` whose type ends with `kind`; `None` when
/// there is none or no such relationships part.
fn target_of(
    zip: &mut Zip,
    rels: &str,
    kind: &str,
    from_part: &str,
) -> Result<Option<String>, Error> {
    if zip.index_for_name(rels).is_none() {
        return Ok(None);
    }
    find_relationship(zip, rels, |element| {
        attribute(element, "Type").is_some_and(|t| t.ends_with(kind))
    })
    .map(|target| target.map(|t| resolve(&t, from_part)))
}

fn target_by_id(zip: &mut Zip, rels: &str, id: &str, from_part: &str) -> Result<String, Error> {
    find_relationship(zip, rels, |element| {
        attribute(element, "Id").as_deref() == Some(id)
    })?
    .map(|target| resolve(&target, from_part))
    .ok_or_else(|| malformed(format!("{rels} has no relationship {id}")))
}

fn find_relationship(
    zip: &mut Zip,
    rels: &str,
    wanted: impl Fn(&BytesStart) -> bool,
) -> Result<Option<String>, Error> {
    let mut reader = part(zip, rels)?;
    let mut buf = Vec::new();
    loop {
        match next(&mut reader, &mut buf, rels)? {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == "Relationship" && wanted(&e) =>
            {
                return Ok(attribute(&e, "Target"));
            }
            Event::Eof => return Ok(None),
            _ => {}
        }
    }
}

/// The relationship id (`r:id`) of the workbook's first sheet.
fn first_sheet_id(zip: &mut Zip, workbook: &str) -> Result<String, Error> {
    let mut reader = part(zip, workbook)?;
    let mut buf = Vec::new();
    loop {
        match next(&mut reader, &mut buf, workbook)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                return attribute(&e, "id")
                    .ok_or_else(|| malformed(format!("{workbook}: a sheet without r:id")));
            }
            Event::Eof => return Err(malformed(format!("{workbook} lists no sheet"))),
            _ => {}
        }
    }
}

/// The cells of the sheet's first row that holds a value, by column.
fn first_row_cells(zip: &mut Zip, sheet: &str) -> Result<BTreeMap<u32, Cell>, Error> {
    let mut reader = part(zip, sheet)?;
    let mut buf = Vec::new();
    let mut cells = BTreeMap::new();
    let mut in_row = false;
    // Where a cell without a reference stands: after the one before it.
    let mut column = 0;
    loop {
        match next(&mut reader, &mut buf, sheet)? {
            Event::Start(e) if e.local_name().as_ref() == "row" => {
                in_row = true;
                column = 0;
            }
            Event::End(e) if e.local_name().as_ref() == "row" => {
                if !cells.is_empty() {
                    return Ok(cells);
                }
                in_row = false;
            }
            Event::Start(e) if in_row && e.local_name().as_ref() == "c" => {
                column = match attribute(&e, "r") {
                    Some(reference) => column_of(&reference)
                        .ok_or_else(|| malformed(format!("{sheet}: a cell at {reference:?}")))?,
                    None => column + 1,
                };
                let kind = attribute(&e, "t").unwrap_or_default();
                let value = cell_value(&mut reader, sheet)?;
                let cell = match (kind.as_str(), value) {
                    (_, None) => None,
                    ("s", Some(index)) => {
                        Some(Cell::Shared(index.trim().parse().map_err(|_| {
                            malformed(format!("{sheet}: a shared string index {index:?}"))
                        })?))
                    }
                    (_, Some(text)) => Some(Cell::Text(text)),
                };
                if let Some(cell) = cell.filter(|c| !matches!(c, Cell::Text(t) if t.is_empty())) {
                    cells.insert(column, cell);
                }
            }
            Event::Empty(e) if in_row && e.local_name().as_ref() == "c" => {
                column = match attribute(&e, "r") {
                    Some(reference) => column_of(&reference).unwrap_or(column + 1),
                    None => column + 1,
                };
            }
            Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(cells),
            Event::Eof => return Ok(cells),
            _ => {}
        }
    }
}

/// A cell reference's column, 1 for A: `XFD1048576` → 16384; `None` past XFD or malformed.
fn column_of(reference: &str) -> Option<u32> {
    let letters = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .collect::<Vec<_>>();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let column = letters.iter().fold(0u32, |n, b| {
        n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    (column <= MAX_COLUMN).then_some(column)
}

/// The text of a cell, from `<c>` to `</c>`: its `<v>`, or the `<t>` runs of an inline string
/// (`<is>`), phonetic runs (`<rPh>`) left out. `None` for a cell without either.
fn cell_value<R: std::io::BufRead>(
    reader: &mut Reader<R>,
    sheet: &str,
) -> Result<Option<String>, Error> {
    let mut buf = Vec::new();
    let mut value: Option<String> = None;
    let mut in_text = false;
    let mut phonetic = 0;
    loop {
        match next(reader, &mut buf, sheet)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "v" | "t" if phonetic == 0 => {
                    in_text = true;
                    value.get_or_insert_default();
                }
                "rPh" => phonetic += 1,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "v" | "t" => in_text = false,
                "rPh" => phonetic -= 1,
                "c" => return Ok(value),
                _ => {}
            },
            event if in_text => push_text(&mut value, event),
            Event::Eof => return Err(malformed(format!("{sheet} ends inside a cell"))),
            _ => {}
        }
    }
}

/// Appends the text an event stands for: text, CDATA or an entity or character reference.
fn push_text(value: &mut Option<String>, event: Event) {
    let text = value.get_or_insert_default();
    match event {
        Event::Text(piece) => text.push_str(&piece.xml10_content()),
        Event::CData(piece) => text.push_str(&piece.into_inner()),
        Event::GeneralRef(reference) => {
            let entity = format!("&{};", reference.into_inner());
            text.push_str(&quick_xml::escape::unescape(&entity).unwrap_or_default());
        }
        _ => {}
    }
}

/// The shared strings at `needed` indices, read in order up to the last of them.
fn shared_strings(
    zip: &mut Zip,
    table: &str,
    needed: &BTreeSet<usize>,
) -> Result<BTreeMap<usize, String>, Error> {
    let last = needed.last().copied().unwrap_or(0);
    let mut reader = part(zip, table)?;
    let mut buf = Vec::new();
    let mut strings = BTreeMap::new();
    let mut index = 0;
    let mut text: Option<String> = None;
    let mut in_text = false;
    let mut phonetic = 0;
    loop {
        match next(&mut reader, &mut buf, table)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => text = needed.contains(&index).then(String::new),
                "t" if phonetic == 0 => in_text = text.is_some(),
                "rPh" => phonetic += 1,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => {
                if needed.contains(&index) {
                    strings.insert(index, String::new());
                }
                index += 1;
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "rPh" => phonetic -= 1,
                "si" => {
                    if let Some(text) = text.take() {
                        strings.insert(index, text);
                    }
                    if index == last {
                        return Ok(strings);
                    }
                    index += 1;
                }
                _ => {}
            },
            event if in_text => push_text(&mut text, event),
            Event::Eof => return Ok(strings),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_read_from_references_up_to_xfd() {
        assert_eq!(column_of("A1"), Some(1));
        assert_eq!(column_of("z9"), Some(26));
        assert_eq!(column_of("AA1"), Some(27));
        assert_eq!(column_of("XFD1048576"), Some(16_384));
        assert_eq!(column_of("XFE1"), None);
        assert_eq!(column_of("ZZZZ1"), None);
        assert_eq!(column_of("17"), None);
    }

    #[test]
    fn excel_s_escapes_are_read_as_the_characters_they_stand_for() {
        assert_eq!(
            unescape_xstring("a_x001B_b_x005F_x0041_"),
            "a\u{1b}b_x0041_"
        );
        assert_eq!(unescape_xstring("_x12_ _xZZZZ_ _x"), "_x12_ _xZZZZ_ _x");
        assert_eq!(unescape_xstring("Телефон"), "Телефон");
    }

    #[test]
    fn relationship_targets_resolve_as_the_package_rules_say() {
        assert_eq!(rels_of("xl/workbook.xml"), "xl/_rels/workbook.xml.rels");
        assert_eq!(
            resolve("worksheets/sheet1.xml", "xl/workbook.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("/xl/worksheets/s.xml", "xl/workbook.xml"),
            "xl/worksheets/s.xml"
        );
        assert_eq!(resolve("../x.xml", "xl/workbook.xml"), "x.xml");
        assert_eq!(resolve("xl/workbook.xml", ""), "xl/workbook.xml");
    }
}
