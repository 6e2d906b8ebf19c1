//! Phone numbers as 1C should store them: E.164 (`+79165551234`) when libphonenumber's metadata
//! says the number is valid, else the digits as typed.
//!
//! Numbers typed in the usual ways (digits, spaces, dashes, brackets, dots, a leading `+`, an
//! extension such as `доб. 12`), which is nearly every number a dealer receives, are parsed
//! here by libphonenumber's reference algorithm (the Java library's `parse` and
//! `isValidNumber`), from the metadata that ships with the `phonenumber` crate (build.rs writes
//! it into the build), compiled on first use per calling code into plain regular expressions.
//! Anything else (words, a second `+`, non-geographic codes such as +800) goes to the crate.
//! Two reasons for not using the crate for all:
//! - it strips the national prefix 8 from a national number that itself starts with 8, so
//!   St Petersburg (`+7 812 …`) and every `8 800 …` number came out invalid; the reference
//!   strips it only when the rest is still a possible number;
//! - its regular expressions live in one cache behind one lock, which made phone numbers most
//!   of the time of a 50,000-client file and kept a second core from helping.
//!
//! Measured with `phonenumber` 0.3.10 (pinned `=0.3.10` in Cargo.toml, metadata 9.0.33):
//! `8 (812) 555-12-34`, `+7 812 555 12 34` and `8 800 555-35-35` came out invalid, and on the
//! 50,000-client file phones took ~0.17 s of ~0.4 s with two threads no faster than one.
//!
//! Considered instead: a fix upstream (the prefix rule is a small change in the crate's
//! `parser::helper`, but the shared regex cache is its design, so the speed would stay; it has
//! not been reported yet), and a `[patch]` fork (code we would maintain anyway, with a lock we
//! would have to take out). This module is the smaller of the two and is held to the
//! reference: tests/phone_oracle.rs compares both paths with Python's `phonenumbers` (a port of
//! the Java library) of the same metadata version on 5,159 numbers.

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

use phonenumber::country::Id as Country;
use regex::{Regex, RegexBuilder};

/// A phone number as 1C should store it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Phone {
    /// E.164 when valid; otherwise the digits as typed, with `+` if it had one.
    pub number: String,
    pub valid: bool,
}

/// Normalises a phone, Russia as the default region. Returns `None` when there is no digit at
/// all (`""`, `" - "`). An extension (`доб. 12`) is not part of the E.164 number.
pub fn normalize(raw: &str) -> Option<Phone> {
    if !raw.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let valid_e164 = match parse(raw) {
        Some(parsed) => parsed,
        None => by_the_crate(raw),
    };
    Some(match valid_e164 {
        Some(number) => Phone {
            number,
            valid: true,
        },
        // A library's formatting of a number it cannot validate is not trustworthy (the crate
        // turned `8 800 …` into `+7005…`), so keep what the client typed.
        None => {
            let plus = raw.trim_start().starts_with('+');
            let mut number = String::from(if plus { "+" } else { "" });
            number.extend(raw.chars().filter(char::is_ascii_digit));
            Phone {
                number,
                valid: false,
            }
        }
    })
}

/// Compiles Russia's rules (a few milliseconds, once per process), so that a caller can do it
/// on another thread while it reads its first input.
pub fn warm_up() {
    let _ = calling_code(RUSSIA);
}

/// The area code and the rest of a valid number's international form, for 1C's contact
/// information: `+7 916 555-12-34` → (`7`, `916`, `5551234`, that form).
pub struct Parts {
    pub country: String,
    pub area: String,
    pub local: String,
    pub international: String,
}

/// Splits a valid E.164 number into its country code, area code and local number as
/// libphonenumber's international format groups it.
pub fn parts(e164: &str) -> Option<Parts> {
    let digits = |text: &str| {
        text.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
    };
    let own = e164
        .strip_prefix('+')
        .and_then(split_country_code)
        .and_then(|(code, national)| {
            let rules = calling_code(code)?;
            Some((
                code.to_string(),
                format!("+{code} {}", rules.international(national)),
            ))
        });
    let (country, international) = match own {
        Some(own) => own,
        None => {
            let number = phonenumber::parse(None, e164).ok()?;
            let international = number
                .format()
                .mode(phonenumber::Mode::International)
                .to_string();
            (number.code().value().to_string(), international)
        }
    };
    let rest = international
        .strip_prefix(&format!("+{country}"))
        .unwrap_or(&international)
        .trim();
    let (area, local) = match rest.split_once([' ', '-']) {
        Some((area, local)) => (digits(area), digits(local)),
        None => (String::new(), digits(rest)),
    };
    Some(Parts {
        country,
        area,
        local,
        international,
    })
}

