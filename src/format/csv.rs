//! CSV for 1C's «Загрузка данных из файла»: `;`-separated, CRLF, a header row.
//!
//! That loader splits each line on `;` without honouring quotes, so by default values are made
//! safe for a naive split: `;` → `,`, `"` → `'`, line breaks and tabs → one space. With
//! `csv_quote` the values keep those characters and are quoted per RFC 4180 instead.

use std::borrow::Cow;

use super::encoding::Unmappable;
use super::{Layout, Rendered};
use crate::lead::Lead;

pub fn render(leads: &[Lead], layout: &Layout) -> Rendered {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .quote_style(if layout.csv_quote {
            csv::QuoteStyle::Necessary
        } else {
            csv::QuoteStyle::Never
        })
        .from_writer(Vec::new());
    let columns = layout.mapping.csv.columns();
    let header: Vec<Cow<'_, str>> = columns
        .iter()
        .map(|(_, title)| cleaned(title.as_str().into(), layout.csv_quote))
        .collect();
    // Writing to a Vec cannot fail; `into_inner` below flushes and would report it.
    writer
        .write_record(header.iter().map(|t| t.as_bytes()))
        .expect("writing to memory");
    for lead in leads {
        let record: Vec<Cow<'_, str>> = columns
            .iter()
            .map(|(column, _)| cleaned(column.text(lead), layout.csv_quote))
            .collect();
        writer
            .write_record(record.iter().map(|v| v.as_bytes()))
            .expect("writing to memory");
    }
    let text = String::from_utf8(writer.into_inner().expect("flushing to memory"))
        .expect("csv writes the UTF-8 it was given");
    super::encoded(&text, layout, Unmappable::QuestionMark, true)
}

fn cleaned(value: Cow<'_, str>, quote: bool) -> Cow<'_, str> {
    if quote { value } else { naive_safe(value) }
}

/// Makes a value survive a naive split on `;` and on line breaks.
fn naive_safe(value: Cow<'_, str>) -> Cow<'_, str> {
    if !value.contains([';', '"', '\r', '\n', '\t']) {
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
}
