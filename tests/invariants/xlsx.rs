//! A small XLSX reader written from the Office Open XML spec (ECMA-376 part 1, §18.3 and
//! §22.4.2.4), sharing nothing with the writer but the spec: the zip crate unpacks, roxmltree
//! parses, and this follows the workbook's relationships to each sheet and its shared strings.
//! For the property tests and the fuzz invariants, which run too often for openpyxl.

use std::collections::HashMap;
use std::io::Read;

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELATIONSHIPS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A cell as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// No value: a blank cell with its number format's code, or `General` where there is no
    /// `<c>` at all.
    Blank { number_format: String },
    /// A string cell (`t="s"` or `t="inlineStr"`), with its number format's code (`@`: Text).
    Text { text: String, number_format: String },
    /// Anything else: its type attribute and raw value.
    Other { kind: String, value: String },
}

impl Cell {
    /// Where a row has no `<c>`.
    fn none() -> Cell {
        Cell::Blank {
            number_format: "General".to_string(),
        }
    }

    /// The number format's code; `None` for a value that is not text.
    pub fn number_format(&self) -> Option<&str> {
        match self {
            Cell::Blank { number_format } | Cell::Text { number_format, .. } => Some(number_format),
            Cell::Other { .. } => None,
        }
    }

    /// The text of a string cell; "" for a blank one; `None` for anything else.
    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Blank { .. } => Some(""),
            Cell::Text { text, .. } => Some(text),
            Cell::Other { .. } => None,
        }
    }
}

pub struct Sheet {
    pub name: String,
    /// Row by row from A1, each row as long as the widest.
    pub rows: Vec<Vec<Cell>>,
}

/// The sheets of a workbook, in the workbook's order. Panics with the reason on anything a
/// reader following the spec could not read.
pub fn read(bytes: &[u8]) -> Vec<Sheet> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("XLSX is a zip archive");
    let mut part = |name: &str| -> Option<String> {
        let mut file = archive.by_name(name).ok()?;
        let mut text = String::new();
        file.read_to_string(&mut text).expect("a UTF-8 part");
        Some(text)
    };
    let workbook = part("xl/workbook.xml").expect("xl/workbook.xml");
    let relationships = part("xl/_rels/workbook.xml.rels").expect("the workbook's relationships");
    let shared = part("xl/sharedStrings.xml").map_or_else(Vec::new, |xml| shared_strings(&xml));
    let styles = part("xl/styles.xml").map_or_else(Vec::new, |xml| cell_number_formats(&xml));
    let styles = &styles;

    let relationships = roxmltree::Document::parse(&relationships).expect("well-formed rels");
    let targets: HashMap<&str, &str> = relationships
        .descendants()
        .filter(|n| n.has_tag_name("Relationship"))
        .map(|n| (n.attribute("Id").unwrap(), n.attribute("Target").unwrap()))
        .collect();
    let workbook = roxmltree::Document::parse(&workbook).expect("well-formed workbook");
    let sheets: Vec<(String, String)> = workbook
        .descendants()
        .filter(|n| n.has_tag_name((MAIN, "sheet")))
        .map(|n| {
            let id = n.attribute((RELATIONSHIPS, "id")).expect("r:id");
            let target = targets[id];
            let path = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None => format!("xl/{target}"),
            };
            (n.attribute("name").unwrap().to_string(), path)
        })
        .collect();
    sheets
        .into_iter()
        .map(|(name, path)| {
            let xml = part(&path).unwrap_or_else(|| panic!("{path} missing"));
            Sheet {
                name,
                rows: cells(&xml, &shared, styles),
            }
        })
        .collect()
}

/// The shared strings: each `<si>`'s text, plain or in rich-text runs.
fn shared_strings(xml: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(xml).expect("well-formed sharedStrings.xml");
    document
        .root_element()
        .children()
        .filter(|n| n.has_tag_name((MAIN, "si")))
        .map(string_item)
        .collect()
}

/// The text of an `<si>` or `<is>`: its `<t>`, or its runs' `<t>`s, phonetic runs left out.
fn string_item(item: roxmltree::Node) -> String {
    let mut text = String::new();
    for t in item.descendants().filter(|n| n.has_tag_name((MAIN, "t"))) {
        if t.ancestors().any(|a| a.has_tag_name((MAIN, "rPh"))) {
            continue;
        }
        text.push_str(t.text().unwrap_or(""));
    }
    unescape(&text)
}

