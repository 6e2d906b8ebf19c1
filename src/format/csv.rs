//! CSV for 1C's «Загрузка данных из файла»: `;`-separated, CRLF, a header row.
//!
//! That loader splits each line on `;` without honouring quotes, so by default values are made
//! safe for a naive split: `;` → `,`, `"` → `'`, line breaks and tabs → one space. With
//! `csv_quote` the values keep those characters and are quoted per RFC 4180 instead.

use std::borrow::Cow;

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
    let header: Vec<Cow<'_, str>> = columns
        .iter()
        .map(|(_, title)| cleaned(title.as_str().into(), layout.csv_quote))
        .collect();
    let columns = &columns;
    let encode = |text: String| encoding::encode(&text, layout.encoding, Unmappable::QuestionMark);
    let (mut bytes, mut replaced_chars) = encode(rows_text(layout, [header].into_iter()));
    let parts = crate::parallel::map_chunks(leads, PARALLEL_FROM, |_, part| {
        encode(rows_text(
            layout,
            part.iter().map(|lead| row(lead, columns, layout.csv_quote)),
        ))
    });
    bytes.reserve(parts.iter().map(|(part, _)| part.len()).sum());
    for (part, part_replaced) in parts {
        bytes.extend_from_slice(&part);
        replaced_chars += part_replaced;
    }
    if layout.encoding == TextEncoding::Utf8 {
        bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
    }
    Rendered {
        bytes,
        replaced_chars,
    }
}

fn row<'a>(lead: &'a Lead, columns: &[(Column, String)], quote: bool) -> Vec<Cow<'a, str>> {
    columns
        .iter()
        .map(|(column, _)| cleaned(column.text(lead), quote))
        .collect()
}

/// The CSV text of `rows`: `;`-separated, CRLF after each, quoted only with `csv_quote`.
fn rows_text<'a>(layout: &Layout, rows: impl Iterator<Item = Vec<Cow<'a, str>>>) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .quote_style(if layout.csv_quote {
            csv::QuoteStyle::Necessary
        } else {
            csv::QuoteStyle::Never
        })
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail; `into_inner` below flushes and would report it.
    for record in rows {
        writer
            .write_record(record.iter().map(|v| v.as_bytes()))
            .expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("flushing to memory"))
        .expect("csv writes the UTF-8 it was given")
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
        let (leads, _) = lead::qualify(&payload, &Rules::default(), &origin);
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
            let columns = layout.mapping.csv.columns();
            let header = columns
                .iter()
                .map(|(_, t)| cleaned(t.as_str().into(), quote));
            let rows = leads.iter().map(|lead| row(lead, &columns, quote));
            let text = rows_text(&layout, std::iter::once(header.collect()).chain(rows));
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
