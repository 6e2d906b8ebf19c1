//! Output formats: a list of leads → the bytes of one file that 1C imports.
//!
//! The XML formats render to a `String` and are encoded whole; CSV is written field by field
//! straight into the target encoding (a big file is not held twice). Either way the encoding
//! goes through one place (`encoding.rs`), so that characters windows-1251 cannot hold are
//! handled the same way everywhere and counted. XLSX (`xlsx.rs`) is a zip of UTF-8 XML parts
//! made by rust_xlsxwriter, with no encoding to choose.

pub mod bsp;
pub mod commerceml;
mod csv;
pub mod encoding;
mod enterprisedata;
mod fields;
pub mod mapping;
mod xlsx;
mod xml;

use std::borrow::Cow;

use chrono::{Datelike, NaiveDateTime, Timelike};
use uuid::Uuid;

pub use encoding::TextEncoding;
use encoding::Unmappable;
pub use fields::Field;
pub use mapping::Mapping;

use crate::lead::Lead;

/// The file layout 1C reads; by default CSV for a 1C processing, the integration note's route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `;`-separated text for a 1C processing, windows-1251 by default; with the `bsp` profile
    /// for 1C's «Загрузка данных из файла».
    #[default]
    Csv,
    /// Plain XML with Russian element names (schemas/bachata1c-leads-1.xsd); UTF-8 by default.
    Xml,
    /// CommerceML 2 orders for 1C's standard «Обмен с сайтом»; UTF-8 with a BOM by default.
    Commerceml,
    /// EnterpriseData message (1.8, or 1.6 with `--enterprisedata-version`) for 1C's
    /// «Выгрузка/загрузка данных EnterpriseData».
    Enterprisedata,
    /// Excel workbook with the CSV's columns, every cell text; always UTF-8 inside.
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Csv,
        Format::Xml,
        Format::Commerceml,
        Format::Enterprisedata,
        Format::Xlsx,
    ];

    /// The name the config file (and the command line) gives the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xml => "xml",
            Format::Commerceml => "commerceml",
            Format::Enterprisedata => "enterprisedata",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xml | Format::Commerceml | Format::Enterprisedata => "xml",
            Format::Xlsx => "xlsx",
        }
    }

    /// Old 1C setups read CSV in windows-1251; XML declares its encoding, so UTF-8 is safe.
    /// XLSX is UTF-8 inside whatever is asked.
    pub fn default_encoding(self) -> TextEncoding {
        match self {
            Format::Csv => TextEncoding::Windows1251,
            Format::Xml | Format::Commerceml | Format::Enterprisedata | Format::Xlsx => {
                TextEncoding::Utf8
            }
        }
    }

    /// Whether the format has a choice of text encoding (`--encoding`); XLSX has none.
    pub fn has_encoding(self) -> bool {
        self != Format::Xlsx
    }
}

/// The CommerceML schema version written in `ВерсияСхемы`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub enum CmlVersion {
    /// CommerceML 2.08, for older «Обмен с сайтом» setups.
    #[serde(rename = "2.08")]
    V2_08,
    /// CommerceML 2.10.
    #[default]
    #[serde(rename = "2.10")]
    V2_10,
}

impl CmlVersion {
    pub const ALL: [CmlVersion; 2] = [CmlVersion::V2_08, CmlVersion::V2_10];

    pub fn as_str(self) -> &'static str {
        match self {
            CmlVersion::V2_08 => "2.08",
            CmlVersion::V2_10 => "2.10",
        }
    }
}

/// The EnterpriseData version: the message's namespace, which БСП reads to pick the
/// configuration's exchange manager, and the shape of the objects whose schema changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub enum EnterpriseDataVersion {
    /// EnterpriseData 1.6, for configurations whose exchange manager does not list 1.8.
    #[serde(rename = "1.6")]
    V1_6,
    /// EnterpriseData 1.8.
    #[default]
    #[serde(rename = "1.8")]
    V1_8,
}

impl EnterpriseDataVersion {
    pub const ALL: [EnterpriseDataVersion; 2] =
        [EnterpriseDataVersion::V1_6, EnterpriseDataVersion::V1_8];