/// ECMA-376 §22.4.2.4: `_xHHHH_` stands for the UTF-16 code unit HHHH (so `_x005F_` is `_`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut units: Vec<u16> = Vec::new();
    let mut rest = text;
    loop {
        let escape = rest.get(..7).and_then(|head| {
            let hex = head.strip_prefix("_x")?.strip_suffix('_')?;
            hex.bytes()
                .all(|b| b.is_ascii_hexdigit())
                .then(|| u16::from_str_radix(hex, 16).unwrap())
        });
        match escape {
            Some(unit) => {
                units.push(unit);
                rest = &rest[7..];
            }
            None => {
                out.push_str(&String::from_utf16(&units).expect("escapes make whole characters"));
                units.clear();
                let Some(c) = rest.chars().next() else {
                    return out;
                };
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
}

/// The number format code of each cell format (`cellXfs`), by the index cells give in `s`:
/// the workbook's own `numFmt`s, or for built-in ids `General` (0), `@` (49, Text) and
/// `builtin N` for the others (§18.8.30).
fn cell_number_formats(xml: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(xml).expect("well-formed styles.xml");
    let custom: HashMap<&str, &str> = document
        .descendants()
        .filter(|n| n.has_tag_name((MAIN, "numFmt")))
        .map(|n| {
            (
                n.attribute("numFmtId").unwrap(),
                n.attribute("formatCode").unwrap(),
            )
        })
        .collect();
    let code = |id: &str| match (custom.get(id), id) {
        (Some(code), _) => code.to_string(),
        (None, "0") => "General".to_string(),
        (None, "49") => "@".to_string(),
        (None, id) => format!("builtin {id}"),
    };
    document
        .descendants()
        .find(|n| n.has_tag_name((MAIN, "cellXfs")))
        .map(|xfs| {
            xfs.children()
                .filter(|n| n.has_tag_name((MAIN, "xf")))
                .map(|xf| code(xf.attribute("numFmtId").unwrap_or("0")))
                .collect()
        })
        .unwrap_or_default()
}

fn cells(xml: &str, shared: &[String], styles: &[String]) -> Vec<Vec<Cell>> {
    let document = roxmltree::Document::parse(xml).expect("well-formed worksheet");
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for c in document
        .descendants()
        .filter(|n| n.has_tag_name((MAIN, "c")))
    {
        let (row, col) = position(c.attribute("r").expect("cells name their place"));
        let value = c
            .children()
            .find(|n| n.has_tag_name((MAIN, "v")))
            .map(|v| v.text().unwrap_or("").to_string());
        let number_format = c.attribute("s").map_or_else(
            || "General".to_string(),
            |s| styles[s.parse::<usize>().unwrap()].clone(),
        );
        let cell = match (c.attribute("t"), value) {
            (Some("s"), Some(index)) => Cell::Text {
                text: shared[index.parse::<usize>().unwrap()].clone(),
                number_format: number_format.clone(),
            },
            (Some("inlineStr"), _) => Cell::Text {
                text: c
                    .children()
                    .find(|n| n.has_tag_name((MAIN, "is")))
                    .map(string_item)
                    .unwrap_or_default(),
                number_format: number_format.clone(),
            },
            (_, None) => Cell::Blank { number_format },
            (kind, Some(value)) => Cell::Other {
                kind: kind.unwrap_or("n").to_string(),
                value,
            },
        };
        if rows.len() <= row {
            rows.resize(row + 1, Vec::new());
        }
        if rows[row].len() <= col {
            rows[row].resize(col + 1, Cell::none());
        }
        rows[row][col] = cell;
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for row in &mut rows {
        row.resize(width, Cell::none());
    }
    rows
}

/// `B3` → (2, 1): zero-based row and column.
fn position(reference: &str) -> (usize, usize) {
    let digits = reference
        .find(|c: char| c.is_ascii_digit())
        .expect("a row number");
    let col = reference[..digits]
        .bytes()
        .fold(0, |n, b| n * 26 + usize::from(b - b'A' + 1));
    let row: usize = reference[digits..].parse().expect("a row number");
    (row - 1, col - 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_and_places_read_as_the_spec_says() {
        assert_eq!(super::unescape("a_x000D_b_x005F_x0041_"), "a\rb_x0041_");
        assert_eq!(super::unescape("_xD83D__xDE97_ _x41_"), "🚗 _x41_");
        assert_eq!(super::position("A1"), (0, 0));
        assert_eq!(super::position("AB12"), (11, 27));
    }
}
