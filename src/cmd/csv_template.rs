//! `bachata1c csv-template TEMPLATE`: the config for a CSV with the titles of 1C's template.
//!
//! The titles are whatever the template's author typed, so the printed config must mean
//! exactly them and nothing more: each is a TOML string written by toml's own writer, on one
//! line, with nothing a terminal acts on; no title is ever written raw, not even in a comment
//! (a line break there would start a line of keys nobody wrote).

use std::path::Path;

use toml_writer::{ToTomlKey, ToTomlValue, TomlKeyBuilder, TomlStringBuilder};

use super::Exit;
use crate::cli::CsvTemplateArgs;
use crate::format::bsp;
use crate::format::mapping::Column;
use crate::report::escape_controls;
use crate::report::shown::is_unshowable;

pub fn run(args: &CsvTemplateArgs) -> Exit {
    let titles = match crate::template::titles(&args.template) {
        Ok(titles) => titles,
        Err(err) => {
            crate::say!("bachata1c: {}: {err}", args.template.display());
            return Exit::Unusable;
        }
    };
    let (columns, unmatched) = bsp::mapping_for_titles(&titles);
    if columns.is_empty() {
        let listed: Vec<String> = unmatched.iter().map(|t| toml_string(t)).collect();
        crate::say!(
            "bachata1c: {}: none of its titles ({}) is a name, phone or e-mail column",
            args.template.display(),
            listed.join(", ")
        );
        return Exit::Unusable;
    }
    crate::show!(
        "{}",
        config_for(&columns, &unmatched, &args.template).trim_end()
    );
    Exit::Success
}

/// The config lines that make a `bsp` CSV with these columns: one line each, whatever the
/// titles hold.
pub fn config_for(columns: &[(Column, String)], unmatched: &[String], template: &Path) -> String {
    let mut text = format!(
        "# For «Загрузка данных из файла», from the titles of {}\n",
        escape_controls(&template.display().to_string())
    );
    if !unmatched.is_empty() {
        let listed: Vec<String> = unmatched.iter().map(|t| toml_string(t)).collect();
        text.push_str(&format!(
            "# Left out (no lead field for them): {}\n",
            listed.join(", ")
        ));
    }
    text.push_str("[output]\nformat = \"csv\"\ncsv_profile = \"bsp\"\n\n[mapping.csv]\n");
    let keys: Vec<String> = columns.iter().map(|(c, _)| toml_string(&c.key())).collect();
    text.push_str(&format!("columns = [{}]\n", keys.join(", ")));
    let titles: Vec<String> = columns
        .iter()
        .map(|(column, title)| {
            let key = TomlKeyBuilder::new(&column.key())
                .as_default()
                .to_toml_key();
            format!("{key} = {}", toml_string(title))
        })
        .collect();
    text.push_str(&format!("titles = {{ {} }}\n", titles.join(", ")));
    text
}

/// `text` as a one-line TOML basic string: toml's writer escapes the control characters TOML
/// forbids raw; the others a terminal acts on (C1 controls, bidi and other format characters)
/// are written as `\uXXXX` escapes, which TOML reads back as the same characters.
fn toml_string(text: &str) -> String {
    let written = TomlStringBuilder::new(text).as_basic().to_toml_value();
    if !written.chars().any(is_unshowable) {
        return written;
    }
    let mut shown = String::with_capacity(written.len() + 16);
    for c in written.chars() {
        match u32::from(c) {
            _ if !is_unshowable(c) => shown.push(c),
            code if code <= 0xFFFF => shown.push_str(&format!("\\u{code:04X}")),
            code => shown.push_str(&format!("\\U{code:08X}")),
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Field;

    #[test]
    fn the_printed_lines_are_a_config_that_gives_those_columns() {
        let columns = vec![
            (Column::Counterparty, "Рабочее наименование".to_string()),
            (
                Column::Field(Field::Phone),
                "Телефон\n(мобильный)".to_string(),
            ),
            (
                Column::Field(Field::Email),
                "E-mail \u{202E}\u{9b}\"\\".to_string(),
            ),
        ];
        let unmatched = ["ИНН\n[limits]\nmax_input_size = \"1\"".to_string()];
        let text = config_for(&columns, &unmatched, Path::new("t\n[x].csv"));
        let config = crate::config::Config::parse(&text).unwrap();
        assert_eq!(config.mapping.csv.columns(), columns);
        assert!(config.limits.max_input_size.is_none(), "{text}");
        assert!(
            !text.contains('\u{202E}') && !text.contains('\u{9b}'),
            "{text}"
        );
        assert_eq!(text.lines().count(), 9, "{text}");
    }
}
