//! CSV for 1C's «Загрузка данных из файла»: `;`-separated, CRLF, a header row.
//!
//! That loader splits each line on `;` without honouring quotes, so by default values are made
//! safe for a naive split: `;` → `,`, `"` → `'`, line breaks and tabs → one space. With
//! `csv_quote` the values keep those characters and are quoted per RFC 4180 instead.

use std::borrow::Cow;

use super::encoding::{self, TextEncoding, Unmappable};
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
        let mut rows = Rows::new(layout);
        if first == 0 {
            rows.write(columns.iter().map(|(_, title)| title.as_str().into()));
        }
        for lead in part {
            rows.write(columns.iter().map(|(column, _)| column.text(lead)));
        }
        rows.finish()
    });
    let mut bytes = Vec::with_capacity(3 + parts.iter().map(|(part, _)| part.len()).sum::<usize>());
    if layout.encoding == TextEncoding::Utf8 {
        bytes.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
    }
    let mut replaced_chars = 0;
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
    /// One field in the target encoding, reused from field to field.
    field: Vec<u8>,
    replaced_chars: usize,
}

impl<'l> Rows<'l> {
    fn new(layout: &'l Layout) -> Self {
        let writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .quote_style(if layout.csv_quote {
                csv::QuoteStyle::Necessary
            } else {
                csv::QuoteStyle::Never
            })
            .from_writer(Vec::new());
        Rows {
            layout,
            writer,
            field: Vec::new(),
            replaced_chars: 0,
        }
    }

    /// One row: `;`-separated, CRLF after it.
    fn write<'a>(&mut self, values: impl Iterator<Item = Cow<'a, str>>) {
        // Writing to a Vec cannot fail; `finish` flushes and would report it.
        for value in values {
            let value = cleaned(value, self.layout.csv_quote);
            let bytes = match self.layout.encoding {
                TextEncoding::Utf8 => value.as_bytes(),
                TextEncoding::Windows1251 => {
                    self.field.clear();
                    self.replaced_chars += encoding::encode_1251_into(
                        &value,
                        Unmappable::QuestionMark,
                        &mut self.field,
                    );
                    &self.field
                }
            };
            self.writer.write_field(bytes).expect("writing to memory");
        }
        self.writer
            .write_record(None::<&[u8]>)
            .expect("writing to memory");
    }

    fn finish(self) -> (Vec<u8>, usize) {
        let bytes = self.writer.into_inner().expect("flushing to memory");
        (bytes, self.replaced_chars)
    }
}

fn cleaned(value: Cow<'_, str>, quote: bool) -> Cow<'_, str> {
    if quote { value } else { naive_safe(value) }
}

/// Makes a value survive a naive split on `;` and on line breaks.
fn naive_safe(value: Cow<'_, str>) -> Cow<'_, str> {
    // Bytes, not chars: all five are ASCII, and this runs for every value of every lead.
    if !value
        .bytes()
        .any(|b| matches!(b, b';' | b'"' | b'\r' | b'\n' | b'\t'))
    {
        return value;
    }
    let replaced = value.replace("\r\n", " ");
    Cow::Owned(
        replaced
            .chars()
            .map(|c| match c {
                ';' => ',',
                '"' => '\'',
                '\r' | '\n' | '\t' => ' ',
                other => other,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_safe_replaces_exactly_the_dangerous_characters() {
        assert_eq!(naive_safe("a;b\"c\r\nd\ne\tf".into()), "a,b'c d e f");
        assert_eq!(naive_safe("Ёлка, 5".into()), "Ёлка, 5");
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
            writer.write_record(header.map(|v| v.into_owned())).unwrap();
            for lead in &leads {
                let row = columns.iter().map(|(c, _)| cleaned(c.text(lead), quote));
                writer.write_record(row.map(|v| v.into_owned())).unwrap();
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
