//! CSV: `;`-separated, CRLF, a header row; every field for a 1C processing, or (the `bsp`
//! profile, [`super::bsp`]) the columns 1C's «Загрузка данных из файла» matches.
//!
//! Both split each line on `;` without honouring quotes, so by default values are made
//! safe for a naive split: `;` → `,`, `"` → `'`, line breaks and tabs → one space. With
//! `csv_quote` the values keep those characters and are quoted per RFC 4180 instead.

use std::borrow::Cow;

use super::Field;
use super::encoding::{self, TextEncoding, Unmappable};
use super::mapping::Column;
use super::{Layout, Rendered};
use crate::lead::Lead;

/// From this many leads on, the rows are rendered and encoded on every core, in runs of
/// consecutive leads joined in order: a row depends on its lead alone, and windows-1251 is a
/// byte-per-character encoding without state, so the bytes are those of one pass.
const PARALLEL_FROM: usize = 2_000;

pub fn render(leads: &[Lead], layout: &Layout) -> Rendered {
    let columns = layout.mapping.csv.columns();
    let columns = &columns;
    let parts = crate::parallel::map_chunks(leads, PARALLEL_FROM, |first, part| {
        let mut rows = Rows::new(layout, first == 0);
        if first == 0 {
            rows.write(columns.iter().map(|(_, title)| title.as_str().into()));
        }
        for lead in part {
            rows.write_lead(lead, columns);
        }
        rows.finish()
    });
    // The first part grows to hold the others, rather than all of them being copied anew.
    let total = parts.iter().map(|(part, _)| part.len()).sum::<usize>();
    let mut parts = parts.into_iter();
    let (mut bytes, mut replaced_chars) = parts.next().unwrap_or_default();
    bytes.reserve(total - bytes.len());
    for (part, part_replaced) in parts {
        bytes.extend_from_slice(&part);
        replaced_chars += part_replaced;
    }
    Rendered {
        bytes,
        replaced_chars,
    }
}

/// CSV rows written straight in the target encoding: `;`, `"` and line breaks are the same
/// bytes in windows-1251 as in UTF-8, so quoting decided on encoded fields is the same.
struct Rows<'l> {
    layout: &'l Layout,
    writer: csv::Writer<Vec<u8>>,
    /// A value made by bachata1c, its naively safe form and the same in the target
    /// encoding: buffers reused from field to field.
    value: String,
    safe: String,
    field: Vec<u8>,
    /// The last lead's time and its text: nearly always the same for every lead of a file.
    time: Option<(chrono::NaiveDateTime, String)>,
    replaced_chars: usize,
}

impl<'l> Rows<'l> {
    /// `first`: these rows start the file, after a byte-order mark where the file has one.
    fn new(layout: &'l Layout, first: bool) -> Self {
        let start = if first && layout.encoding == TextEncoding::Utf8 {
            vec![0xEF, 0xBB, 0xBF]
        } else {
            Vec::new()
        };
        let writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .quote_style(if layout.csv_quote {
                csv::QuoteStyle::Necessary
            } else {
                csv::QuoteStyle::Never
            })
            .from_writer(start);
        Rows {
            layout,
            writer,
            value: String::new(),
            safe: String::new(),
            field: Vec::new(),
            time: None,
            replaced_chars: 0,
        }
    }

    /// One row: `;`-separated, CRLF after it.
    fn write<'a>(&mut self, values: impl Iterator<Item = Cow<'a, str>>) {
        for value in values {
            self.write_field(&value);
        }
        self.end_row();
    }

    /// A lead's row. The time and the identifier are written without a new string per lead:
    /// allocating in every row on every core made the threads wait on the allocator's lock.
    fn write_lead(&mut self, lead: &Lead, columns: &[(Column, String)]) {
        for (column, _) in columns {
            match column {
                Column::Field(Field::ReceivedAt) => {
                    let text = match self.time.take() {
                        Some((time, text)) if time == lead.received_at => text,
                        _ => super::russian_datetime(lead.received_at),
                    };
                    self.write_field(&text);
                    self.time = Some((lead.received_at, text));
                }
                Column::Field(Field::CustomData) => {
                    let mut text = std::mem::take(&mut self.value);
                    text.clear();
                    super::fields::write_custom_data(lead, &mut text);
                    self.write_field(&text);
                    self.value = text;
                }
                Column::Field(Field::Id) => {
                    let mut id = [0; uuid::fmt::Hyphenated::LENGTH];
                    self.write_field(lead.id.hyphenated().encode_lower(&mut id));
                }
                column => self.write_field(&column.text(lead, &self.layout.mapping)),
            }
        }
        self.end_row();
    }

    fn write_field(&mut self, value: &str) {
        let value = if !self.layout.csv_quote && needs_naive_safe(value) {
            self.safe.clear();
            naive_safe_into(value, &mut self.safe);
            self.safe.as_str()
        } else {
            value
        };
        let bytes = match self.layout.encoding {
            TextEncoding::Utf8 => value.as_bytes(),
            TextEncoding::Windows1251 => {
                self.field.clear();
                self.replaced_chars +=
                    encoding::encode_1251_into(value, Unmappable::QuestionMark, &mut self.field);
                &self.field
            }
        };
        // Writing to a Vec cannot fail; `finish` flushes and would report it.
        self.writer.write_field(bytes).expect("writing to memory");
    }

    fn end_row(&mut self) {
        self.writer
            .write_record(None::<&[u8]>)
            .expect("writing to memory");
    }

    fn finish(self) -> (Vec<u8>, usize) {
        let bytes = self.writer.into_inner().expect("flushing to memory");
        (bytes, self.replaced_chars)
    }
}