/// The crate's answer: the E.164 form of a valid number, `None` for anything else.
fn by_the_crate(raw: &str) -> Option<String> {
    let number = phonenumber::parse(Some(Country::RU), raw).ok()?;
    phonenumber::is_valid(&number)
        .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// libphonenumber's limits on a national number of any country.
const MIN_NATIONAL_LENGTH: usize = 2;
const MAX_NATIONAL_LENGTH: usize = 17;

/// The default region's calling code: a number typed without `+` is Russian.
const RUSSIA: u16 = 7;
/// What a caller in Russia dials before another country's code (`8 10 375 …`).
const RUSSIAN_INTERNATIONAL_PREFIX: &str = "810";

/// The metadata as build.rs wrote it from the crate's database, by calling code.
mod metadata {
    pub struct CallingCodeData {
        pub code: u16,
        /// `false` for the non-geographic codes (+800, +882), left to the crate.
        pub geographic: bool,
        /// In the metadata's order.
        pub regions: &'static [RegionData],
    }

    pub struct RegionData {
        pub main: bool,
        pub leading_digits: Option<&'static str>,
        /// The pattern removed when parsing: the region's own for parsing, else its prefix.
        pub national_prefix: Option<&'static str>,
        pub national_prefix_transform: Option<&'static str>,
        pub general: &'static str,
        /// Premium rate, toll free, …, fixed line, mobile: the reference's order.
        pub types: &'static [DescData],
        /// The international formats, where the region has them, else the national ones.
        pub formats: &'static [FormatData],
    }

    pub struct DescData {
        pub pattern: &'static str,
        pub lengths: &'static [u16],
        pub local_only_lengths: &'static [u16],
    }

    pub struct FormatData {
        pub pattern: &'static str,
        /// The last, most specific, of the format's leading-digit patterns.
        pub leading_digits: Option<&'static str>,
        pub format: &'static str,
    }

    include!(concat!(env!("OUT_DIR"), "/phone_metadata.rs"));
}

/// Every calling code's rules, compiled on first use; in the order of `metadata::CALLING_CODES`.
static RULES: LazyLock<Vec<OnceLock<Option<CallingCode>>>> = LazyLock::new(|| {
    metadata::CALLING_CODES
        .iter()
        .map(|_| OnceLock::new())
        .collect()
});

/// The rules of one calling code, or `None` where this module leaves the code to the crate:
/// non-geographic codes (+800, +882).
fn calling_code(code: u16) -> Option<&'static CallingCode> {
    let index = metadata::CALLING_CODES
        .binary_search_by_key(&code, |data| data.code)
        .ok()?;
    RULES[index]
        .get_or_init(|| CallingCode::load(&metadata::CALLING_CODES[index]))
        .as_ref()
}

/// `+375 29…` → 375 and `29…`: the first one to three digits that are a calling code.
fn split_country_code(digits: &str) -> Option<(u16, &str)> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3.min(digits.len())).find_map(|length| {
        let code: u16 = digits[..length].parse().ok()?;
        metadata::CALLING_CODES
            .binary_search_by_key(&code, |data| data.code)
            .is_ok()
            .then(|| (code, &digits[length..]))
    })
}

struct CallingCode {
    /// In the metadata's order, the main country first, as the reference picks them.
    regions: Vec<Region>,
    /// The main region's national prefix as it is removed when parsing (`8` for Russia).
    national_prefix: Option<Regex>,
    /// What replaces the prefix instead of nothing, in the few countries that have it.
    national_prefix_transform: Option<String>,
    /// The main region's formats, for the international form.
    formats: Vec<Format>,
}

struct Region {
    /// Numbers of this region start with these digits (`[3489]` for Russia).
    leading_digits: Option<Regex>,
    general: Desc,
    /// Every number type's pattern: a number matching one of them is valid.
    types: Vec<Desc>,
}

struct Desc {
    pattern: Regex,
    lengths: Vec<u16>,
    local_only_lengths: Vec<u16>,
}

struct Format {
    pattern: Regex,
    /// The last, most specific, of the format's leading-digit patterns.
    leading_digits: Option<Regex>,
    format: String,
}

