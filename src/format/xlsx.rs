//! XLSX for Excel and for 1C's own reading of spreadsheets: the CSV's columns and cell texts
//! (the `[mapping] csv` columns and titles) in one worksheet, «Лиды».
//!
//! A dealer opening a CSV in Excel loses data: `+79035550011` becomes a number, `+375291234567`
//! becomes `3,75E+11` (and stays so on save), `3/1` and date-like texts become dates. Here every
//! cell is a string (a shared string, Excel's native text cell) with the Text number format
//! (`@`), so nothing is ever converted, also when a cell is edited. Empty values are blank cells
//! with that Text format (Excel does not keep an empty string as a cell of its own), so a value
//! typed into them later stays text too. Values are written as they are, without the CSV's
//! replacements for 1C's naive `;` split: a spreadsheet holds `;`, quotes and line breaks.
//!
//! The header row is bold, frozen (panes below row 1) and has an autofilter; each column is as
//! wide as its longest line of text, within [`MIN_WIDTH`, `MAX_WIDTH`]; Excel's «number stored as
//! text» warning is switched off over the data, since text is the point.
//!
//! The same leads always give the same bytes: the exchange folder names outputs by content and
//! runs are compared. rust_xlsxwriter writes fixed times into the zip entries, but the document's
//! creation time (`docProps/core.xml`) is the clock's unless set, so it is set to when the
//! webhook was received, as the XML formats' `formed_at`.
//!
//! Excel's limits, met without failing the file: a cell holds at most 32,767 UTF-16 code units
//! (a longer value is cut there and the characters cut off are counted in `replaced_chars`,
//! the summary's «characters … replaced»); a sheet holds 1,048,576 rows (more leads continue on
//! «Лиды 2», «Лиды 3», … each with its own header) and 16,384 columns (a mapping with more keeps
//! the first 16,384).

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format as CellFormat, IgnoreError, Workbook, Worksheet,
};

use super::mapping::Column;
use super::{Layout, Rendered};
use crate::lead::Lead;

/// The worksheet's name; more sheets, when the rows do not fit in one, add a number.
pub const SHEET: &str = "Лиды";
/// Column widths, in Excel's character units.
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;
/// Room for the autofilter's button beside a header title, in characters.
const FILTER_BUTTON: usize = 3;
/// The most UTF-16 code units Excel keeps in a cell.
const MAX_CELL_UNITS: usize = 32_767;
/// Excel's rows and columns per sheet.
const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;

pub fn render(leads: &[Lead], layout: &Layout) -> Rendered {
    render_in_sheets(leads, layout, MAX_ROWS - 1)
}

/// `per_sheet`: the most leads on one sheet (below the header).
fn render_in_sheets(leads: &[Lead], layout: &Layout, per_sheet: usize) -> Rendered {
    let mut columns = layout.mapping.csv.columns();
    columns.truncate(MAX_COLUMNS);
    // Excel's built-in Text format, `@` (id 49), as Excel itself writes it.
    let text = CellFormat::new().set_num_format_index(49);
    let bold = text.clone().set_bold();

    let mut workbook = Workbook::new();
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created(leads)));
    let mut cut_chars = 0;
    let parts: Vec<&[Lead]> = if leads.is_empty() {
        vec![&[]]
    } else {
        leads.chunks(per_sheet.max(1)).collect()
    };
    for (index, part) in parts.into_iter().enumerate() {
        let sheet = workbook.add_worksheet();
        let name = match index {
            0 => SHEET.to_string(),
            n => format!("{SHEET} {}", n + 1),
        };
        // A name of at most 31 characters without []:*?/\ is always accepted.
        sheet.set_name(name).expect("a valid sheet name");
        cut_chars += write_sheet(sheet, part, &columns, &layout.mapping, (&text, &bold));
    }
    // Every cell, row, column and name was kept within Excel's limits above, and the workbook
    // is written to memory: saving cannot fail.
    let bytes = workbook
        .save_to_buffer()
        .expect("an XLSX within Excel's limits, written to memory");
    Rendered {
        bytes,
        replaced_chars: cut_chars,
    }
}

