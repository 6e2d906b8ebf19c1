//! Personal data and passwords out of the text a support bundle carries. Two nets, because
//! neither catches everything alone:
//!
//! * the values known to be personal: the names of the leads in the ledger and of the clients
//!   in the inbox's and failed/'s webhooks, word by word (a surname alone is a name too), and
//!   the phones and e-mails among them that the shapes below miss; and the passwords the
//!   config's variables and files hold — replaced wherever they appear;
//! * the shapes of personal data: e-mail addresses, and phone numbers (10 to 15 digits, or 7 and
//!   more after a `+`, with spaces, dashes and brackets between; a date or a count of bytes is
//!   not a phone) — and, in text quoted from a refused file (a reason, a log line), anything in
//!   double quotes, since a JSON reader's message quotes the value it choked on.
//!
//! Names are kept as a set of words, not as whole values: 20,000 names cost a set of their
//! distinct words, and a text is looked up word by word, whatever the number of names.

use std::collections::HashSet;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\w.%+\-]+@[\w\-]+(\.[\w\-]+)+").expect("a valid pattern"));
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\(?\d[\d \t\u{a0}\-()]{5,}\d").expect("a valid pattern"));
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}").expect("a valid pattern"));
static QUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""(?:[^"\\\n]|\\.)+""#).expect("a valid pattern"));

/// What a known value is, and what stands in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Name,
    Phone,
    Email,
    Password,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Name => "[name]",
            Kind::Phone => "[phone]",
            Kind::Email => "[e-mail]",
            Kind::Password => "[password]",
        }
    }

    /// Shorter values are too likely to be a part of ordinary text (a name of one letter).
    fn shortest(self) -> usize {
        match self {
            Kind::Name => 2,
            Kind::Phone => 5,
            Kind::Email => 3,
            Kind::Password => 3,
        }
    }
}

/// The values known to be personal or secret.
#[derive(Debug, Default)]
pub struct Known {
    /// The words of names, in lower case.
    name_words: HashSet<String>,
    /// Values replaced as they are: passwords, and the phones and e-mails of odd shapes.
    exact: Vec<(String, Kind)>,
}

impl Known {
    pub fn add(&mut self, kind: Kind, value: &str) {
        let value = value.trim();
        match kind {
            Kind::Name => {
                for (_, word) in words(value) {
                    if word.chars().count() >= kind.shortest() {
                        self.name_words.insert(word.to_lowercase());
                    }
                }
            }
            // The shapes catch these wherever they are.
            Kind::Phone if phone_shaped(value) => {}
            Kind::Email if EMAIL.find(value).is_some_and(|m| m.as_str() == value) => {}
            _ if value.chars().count() >= kind.shortest() => {
                self.exact.push((value.to_string(), kind));
            }
            _ => {}
        }
    }

    /// A client's name, phone and e-mail, as far as it has them.
    pub fn client(&mut self, name: Option<&str>, phone: Option<&str>, email: Option<&str>) {
        for (kind, value) in [
            (Kind::Name, name),
            (Kind::Phone, phone),
            (Kind::Email, email),
        ] {
            if let Some(value) = value {
                self.add(kind, value);
            }
        }
    }
}

pub struct Redactor {
    exact: Option<(AhoCorasick, Vec<Kind>)>,
    name_words: HashSet<String>,
}

impl Redactor {
    pub fn new(mut known: Known) -> Redactor {
        known.exact.sort();
        known.exact.dedup();
        let patterns: Vec<&str> = known.exact.iter().map(|(v, _)| v.as_str()).collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .ok()
            .filter(|_| !patterns.is_empty());
        let kinds = known.exact.iter().map(|(_, kind)| *kind).collect();
        Redactor {
            exact: automaton.map(|automaton| (automaton, kinds)),
            name_words: known.name_words,
        }
    }

    /// Known values, e-mail addresses and phone numbers replaced.
    pub fn text(&self, text: &str) -> String {
        let text = self.known_values(text);
        let text = EMAIL.replace_all(&text, Kind::Email.label());
        self.phones(&text)
    }

    /// Text quoted from a refused file: also anything in double quotes.
    pub fn quoting(&self, text: &str) -> String {
        let text = self.text(text);
        QUOTED.replace_all(&text, "\"…\"").into_owned()
    }