    pub fn as_str(self) -> &'static str {
        match self {
            EnterpriseDataVersion::V1_6 => "1.6",
            EnterpriseDataVersion::V1_8 => "1.8",
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
    /// CommerceML only: the schema version.
    pub cml_version: CmlVersion,
    /// EnterpriseData only: the format version.
    pub enterprisedata_version: EnterpriseDataVersion,
    /// The dealer's `[mapping]`.
    pub mapping: Mapping,
}

impl Layout {
    pub fn new(format: Format) -> Self {
        Layout {
            format,
            encoding: format.default_encoding(),
            csv_quote: false,
            cml_version: CmlVersion::default(),
            enterprisedata_version: EnterpriseDataVersion::default(),
            mapping: Mapping::default(),
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

/// The finished file: `text` in the target encoding, with a UTF-8 byte-order mark where the
/// format's readers want one (1C's loaders and Excel for CSV, some 1C releases for CommerceML).
/// A text given whole (not borrowed) becomes the file's bytes without a copy when it is UTF-8
/// already: a document of hundreds of megabytes is then held once, not twice.
fn encoded<'a>(
    text: impl Into<Cow<'a, str>>,
    layout: &Layout,
    unmappable: Unmappable,
    utf8_bom: bool,
) -> Rendered {
    const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
    let (bytes, replaced_chars) = match (layout.encoding, text.into()) {
        (TextEncoding::Utf8, Cow::Owned(text)) if !utf8_bom => (text.into_bytes(), 0),
        (TextEncoding::Utf8, text) => {
            let mut bytes = Vec::with_capacity(BOM.len() + text.len());
            if utf8_bom {
                bytes.extend_from_slice(&BOM);
            }
            bytes.extend_from_slice(text.as_bytes());
            (bytes, 0)
        }
        (target, text) => encoding::encode(&text, target, unmappable),
    };
    Rendered {
        bytes,
        replaced_chars,
    }
}

/// Renders the leads of one input file.
pub fn render(leads: &[Lead], layout: &Layout) -> Rendered {
    match layout.format {
        Format::Csv => csv::render(leads, layout),
        Format::Xml => xml::render(leads, layout),
        Format::Commerceml => commerceml::render(leads, layout),
        Format::Enterprisedata => enterprisedata::render(leads, layout),
        Format::Xlsx => xlsx::render(leads, layout),
    }
}

/// The 1C document made from one lead: the same lead in the same webhook always gives the same
/// identifier, so that importing a file twice updates one order instead of creating two.
pub fn document_id(lead: &Lead) -> Uuid {
    // Within the client's own namespace: the dialog where Bachata names it, else the file.
    let occasion = if lead.dialog_id.is_empty() {
        format!("file:{}", lead.source_file)
    } else {
        format!("dialog:{}", lead.dialog_id)
    };
    let key = format!(
        "{occasion}\nevent:{}\nsearch:{}",
        lead.event, lead.search_id
    );
    Uuid::new_v5(&lead.id, key.as_bytes())
}

/// A short document number a person can read out: `BCH-` and the document id's first 8 digits.
fn document_number(lead: &Lead) -> String {
    let id = document_id(lead).simple().to_string();
    format!("BCH-{}", id[..8].to_uppercase())
}

/// The time a file was formed: when its webhook was received, so that converting the same
/// input twice gives the same bytes.
fn formed_at(leads: &[Lead]) -> NaiveDateTime {
    leads
        .iter()
        .map(|lead| lead.received_at)
        .max()
        .unwrap_or_default()
}

/// Where a lead came from, in one line for a 1C comment.
fn origin_comment(lead: &Lead, source: &str) -> String {
    let mut parts = vec![format!("Лид из {source}: событие {}", lead.event)];
    if !lead.source_file.is_empty() {
        parts.push(format!("файл {}", lead.source_file));
    }
    if !lead.search_id.is_empty() {
        parts.push(format!("searchId {}", lead.search_id));
    }
    if !lead.dialog_id.is_empty() {
        parts.push(format!("диалог {}", lead.dialog_id));
    }
    if !lead.client_id.is_empty() {
        parts.push(format!("clientId {}", lead.client_id));
    }
    parts.join(", ")
}

/// The first `max` characters of `text` (XSD lengths count characters, not bytes).
fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// What 1C shows as the counterparty's name: the name, else the phone or e-mail.
fn display_name(lead: &Lead) -> &str {
    [&lead.name, &lead.phone, &lead.email, &lead.client_id]
        .into_iter()
        .find(|text| !text.is_empty())
        .map_or("Клиент", String::as_str)
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