/// How a national number's length compares with a region's possible lengths.
#[derive(PartialEq)]
enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

/// `Some(Some(e164))` for a valid number, `Some(None)` for one the reference rejects, `None`
/// when the text is not a plainly typed number this module reads (the crate decides then).
fn parse(raw: &str) -> Option<Option<String>> {
    let typed_plainly = |text: &str| {
        let body = text.strip_prefix('+').unwrap_or(text);
        body.chars()
            .all(|c| c.is_ascii_digit() || is_punctuation(c))
    };
    let text = raw.trim();
    let number = if typed_plainly(text) {
        text
    } else {
        without_extension(text).filter(|number| typed_plainly(number))?
    };
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
        return None;
    }
    let international = if number.starts_with('+') {
        Some(digits.as_str())
    } else {
        // Dialled abroad from Russia, unless a 0 follows (no calling code starts with 0).
        digits
            .strip_prefix(RUSSIAN_INTERNATIONAL_PREFIX)
            .filter(|rest| !rest.starts_with('0'))
    };
    let (code, national) = match international {
        Some(rest) => match split_country_code(rest) {
            Some((code, national)) => (code, national.to_string()),
            None => return Some(None),
        },
        None => {
            let rules = calling_code(RUSSIA)?;
            (RUSSIA, rules.without_own_country_code(RUSSIA, &digits))
        }
    };
    let rules = calling_code(code)?;
    if national.len() < MIN_NATIONAL_LENGTH {
        return Some(None);
    }
    let potential = rules.strip_national_prefix(&national);
    let national = match rules.length(&potential) {
        Length::TooShort | Length::LocalOnly | Length::Invalid => national.as_str(),
        Length::Possible | Length::TooLong => &potential,
    };
    if !(MIN_NATIONAL_LENGTH..=MAX_NATIONAL_LENGTH).contains(&national.len()) {
        return Some(None);
    }
    Some(
        rules
            .is_valid(national)
            .then(|| format!("+{code}{national}")),
    )
}

/// The digit counts read here; shorter and longer texts go to the crate.
const MIN_DIGITS: usize = 6;
const MAX_DIGITS: usize = 17;

impl CallingCode {
    fn load(data: &metadata::CallingCodeData) -> Option<CallingCode> {
        // The main region comes first in the metadata (it does for every shared code); the
        // reference parses with its rules and, in this order, picks a number's region.
        let main = data.regions.first().filter(|_| data.geographic)?;
        if data.regions.len() > 1 && !main.main {
            return None;
        }
        let formats = main
            .formats
            .iter()
            .map(|format| {
                Some(Format {
                    pattern: compile(format.pattern, "^(?:", ")$")?,
                    leading_digits: match format.leading_digits {
                        Some(leading) => Some(compile(leading, "^(?:", ")")?),
                        None => None,
                    },
                    format: dollar_groups(format.format),
                })
            })
            .collect::<Option<_>>()?;
        Some(CallingCode {
            regions: data
                .regions
                .iter()
                .map(Region::load)
                .collect::<Option<_>>()?,
            national_prefix: match main.national_prefix {
                Some(prefix) => Some(compile(prefix, "^(?:", ")")?),
                None => None,
            },
            national_prefix_transform: main.national_prefix_transform.map(dollar_groups),
            formats,
        })
    }

    fn main(&self) -> &Region {
        &self.regions[0]
    }

    /// A number typed without `+` may still start with the country code (`79165551234`): the
    /// reference takes it as that when the whole is not a possible national number and the
    /// rest is, or when the whole is too long.
    fn without_own_country_code(&self, code: u16, digits: &str) -> String {
        if let Some(rest) = digits.strip_prefix(&code.to_string()) {
            let potential = self.strip_national_prefix(rest);
            let general = &self.main().general.pattern;
            if (!general.is_match(digits) && general.is_match(&potential))
                || self.length(digits) == Length::TooLong
            {
                return potential.into_owned();
            }
        }
        digits.to_string()
    }