    /// Only the values known (passwords above all): for the config, which holds no client's
    /// data but may hold the dealer's own addresses.
    pub fn known_values(&self, text: &str) -> String {
        let text = self.exact_values(text);
        if self.name_words.is_empty() {
            return text;
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (start, word) in words(&text) {
            if self.name_words.contains(&word.to_lowercase()) {
                out.push_str(&text[last..start]);
                out.push_str(Kind::Name.label());
                last = start + word.len();
            }
        }
        out.push_str(&text[last..]);
        out
    }

    fn exact_values(&self, text: &str) -> String {
        let Some((automaton, kinds)) = &self.exact else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for found in automaton.find_iter(text) {
            out.push_str(&text[last..found.start()]);
            out.push_str(kinds[found.pattern().as_usize()].label());
            last = found.end();
        }
        out.push_str(&text[last..]);
        out
    }

    fn phones(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut at = 0;
        while let Some(found) = PHONE.find_at(text, at) {
            if DATE.is_match(found.as_str()) {
                // `2026-12-01 14…` is a time; a phone may still follow it.
                at = found.start() + 10;
                continue;
            }
            at = found.end();
            // `30490025984 bytes` is a size (human_size writes the exact count so).
            let size = text[found.end()..].starts_with(" byte");
            if !phone_shaped(found.as_str())
                || size
                || !whole_word(text, found.start(), found.end())
            {
                continue;
            }
            out.push_str(&text[last..found.start()]);
            out.push_str(Kind::Phone.label());
            last = found.end();
        }
        out.push_str(&text[last..]);
        out
    }
}

/// 10 to 15 digits, or 7 and more after a `+`.
fn phone_shaped(text: &str) -> bool {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    (10..=15).contains(&digits) || (text.starts_with('+') && digits >= 7)
}

/// The words of `text` (runs of letters and digits holding a letter), with where each starts.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().any(char::is_alphabetic))
        .map(move |word| (word.as_ptr() as usize - text.as_ptr() as usize, word))
}

/// Whether `text[start..end]` is not a part of a longer word or number.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    !joins(before) && !joins(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        let mut known = Known::default();
        known.client(
            Some("Петров Пётр"),
            Some("+79160000003"),
            Some("P@Example.ru"),
        );
        known.client(Some("Ли"), Some("12345"), None);
        known.add(Kind::Password, "hunter-пароль");
        Redactor::new(known)
    }

    #[test]
    fn known_values_go_wherever_they_are_and_names_only_as_words() {
        let r = redactor();
        assert_eq!(
            r.text("Петров Пётр (p@example.ru, 12345) said hunter-пароль"),
            "[name] [name] ([e-mail], [phone]) said [password]"
        );
        // A name's words one by one, in any case; «Лиза» and «Ли2» are other words.
        assert_eq!(
            r.text("ПЕТРОВ, Ли, Лиза, Ли2, Петрову"),
            "[name], [name], Лиза, Ли2, Петрову"
        );
    }

    #[test]
    fn phones_and_e_mails_go_by_their_shape_and_times_and_sizes_stay() {
        let r = Redactor::new(Known::default());
        for (text, shown) in [
            ("call +7 916 000-00-01 now", "call [phone] now"),
            ("8 (916) 000-00-02", "[phone]"),
            ("+375291234567", "[phone]"),
            ("ivan.petrov@mail.ru wrote", "[e-mail] wrote"),
            (
                "2026-12-01 14:30:05 bachata1c: 1048576 bytes 12 ms",
                "2026-12-01 14:30:05 bachata1c: 1048576 bytes 12 ms",
            ),
            ("2026-12-01 79160000001", "2026-12-01 [phone]"),
            (
                "webhook-20261127T101503.123Z-000042-9f3a1c2b.json",
                "webhook-20261127T101503.123Z-000042-9f3a1c2b.json",
            ),
            ("from 192.168.100.200:8080", "from 192.168.100.200:8080"),
            (
                "28.4 GiB (30490025984 bytes) free",
                "28.4 GiB (30490025984 bytes) free",
            ),
            ("hash ab12345678901cd", "hash ab12345678901cd"),
        ] {
            assert_eq!(r.text(text), shown, "{text}");
        }
    }

    #[test]
    fn quoted_values_go_in_text_quoted_from_a_file() {
        let r = Redactor::new(Known::default());
        assert_eq!(
            r.quoting(r#"invalid type: string "Мария", expected `clients` at line 1"#),
            r#"invalid type: string "…", expected `clients` at line 1"#
        );
    }
}