/// Writes the header and one row per lead; returns how many characters were cut off values
/// longer than a cell holds.
fn write_sheet(
    sheet: &mut Worksheet,
    leads: &[Lead],
    columns: &[(Column, String)],
    mapping: &super::Mapping,
    (text, bold): (&CellFormat, &CellFormat),
) -> usize {
    // Rows and columns are below Excel's limits (see `render`), which is all these check.
    const WITHIN_LIMITS: &str = "a cell within Excel's rows and columns";
    let mut widths: Vec<usize> = columns
        .iter()
        .map(|(_, title)| width(title) + FILTER_BUTTON)
        .collect();
    let mut cut_chars = 0;
    for (col, (_, title)) in columns.iter().enumerate() {
        let (title, cut) = fitted(title);
        cut_chars += cut;
        sheet
            .write_string_with_format(0, col as u16, title, bold)
            .expect(WITHIN_LIMITS);
    }
    for (index, lead) in leads.iter().enumerate() {
        let row = index as u32 + 1;
        for (col, (column, _)) in columns.iter().enumerate() {
            let value = column.text(lead, mapping);
            widths[col] = widths[col].max(width(&value));
            let (value, cut) = fitted(&value);
            cut_chars += cut;
            // An empty string becomes a blank cell with the Text format.
            sheet
                .write_string_with_format(row, col as u16, value, text)
                .expect(WITHIN_LIMITS);
        }
    }
    for (col, width) in widths.into_iter().enumerate() {
        let width = width.clamp(MIN_WIDTH, MAX_WIDTH);
        sheet
            .set_column_width(col as u16, width as f64)
            .expect(WITHIN_LIMITS);
    }
    if let Some(last_col) = columns.len().checked_sub(1) {
        let last_col = last_col as u16;
        let last_row = leads.len() as u32;
        sheet
            .set_freeze_panes(1, 0)
            .and_then(|sheet| sheet.autofilter(0, 0, last_row, last_col))
            .expect(WITHIN_LIMITS);
        if last_row > 0 {
            sheet
                .ignore_error_range(1, 0, last_row, last_col, IgnoreError::NumberStoredAsText)
                .expect(WITHIN_LIMITS);
        }
    }
    cut_chars
}

/// How wide a text shows: its longest line, in characters, counted no further than needed.
fn width(text: &str) -> usize {
    text.split('\n')
        .map(|line| line.chars().take(MAX_WIDTH + 1).count())
        .max()
        .unwrap_or(0)
}

/// `value` as much of it as a cell holds, and how many characters were cut off.
fn fitted(value: &str) -> (&str, usize) {
    // UTF-8 is never shorter than UTF-16 in code units, so a short text needs no counting.
    if value.len() <= MAX_CELL_UNITS {
        return (value, 0);
    }
    let mut units = 0;
    for (at, c) in value.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL_UNITS {
            return (&value[..at], value[at..].chars().count());
        }
    }
    (value, 0)
}