    /// Removes the national prefix (8) unless the number was possible with it and is not
    /// without it: `8 916 …` loses the 8, `812 …` keeps it. Where the metadata has a
    /// transform rule (Argentina's `0 11 15 …` → `9 11 …`), the prefix is rewritten by it.
    fn strip_national_prefix<'a>(&self, number: &'a str) -> Cow<'a, str> {
        let Some(prefix) = &self.national_prefix else {
            return Cow::Borrowed(number);
        };
        let rest: Cow<'a, str> = match &self.national_prefix_transform {
            // Groups only where a rule uses them: finding is cheaper than capturing.
            None => match prefix.find(number) {
                Some(found) => Cow::Borrowed(&number[found.end()..]),
                None => return Cow::Borrowed(number),
            },
            Some(rule) => {
                let Some(found) = prefix.captures(number) else {
                    return Cow::Borrowed(number);
                };
                let end = found.get(0).expect("group 0 is the match").end();
                if found.get(found.len() - 1).is_some() {
                    let mut rewritten = String::new();
                    found.expand(rule, &mut rewritten);
                    rewritten.push_str(&number[end..]);
                    Cow::Owned(rewritten)
                } else {
                    Cow::Borrowed(&number[end..])
                }
            }
        };
        let general = &self.main().general.pattern;
        if general.is_match(number) && !general.is_match(&rest) {
            Cow::Borrowed(number)
        } else {
            rest
        }
    }

    /// libphonenumber's `testNumberLength` against the main region's possible lengths.
    fn length(&self, number: &str) -> Length {
        let general = &self.main().general;
        let length = number.len() as u16;
        let (Some(&min), Some(&max)) = (general.lengths.first(), general.lengths.last()) else {
            return Length::Invalid;
        };
        if general.local_only_lengths.contains(&length) {
            Length::LocalOnly
        } else if length < min {
            Length::TooShort
        } else if length > max {
            Length::TooLong
        } else if general.lengths.contains(&length) {
            Length::Possible
        } else {
            Length::Invalid
        }
    }

    /// The region is the first whose leading digits start the number (or, for a region
    /// without them, whose patterns it matches); the number is valid if it is of one of that
    /// region's types.
    fn is_valid(&self, national: &str) -> bool {
        if let [region] = self.regions.as_slice() {
            return region.has_type(national);
        }
        self.regions
            .iter()
            .find(|region| match &region.leading_digits {
                Some(leading) => leading.is_match(national),
                None => region.has_type(national),
            })
            .is_some_and(|region| region.has_type(national))
    }

    /// The international form after `+7 `, grouped by the first format that fits, as
    /// libphonenumber's `format(INTERNATIONAL)` groups it; ungrouped when none fits.
    fn international(&self, national: &str) -> String {
        let format = self.formats.iter().find(|format| {
            format
                .leading_digits
                .as_ref()
                .is_none_or(|leading| leading.is_match(national))
                && format.pattern.is_match(national)
        });
        match format {
            Some(format) => format
                .pattern
                .replace(national, format.format.as_str())
                .into_owned(),
            None => national.to_string(),
        }
    }
}

impl Region {
    fn load(data: &metadata::RegionData) -> Option<Region> {
        // The general lengths are the union of the types' (the reference computes them so
        // when it builds its metadata; the crate leaves them empty).
        let union = |lengths: fn(&metadata::DescData) -> &[u16]| {
            let mut all: Vec<u16> = data.types.iter().flat_map(lengths).copied().collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        let lengths = union(|desc| desc.lengths);
        let local_only_lengths = union(|desc| desc.local_only_lengths)
            .into_iter()
            .filter(|length| !lengths.contains(length))
            .collect();
        Some(Region {
            leading_digits: match data.leading_digits {
                Some(leading) => Some(compile(leading, "^(?:", ")")?),
                None => None,
            },
            general: Desc {
                pattern: compile(data.general, "^(?:", ")$")?,
                lengths,
                local_only_lengths,
            },
            // Mobile and fixed line first: only whether some type matches counts here, and
            // nearly every number is one of those two.
            types: data
                .types
                .iter()
                .rev()
                .map(Desc::load)
                .collect::<Option<_>>()?,
        })
    }

    /// libphonenumber's `getNumberType(…) != UNKNOWN`.
    fn has_type(&self, national: &str) -> bool {
        self.general.matches(national) && self.types.iter().any(|desc| desc.matches(national))
    }
}

impl Desc {
    fn load(data: &metadata::DescData) -> Option<Desc> {
        Some(Desc {
            pattern: compile(data.pattern, "^(?:", ")$")?,
            lengths: data.lengths.to_vec(),
            local_only_lengths: data.local_only_lengths.to_vec(),
        })
    }

