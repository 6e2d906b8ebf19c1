//! Text cleaned once for every output: what XML 1.0 cannot carry goes, here and nowhere else.

use crate::payload::CustomData;

/// Removes what no output can carry: control characters other than tab and line breaks
/// (XML 1.0 forbids them) and the non-characters U+FFFE/U+FFFF. Done once here so that
/// no writer has to remember it. Leading and trailing whitespace goes too.
pub fn clean(text: &str) -> String {
    match already_clean(text) {
        Some(clean) => clean.to_string(),
        None => clean_slowly(text),
    }
}

/// [`clean`] of an owned text, which nearly always is clean already and is then kept as is.
pub(super) fn clean_owned(text: String) -> String {
    match already_clean(&text) {
        Some(clean) if clean.len() == text.len() => text,
        Some(clean) => clean.to_string(),
        None => clean_slowly(&text),
    }
}

/// [`clean`] for a look at a text, copied only when something must go.
pub(super) fn cleaned(text: &str) -> std::borrow::Cow<'_, str> {
    match already_clean(text) {
        Some(clean) => clean.into(),
        None => clean_slowly(text).into(),
    }
}

/// [`clean`] of every key and value of a customData, copied only when something must go.
pub(super) fn clean_custom_data(data: CustomData) -> CustomData {
    let is_clean = |text: &str| already_clean(text).is_some_and(|clean| clean.len() == text.len());
    if data
        .iter()
        .all(|(key, value)| is_clean(key) && is_clean(value))
    {
        return data;
    }
    data.iter()
        .map(|(key, value)| (cleaned(key), cleaned(value)))
        .collect()
}

/// The trimmed text when nothing else needs removing.
fn already_clean(text: &str) -> Option<&str> {
    let trimmed = text.trim();
    trimmed.chars().all(keeps).then_some(trimmed)
}

fn clean_slowly(text: &str) -> String {
    text.chars()
        .filter(|&c| keeps(c))
        .collect::<String>()
        .trim()
        .to_string()
}

fn keeps(c: char) -> bool {
    (!c.is_control() || matches!(c, '\t' | '\n' | '\r')) && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_what_xml_cannot_carry_and_keeps_the_rest() {
        assert_eq!(clean(" a\u{0}b\u{1b}c\td\ne\u{FFFF} "), "abc\td\ne");
        assert_eq!(clean("Ёж 🚗"), "Ёж 🚗");
        // Control characters at the ends go with the surrounding whitespace.
        assert_eq!(clean("\u{b} a \u{c}\u{0}"), "a");
        assert_eq!(clean("\u{85}Ёж\u{0} "), "Ёж");
    }
}