/// The document's creation time: when the webhook was received (the latest, for several), so
/// that the same input gives the same bytes. Outside the years Excel holds: 1980-01-01, the
/// zip entries' own time.
fn created(leads: &[Lead]) -> ExcelDateTime {
    use chrono::{Datelike, Timelike};
    let time = super::formed_at(leads);
    let excel = u16::try_from(time.year()).map_err(|_| ()).and_then(|year| {
        ExcelDateTime::from_ymd(year, time.month() as u8, time.day() as u8)
            .and_then(|date| {
                date.and_hms(
                    time.hour() as u16,
                    time.minute() as u8,
                    time.second().min(59),
                )
            })
            .map_err(|_| ())
    });
    excel.unwrap_or_else(|()| {
        ExcelDateTime::from_ymd(1980, 1, 1).expect("1980-01-01 is a date Excel holds")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Format, Layout};
    use crate::lead::{self, Origin, Rules};

    fn leads(count: usize, received_at: &str) -> Vec<Lead> {
        let clients: Vec<String> = (0..count)
            .map(|i| {
                format!(
                    r#"{{"clientId":"c{i}","phone":"8916555{:04}"}}"#,
                    i % 10_000
                )
            })
            .collect();
        let json = format!(r#"{{"clients":[{}]}}"#, clients.join(","));
        let payload = crate::payload::read(json.as_bytes()).unwrap();
        let origin = Origin {
            source_file: "f.json",
            received_at: received_at.parse().unwrap(),
            default_event: "e",
        };
        lead::qualify(payload, &Rules::default(), &origin).0
    }

    /// Whether the archive holds `needle` as plain bytes: the zip's member names are stored
    /// uncompressed, which is enough to count the sheets without an unzip crate.
    fn contains(bytes: &[u8], needle: &str) -> bool {
        bytes
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    }

    #[test]
    fn the_same_leads_give_the_same_bytes_whenever_rendered() {
        let leads = leads(3, "2026-11-27T07:50:46");
        let layout = Layout::new(Format::Xlsx);
        let first = render(&leads, &layout);
        // The creation time rust_xlsxwriter would take from the clock has a second's grain.
        std::thread::sleep(std::time::Duration::from_millis(1_100));
        let second = render(&leads, &layout);
        assert!(first == second, "two renderings differ");
        assert_eq!(first.replaced_chars, 0);
        assert!(first.bytes.starts_with(b"PK\x03\x04"));
    }

    #[test]
    fn the_creation_time_is_when_the_webhook_was_received() {
        let expected = ExcelDateTime::from_ymd(2026, 11, 27)
            .unwrap()
            .and_hms(7, 50, 46)
            .unwrap();
        let serial = |time: ExcelDateTime| time.to_excel();
        assert_eq!(
            serial(created(&leads(1, "2026-11-27T07:50:46"))),
            serial(expected)
        );
        // Out of Excel's years: the fixed fallback, never the clock.
        let fallback = ExcelDateTime::from_ymd(1980, 1, 1).unwrap();
        assert_eq!(
            serial(created(&leads(1, "1850-01-01T00:00:00"))),
            serial(fallback)
        );
        // No lead: `formed_at`'s default, the Unix epoch; still no clock.
        let epoch = ExcelDateTime::from_ymd(1970, 1, 1).unwrap();
        assert_eq!(serial(created(&[])), serial(epoch));
    }

    #[test]
    fn values_longer_than_a_cell_are_cut_at_excels_limit_and_counted() {
        assert_eq!(fitted("short"), ("short", 0));
        let long = "ё".repeat(MAX_CELL_UNITS + 5);
        let (kept, cut) = fitted(&long);
        assert_eq!((kept.chars().count(), cut), (MAX_CELL_UNITS, 5));
        // A character outside the BMP takes two UTF-16 units and is never split.
        let cars = "🚗".repeat(MAX_CELL_UNITS / 2 + 1);
        let (kept, cut) = fitted(&cars);
        assert_eq!((kept.chars().count(), cut), (MAX_CELL_UNITS / 2, 1));
        let exact = "a".repeat(MAX_CELL_UNITS);
        assert_eq!(fitted(&exact), (exact.as_str(), 0));
    }

    #[test]
    fn widths_follow_the_longest_line_within_bounds() {
        assert_eq!(width(""), 0);
        assert_eq!(width("+79035550011"), 12);
        assert_eq!(width("ab\nабвгд"), 5);
        assert_eq!(width(&"x".repeat(1_000)), MAX_WIDTH + 1);
    }

    #[test]
    fn rows_beyond_a_sheet_continue_on_numbered_sheets() {
        let leads = leads(5, "2026-11-27T07:50:46");
        let layout = Layout::new(Format::Xlsx);
        let rendered = render_in_sheets(&leads, &layout, 2);
        for sheet in ["xl/worksheets/sheet1.xml", "sheet2.xml", "sheet3.xml"] {
            assert!(contains(&rendered.bytes, sheet), "{sheet}");
        }
        assert!(!contains(&rendered.bytes, "sheet4.xml"));
        let one = render(&leads, &layout);
        assert!(!contains(&one.bytes, "sheet2.xml"));
    }
}