    /// libphonenumber's `isNumberMatchingDesc`: a possible length and the whole pattern.
    fn matches(&self, national: &str) -> bool {
        let length = national.len() as u16;
        (self.lengths.is_empty() || self.lengths.contains(&length))
            && self.pattern.is_match(national)
    }
}

/// Compiled as the crate compiles the metadata's patterns: whitespace is layout.
fn compile(pattern: &str, before: &str, after: &str) -> Option<Regex> {
    RegexBuilder::new(&format!("{before}{pattern}{after}"))
        .ignore_whitespace(true)
        .build()
        .ok()
}

/// `$1-$2` in the metadata; the regex crate wants `${1}-${2}` (`$1x` would name a group `1x`).
fn dollar_groups(template: &str) -> String {
    static GROUP: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\$(\d)").expect("a valid pattern"));
    GROUP.replace_all(template, "$${$1}").into_owned()
}

/// What people type between the digits of a number and libphonenumber ignores.
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}' | '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '(' | ')' | '.'
    )
}

/// `8 800 555-35-35` of `8 800 555-35-35 доб. 12`, for the extension spellings libphonenumber
/// reads as one: `доб`, `ext`, `x`, `#`, with up to six digits. `None` without an extension.
fn without_extension(text: &str) -> Option<&str> {
    static EXTENSION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\d[\s\u{a0}]*(?:(?:доб|ext)\.?|x|#)[\s\u{a0}]*\d{1,6}$")
            .expect("a valid pattern")
    });
    // The match starts at the number's last digit, which stays with the number.
    let found = EXTENSION.find(text)?;
    Some(text[..found.start() + 1].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(raw: &str) -> Option<String> {
        normalize(raw)
            .filter(|phone| phone.valid)
            .map(|phone| phone.number)
    }

    #[test]
    fn russian_numbers_in_every_usual_spelling_become_e164() {
        for raw in [
            "8 (916) 555-12-34",
            "79165551234",
            "9165551234",
            "+7 916 555 12 34",
            "+7(916)555.12.34",
            "8-916-555-12-34",
        ] {
            assert_eq!(e164(raw).as_deref(), Some("+79165551234"), "{raw}");
        }
    }

    #[test]
    fn numbers_that_start_with_8_keep_it_when_it_is_not_the_prefix() {
        for (raw, expected) in [
            ("8 (812) 555-12-34", "+78125551234"),
            ("+7 812 555 12 34", "+78125551234"),
            ("8125551234", "+78125551234"),
            ("8 800 555-35-35", "+78005553535"),
            ("+7 (3412) 12-34-56", "+73412123456"),
            ("+7 700 123 45 67", "+77001234567"),
            ("87001234567", "+77001234567"),
        ] {
            assert_eq!(e164(raw).as_deref(), Some(expected), "{raw}");
        }
    }

    #[test]
    fn an_extension_is_not_part_of_the_number() {
        for raw in [
            "8 800 555-35-35 доб. 12",
            "+7 916 555 12 34 доб 5",
            "8 916 555 12 34 x12",
            "8 916 555 12 34 #12",
        ] {
            let phone = normalize(raw).unwrap();
            assert!(phone.valid, "{raw}");
            assert!(
                phone.number == "+78005553535" || phone.number == "+79165551234",
                "{raw}"
            );
        }
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(e164("+375 29 123-45-67").as_deref(), Some("+375291234567"));
        assert_eq!(
            e164("8 10 375 29 123-45-67").as_deref(),
            Some("+375291234567"),
            "dialled from Russia"
        );
    }

    #[test]
    fn a_phone_without_digits_is_no_phone() {
        for raw in ["", " - ", "нет", "+"] {
            assert_eq!(normalize(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn an_invalid_number_keeps_its_digits_as_typed() {
        let phone = normalize("+7 555 123-45-67").unwrap();
        assert_eq!(phone.number, "+75551234567");
        assert!(!phone.valid);
        let phone = normalize("916 555 12 34 5").unwrap();
        assert_eq!(phone.number, "91655512345");
        assert!(!phone.valid);
    }

    #[test]
    fn parts_follow_the_international_grouping() {
        let parts = parts("+79165551234").unwrap();
        assert_eq!(
            (
                parts.country.as_str(),
                parts.area.as_str(),
                parts.local.as_str()
            ),
            ("7", "916", "5551234")
        );
        assert_eq!(parts.international, "+7 916 555-12-34");
        let parts = super::parts("+375291234567").unwrap();
        assert_eq!((parts.country.as_str(), parts.area.as_str()), ("375", "29"));
    }
}
