//! Output formats: a list of leads → the bytes of one file that 1C imports.
//!
//! Every format renders to a `String` first; the text encoding is applied in one place
//! (`encoding.rs`), so that characters windows-1251 cannot hold are handled the same way
//! everywhere and counted.

mod csv;
pub mod encoding;
mod fields;
mod xml;

use chrono::{Datelike, NaiveDateTime, Timelike};

pub use encoding::TextEncoding;
pub use fields::Field;

use crate::lead::Lead;

/// The file layout 1C reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `;`-separated text for 1C's «Загрузка данных из файла»; windows-1251 by default.
    Csv,
    /// Plain XML with Russian element names (schemas/bachata1c-leads-1.xsd); UTF-8 by default.
    Xml,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xml => "xml",
        }
    }

    /// Old 1C setups read CSV in windows-1251; XML declares its encoding, so UTF-8 is safe.
    pub fn default_encoding(self) -> TextEncoding {
        match self {
            Format::Csv => TextEncoding::Windows1251,
            Format::Xml => TextEncoding::Utf8,
        }
    }
}

/// How a document is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub format: Format,
    pub encoding: TextEncoding,
    /// CSV only: keep `;`, `"` and line breaks inside values and quote them (RFC 4180), for 1C
    /// processings that read CSV with a real parser. Off by default because «Загрузка данных из
    /// файла» splits every line on `;` naively.
    pub csv_quote: bool,
}

impl Layout {
    pub fn new(format: Format) -> Self {
        Layout {
            format,
            encoding: format.default_encoding(),
            csv_quote: false,
        }
    }
}

/// One output file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// Characters the target encoding cannot hold, replaced as documented in `encoding.rs`.
    pub replaced_chars: usize,
}

/// Renders the leads of one input file.
pub fn render(leads: &[Lead], layout: &Layout) -> Rendered {
    match layout.format {
        Format::Csv => csv::render(leads, layout),
        Format::Xml => xml::render(leads, layout.encoding),
    }
}

/// A time whose fields print as chrono prints them: year 1 to 9999, no leap second.
fn plain(time: NaiveDateTime) -> bool {
    (1..=9999).contains(&time.year()) && time.nanosecond() < 1_000_000_000
}

/// Time as 1C's «Загрузка данных из файла» parses it in a Russian locale.
fn russian_datetime(time: NaiveDateTime) -> String {
    // Written out by hand: chrono's `format` re-parses its pattern for every lead, which was a
    // tenth of the time of rendering 50,000 of them. Same text for every year 1C can hold.
    if plain(time) {
        return format!(
            "{:02}.{:02}.{:04} {:02}:{:02}:{:02}",
            time.day(),
            time.month(),
            time.year(),
            time.hour(),
            time.minute(),
            time.second()
        );
    }
    time.format("%d.%m.%Y %H:%M:%S").to_string()
}

/// Time as xs:dateTime without a zone: 1C's `Дата` has none, and XMLЗначение reads this form.
fn xml_datetime(time: NaiveDateTime) -> String {
    if plain(time) {
        return format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            time.year(),
            time.month(),
            time.day(),
            time.hour(),
            time.minute(),
            time.second()
        );
    }
    time.format("%Y-%m-%dT%H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_written_by_hand_match_chrono_formatting() {
        let times = [
            "0001-01-01T00:00:00",
            "2026-11-27T09:05:07",
            "1999-12-31T23:59:59.999",
            "9999-12-31T23:59:60.5",
        ];
        for text in times {
            let time: NaiveDateTime = text.parse().unwrap();
            assert_eq!(
                russian_datetime(time),
                time.format("%d.%m.%Y %H:%M:%S").to_string()
            );
            assert_eq!(
                xml_datetime(time),
                time.format("%Y-%m-%dT%H:%M:%S").to_string()
            );
        }
    }
}