fn needs_naive_safe(value: &str) -> bool {
    // Bytes, not chars: all five are ASCII, and this runs for every value of every lead.
    value
        .bytes()
        .any(|b| matches!(b, b';' | b'"' | b'\r' | b'\n' | b'\t'))
}

/// Appends `value` to `out` with `;` → `,`, `"` → `'`, and a line break (CRLF too) or a tab →
/// one space.
fn naive_safe_into(value: &str, out: &mut String) {
    let mut rest = value;
    while let Some(at) = rest.find([';', '"', '\r', '\n', '\t']) {
        out.push_str(&rest[..at]);
        out.push(match rest.as_bytes()[at] {
            b';' => ',',
            b'"' => '\'',
            _ => ' ',
        });
        let width = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[at + width..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive split's rules written the plain way, as the reference for the fast writer.
    fn naive_safe(value: &str) -> String {
        value
            .replace("\r\n", " ")
            .chars()
            .map(|c| match c {
                ';' => ',',
                '"' => '\'',
                '\r' | '\n' | '\t' => ' ',
                other => other,
            })
            .collect()
    }

    fn cleaned(value: Cow<'_, str>, quote: bool) -> String {
        if quote {
            value.into_owned()
        } else {
            naive_safe(&value)
        }
    }

    #[test]
    fn naive_safe_replaces_exactly_the_dangerous_characters() {
        for value in ["a;b\"c\r\nd\ne\tf", "\r\n\r\r\n;Ё\"", "Ёлка, 5", "", "\n\r"] {
            let mut safe = String::from("x");
            naive_safe_into(value, &mut safe);
            assert_eq!(safe, format!("x{}", naive_safe(value)), "{value:?}");
            assert_eq!(
                needs_naive_safe(value),
                naive_safe(value) != value,
                "{value:?}"
            );
        }
        assert_eq!(naive_safe("a;b\"c\r\nd\ne\tf"), "a,b'c d e f");
    }

    #[test]
    fn rows_rendered_on_every_core_join_into_the_bytes_of_one_pass() {
        use crate::format::{Format, Layout};
        use crate::lead::{self, Origin, Rules};
        let clients: Vec<String> = (0..PARALLEL_FROM + 501)
            .map(|i| {
                format!(
                    r#"{{"clientId":"c{i}","name":"Ёлкин 🚗 {i}","phone":"8916555{:04}","customData":{{"x":"a;\"b\"\r\nc"}}}}"#,
                    i % 10_000
                )
            })
            .collect();
        let json = format!(r#"{{"clients":[{}]}}"#, clients.join(","));
        let payload = crate::payload::read(json.as_bytes()).unwrap();
        let origin = Origin {
            source_file: "f.json",
            received_at: chrono::NaiveDateTime::default(),
            default_event: "e",
        };
        let (leads, _) = lead::qualify(payload, &Rules::default(), &origin);
        assert_eq!(leads.len(), clients.len());
        for (encoding, quote) in [
            (TextEncoding::Windows1251, false),
            (TextEncoding::Utf8, true),
        ] {
            let layout = Layout {
                encoding,
                csv_quote: quote,
                ..Layout::new(Format::Csv)
            };
            // One pass, the simple way: the UTF-8 text through the csv crate, then encoded.
            let columns = layout.mapping.csv.columns();
            let mut writer = csv::WriterBuilder::new()
                .delimiter(b';')
                .terminator(csv::Terminator::CRLF)
                .quote_style(if quote {
                    csv::QuoteStyle::Necessary
                } else {
                    csv::QuoteStyle::Never
                })
                .from_writer(Vec::new());
            let header = columns
                .iter()
                .map(|(_, t)| cleaned(t.as_str().into(), quote));
            writer.write_record(header).unwrap();
            for lead in &leads {
                let row = columns
                    .iter()
                    .map(|(c, _)| cleaned(c.text(lead, &layout.mapping), quote));
                writer.write_record(row).unwrap();
            }
            let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
            let (mut bytes, replaced) = encoding::encode(&text, encoding, Unmappable::QuestionMark);
            if encoding == TextEncoding::Utf8 {
                bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
            }
            let rendered = render(&leads, &layout);
            assert_eq!(rendered.replaced_chars, replaced);
            assert!(rendered.bytes == bytes, "{encoding:?}");
        }
    }
}
