//! The config's path keys, and Windows paths in double quotes: TOML reads `\t`, `\b`, `\n`,
//! `\r`, `\f` and `\e` there as control characters (`"D:\temp\bachata"` names a folder with a
//! tab and a backspace in it) and refuses the other backslashes (`"D:\Exchange\Bachata"`). Both
//! are refused here with the key and how to write the path: in single quotes, where a
//! backslash is a backslash, or with forward slashes, which Windows reads as well.

use std::ops::Range;

/// What a path key holding `typed` (as the administrator typed it, backslashes and all) is
/// refused with.
fn advice(key: &str, typed: &str, why: &str) -> String {
    let (section, name) = key.rsplit_once('.').unwrap_or(("", key));
    let mut text = format!("[{section}] {name} = \"{typed}\": {why}; write a Windows path ");
    if !typed.contains('\'') {
        text.push_str(&format!("in single quotes, {name} = '{typed}', or "));
    }
    text.push_str(&format!(
        "with forward slashes, {name} = \"{}\"",
        typed.replace('\\', "/")
    ));
    text
}

/// A path key's value that holds a control character, refused with the escapes that made it:
/// the value is shown as it was most likely typed (a tab as `\t` again).
pub fn control_character(key: &str, value: &str) -> Option<String> {
    if !value.chars().any(char::is_control) {
        return None;
    }
    let mut typed = String::new();
    let mut read_as = Vec::new();
    for c in value.chars() {
        let (escape, what) = match c {
            '\t' => ("\\t", "a tab"),
            '\u{8}' => ("\\b", "a backspace"),
            '\n' => ("\\n", "a line break"),
            '\r' => ("\\r", "a carriage return"),
            '\u{c}' => ("\\f", "a form feed"),
            '\u{1b}' => ("\\e", "an escape character"),
            c if c.is_control() => {
                typed.extend(c.escape_default());
                continue;
            }
            c => {
                typed.push(c);
                continue;
            }
        };
        typed.push_str(escape);
        let said = format!("{escape} as {what}");
        if !read_as.contains(&said) {
            read_as.push(said);
        }
    }
    let why = if read_as.is_empty() {
        "the path holds a control character".to_string()
    } else {
        format!(
            "in double quotes TOML reads {}, so the path holds control characters",
            read_as.join(", ")
        )
    };
    Some(advice(key, &typed, &why))
}

/// A parse error at a backslash inside a double-quoted path key's value, refused with the key
/// and the way to write it; `None` for any other error, which keeps TOML's own message.
pub fn bad_escape(text: &str, at: Range<usize>, path_keys: &[&str]) -> Option<String> {
    let start = at.start;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let (key, value) = line.split_once('=')?;
    let key = key.trim().trim_matches(['"', '\'']);
    let full = if key.contains('.') {
        key.to_string()
    } else {
        format!("{}.{key}", section_at(&text[..line_start]))
    };
    let typed = value.trim().strip_prefix('"')?;
    let typed = &typed[..typed.rfind('"').unwrap_or(typed.len())];
    // The error lies in the quoted value, at a backslash or at what follows it (`\U` wants
    // eight hex digits).
    let opening = line.len() - value.len() + value.find('"')?;
    let column = start - line_start;
    let before_error = line
        .as_bytes()
        .get(opening + 1..(column + 1).min(line.len()))?;
    if !path_keys.contains(&full.as_str()) || !before_error.contains(&b'\\') {
        return None;
    }
    let number = text[..line_start].matches('\n').count() + 1;
    let why = "in double quotes TOML reads a backslash as the start of an escape (\\t a tab, \
               \\b a backspace) and refuses this one";
    Some(format!("line {number}: {}", advice(&full, typed, why)))
}

/// The `[section]` the text before a line ends in ("" before any).
fn section_at(before: &str) -> String {
    before
        .lines()
        .rev()
        .map(str::trim)
        .find_map(|line| line.strip_prefix('[')?.split_once(']'))
        .map(|(name, _)| name.trim().to_string())
        .unwrap_or_default()
}

/// A path as `init` writes it: in single quotes, a TOML literal string where a backslash is a
/// backslash; in double quotes with escapes only when the path holds a `'` or a control
/// character, which a literal string cannot.
pub fn literal(path: &str) -> String {
    if path.contains('\'') || path.chars().any(char::is_control) {
        toml::Value::String(path.to_string()).to_string()
    } else {
        format!("'{path}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_literal_reads_back_as_the_path() {
        for path in [
            r"D:\temp\bachata",
            r"\\fileserver\Обмен 1С\Бачата",
            "/srv/bachata",
            r"C:\O'Brien\x",
            ".",
        ] {
            let line = format!("dir = {}", literal(path));
            let value: toml::Table = toml::from_str(&line).unwrap();
            assert_eq!(value["dir"].as_str(), Some(path), "{line}");
        }
        assert_eq!(literal(r"D:\temp"), r"'D:\temp'");
    }

    #[test]
    fn the_section_is_the_last_header_before_the_line() {
        assert_eq!(section_at("a = 1\n[folders]\n# c\n"), "folders");
        assert_eq!(
            section_at("[serve]\nx = 1\n [ site_exchange ] # c\n"),
            "site_exchange"
        );
        assert_eq!(section_at("a = 1\n"), "");
    }
}
