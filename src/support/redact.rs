//! Personal data and passwords out of the text a support bundle carries. Two nets, because
//! neither catches everything alone:
//!
//! * the values known to be personal: the names, phones and e-mails of the leads in the ledger
//!   and of the clients in the inbox's and failed/'s webhooks, and the passwords the config's
//!   variables and files hold — replaced wherever they appear (a name only as a whole word);
//! * the shapes of personal data: e-mail addresses, and phone numbers (10 to 15 digits, or 7 and
//!   more after a `+`, with spaces, dashes and brackets between; a date is not a phone) — and,
//!   in text quoted from a refused file (a reason, a log line), anything in double quotes, since
//!   a JSON reader's message quotes the value it choked on.

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

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
    values: Vec<(String, Kind)>,
}

impl Known {
    pub fn add(&mut self, kind: Kind, value: &str) {
        let value = value.trim();
        if value.chars().count() >= kind.shortest() {
            self.values.push((value.to_string(), kind));
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

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

pub struct Redactor {
    known: Option<(AhoCorasick, Vec<Kind>)>,
    email: Regex,
    phone: Regex,
    date: Regex,
    quoted: Regex,
}

impl Redactor {
    pub fn new(mut known: Known) -> Redactor {
        known.values.sort();
        known.values.dedup();
        let patterns: Vec<&str> = known.values.iter().map(|(v, _)| v.as_str()).collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .ok()
            .filter(|_| !patterns.is_empty());
        let kinds = known.values.iter().map(|(_, kind)| *kind).collect();
        Redactor {
            known: automaton.map(|automaton| (automaton, kinds)),
            email: Regex::new(r"[\w.%+\-]+@[\w\-]+(\.[\w\-]+)+").expect("a valid pattern"),
            phone: Regex::new(r"\+?\(?\d[\d \t\u{a0}\-()]{5,}\d").expect("a valid pattern"),
            date: Regex::new(r"^\d{4}-\d{2}-\d{2}").expect("a valid pattern"),
            quoted: Regex::new(r#""(?:[^"\\\n]|\\.)+""#).expect("a valid pattern"),
        }
    }

    /// Known values, e-mail addresses and phone numbers replaced.
    pub fn text(&self, text: &str) -> String {
        let text = self.known_values(text);
        let text = self.email.replace_all(&text, Kind::Email.label());
        self.phones(&text)
    }

    /// Text quoted from a refused file: also anything in double quotes.
    pub fn quoting(&self, text: &str) -> String {
        let text = self.text(text);
        self.quoted.replace_all(&text, "\"…\"").into_owned()
    }

    /// Only the values known (passwords above all): for the config, which holds no client's
    /// data but may hold the dealer's own addresses.
    pub fn known_values(&self, text: &str) -> String {
        let Some((automaton, kinds)) = &self.known else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for found in automaton.find_iter(text) {
            let kind = kinds[found.pattern().as_usize()];
            if kind == Kind::Name && !whole_word(text, found.start(), found.end()) {
                continue;
            }
            out.push_str(&text[last..found.start()]);
            out.push_str(kind.label());
            last = found.end();
        }
        out.push_str(&text[last..]);
        out
    }

    fn phones(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut at = 0;
        while let Some(found) = self.phone.find_at(text, at) {
            let candidate = found.as_str();
            if self.date.is_match(candidate) {
                // `2026-12-01 14…` is a time; a phone may still follow it.
                at = found.start() + 10;
                continue;
            }
            at = found.end();
            let digits = candidate.bytes().filter(u8::is_ascii_digit).count();
            let plus = candidate.starts_with('+');
            let phone_like = (10..=15).contains(&digits) || (plus && digits >= 7);
            // `30490025984 bytes` is a size (human_size writes the exact count so).
            let size = text[found.end()..].starts_with(" byte");
            if !phone_like || size || !whole_word(text, found.start(), found.end()) {
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
            "[name] ([e-mail], [phone]) said [password]"
        );
        // «Ли» is a name; «Лиза» and «Ли2» are other words.
        assert_eq!(r.text("Ли, Лиза, Ли2"), "[name], Лиза, Ли2");
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
