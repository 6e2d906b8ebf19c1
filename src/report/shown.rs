//! Text from outside (file names, what 1C or a request sent) as it may be shown to a person:
//! on a terminal, in a log, in a table. Nothing in it may drive the terminal, forge a second
//! line, reorder what a reader sees, or make a line too long to read.

use std::borrow::Cow;

/// The longest line told, in characters: a longer one keeps its start and its end (what was
/// done and how it ended) around a marker saying how much was cut.
pub const MAX_LINE_CHARS: usize = 2_000;

/// Characters shown around the marker of a cut line: half the line each side.
const KEPT_EACH_SIDE: usize = MAX_LINE_CHARS / 2;

/// Characters a terminal or a log reader acts on instead of showing: control characters
/// (a newline or an ESC in a file name), the line and paragraph separators, and Unicode's
/// format characters (category Cf: the right-to-left override U+202E and the other bidi
/// controls, zero-width characters), which reorder or hide what a reader sees.
pub fn is_unshowable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_format(c)
}

/// Unicode's general category Cf (DerivedGeneralCategory.txt, Unicode 16.0).
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// `text` with every [unshowable](is_unshowable) character written as Rust writes it in a
/// literal (`\n`, `\u{1b}`, `\u{202e}`), so it is seen instead of acted on.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unshowable) {
        return text.into();
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unshowable(c) {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    shown.into()
}

/// A line as it is told: escaped, and cut in the middle when longer than [`MAX_LINE_CHARS`]
/// (a 60 KB file name a client sent must not make a 60 KB log line).
pub fn line(text: &str) -> Cow<'_, str> {
    let escaped = escape_controls(text);
    let chars = escaped.chars().count();
    if chars <= MAX_LINE_CHARS {
        return escaped;
    }
    let head: String = escaped.chars().take(KEPT_EACH_SIDE).collect();
    let tail: String = escaped.chars().skip(chars - KEPT_EACH_SIDE).collect();
    let cut = chars - 2 * KEPT_EACH_SIDE;
    format!("{head}…[{cut} characters cut]…{tail}").into()
}

/// `text` as one field of a line: at most `max` characters, a longer one cut with a marker
/// saying how much was left out.
pub fn field(text: &str, max: usize) -> Cow<'_, str> {
    let chars = text.chars().count();
    if chars <= max {
        return text.into();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}…[{} characters cut]", chars - max).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped_and_the_rest_as_it_is() {
        assert_eq!(
            escape_controls("a\nb\u{1b}[31m.json: д\tx"),
            "a\\nb\\u{1b}[31m.json: д\\tx"
        );
        assert_eq!(escape_controls("plain: д 🚗"), "plain: д 🚗");
    }

    /// Issue 18: a request put U+202E into the log, which shows the rest of the line reversed.
    #[test]
    fn bidi_and_other_format_characters_are_shown_escaped() {
        for c in [
            '\u{200E}',
            '\u{200F}',
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200B}',
            '\u{FEFF}',
            '\u{E0041}',
            '\u{2028}',
            '\u{2029}',
            '\u{85}',
            '\u{9b}',
        ] {
            let shown = escape_controls(&format!("a{c}b")).into_owned();
            assert_eq!(shown, format!("a{}b", c.escape_default()), "{c:?}");
            assert!(!shown.chars().any(is_unshowable), "{shown}");
        }
    }

    #[test]
    fn a_long_line_keeps_its_ends_around_a_marker() {
        let long = format!("start {} end", "x".repeat(60_000));
        let shown = line(&long);
        assert!(
            shown.chars().count() < MAX_LINE_CHARS + 40,
            "{}",
            shown.len()
        );
        assert!(shown.starts_with("start x"));
        assert!(shown.ends_with("x end"));
        assert!(shown.contains(&format!("…[{} characters cut]…", 60_010 - MAX_LINE_CHARS)));
        assert_eq!(line("short"), "short");
    }

    #[test]
    fn a_long_field_is_cut_with_a_marker() {
        assert_eq!(field("абвгд", 3), "абв…[2 characters cut]");
        assert_eq!(field("абв", 3), "абв");
    }
}
