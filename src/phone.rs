//! Phone numbers as 1C should store them: E.164 (`+79165551234`) when libphonenumber's metadata
//! says the number is valid, else the digits as typed.
//!
//! Numbers of country code 7 (Russia and Kazakhstan) typed in the usual ways, which is nearly
//! every number a Russian dealer receives, are parsed here by libphonenumber's reference
//! algorithm (the Java library's `parse` and `isValidNumber`), from the metadata that ships
//! with the `phonenumber` crate, compiled once into plain regular expressions. Everything else
//! (other countries, words, odd lengths) goes to the crate. Two reasons for not using the crate
//! for these:
//! - it strips the national prefix 8 from a national number that itself starts with 8, so
//!   St Petersburg (`+7 812 …`) and every `8 800 …` number came out invalid; the reference
//!   strips it only when the rest is still a possible number;
//! - its regular expressions live in one cache behind one lock, which made phone numbers most
//!   of the time of a 50,000-client file and kept a second core from helping.
//!
//! tests/phone_oracle.rs holds both paths to Python's `phonenumbers` (a port of the Java
//! library) with the same metadata version.

use std::sync::LazyLock;

use phonenumber::country::Id as Country;
use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
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
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let plus = raw.trim_start().starts_with('+');
    let valid_e164 = match CODE_7.as_ref().and_then(|code| code.parse(raw)) {
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
        None => Phone {
            number: format!("{}{digits}", if plus { "+" } else { "" }),
            valid: false,
        },
    })
}

/// Loads the metadata and compiles the country code 7 rules (about a tenth of a second, once
/// per process), so that a caller can do it on another thread while it reads its first input.
pub fn warm_up() {
    LazyLock::force(&CODE_7);
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
    let (country, international) = match e164
        .strip_prefix("+7")
        .and_then(|nsn| Some((nsn, CODE_7.as_ref()?)))
    {
        Some((nsn, code)) => ("7".to_string(), format!("+7 {}", code.international(nsn))),
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

/// The rules of country code 7, or `None` when the metadata has a shape this module does not
/// implement (a national prefix transform rule): then every number goes to the crate.
static CODE_7: LazyLock<Option<Code7>> = LazyLock::new(Code7::load);

struct Code7 {
    /// In the metadata's order: the main country (Russia) first, as the reference picks them.
    regions: Vec<Region>,
    /// Russia's, the default region: what a number dialled inside it starts with.
    national_prefix: Regex,
    international_prefix: Regex,
    /// Russia's general pattern and lengths, used while parsing.
    main: usize,
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

impl Code7 {
    fn load() -> Option<Code7> {
        let ids = DATABASE.region(&7)?;
        let metas: Vec<&Metadata> = ids
            .iter()
            .map(|id| DATABASE.by_id(*id))
            .collect::<Option<_>>()?;
        if metas
            .iter()
            .any(|meta| meta.national_prefix_transform_rule().is_some())
        {
            return None;
        }
        let main = metas.iter().position(|meta| meta.id() == "RU")?;
        let ru = metas[main];
        let national_prefix = ru
            .national_prefix_for_parsing()
            .map(|regex| regex.as_str().to_string())
            .or_else(|| ru.national_prefix().map(str::to_string))?;
        let regions = metas
            .iter()
            .map(|meta| Region::load(meta))
            .collect::<Option<_>>()?;
        // The international formats, where the metadata has them, else the national ones.
        let formats = if ru.international_formats().is_empty() {
            ru.formats()
        } else {
            ru.international_formats()
        };
        let formats = formats
            .iter()
            .map(|format| {
                Some(Format {
                    pattern: compile(format.pattern().as_str(), "^(?:", ")$")?,
                    leading_digits: match format.leading_digits().last() {
                        Some(regex) => Some(compile(regex.as_str(), "^(?:", ")")?),
                        None => None,
                    },
                    // `$1-$2` in the metadata; the regex crate wants `${1}-${2}`.
                    format: Regex::new(r"\$(\d)")
                        .expect("a valid pattern")
                        .replace_all(format.format(), "$${$1}")
                        .into_owned(),
                })
            })
            .collect::<Option<_>>()?;
        Some(Code7 {
            regions,
            national_prefix: compile(&national_prefix, "^(?:", ")")?,
            international_prefix: compile(ru.international_prefix()?.as_str(), "^(?:", ")")?,
            main,
            formats,
        })
    }

    /// `Some(Some(e164))` for a valid number, `Some(None)` for one the reference rejects, `None`
    /// when the text is not a plainly typed number of country code 7 (the crate decides then).
    fn parse(&self, raw: &str) -> Option<Option<String>> {
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
        let plus = number.starts_with('+');
        let body = number.strip_prefix('+').unwrap_or(number);
        let digits: String = body.chars().filter(char::is_ascii_digit).collect();
        if !(10..=11).contains(&digits.len()) {
            return None;
        }
        let national = if plus {
            // The country code is read from the number; only 7 is handled here.
            digits.strip_prefix('7')?.to_string()
        } else {
            // Dialled abroad from Russia (`8 10 375 …`): another country, the crate's case.
            if self.international_prefix.is_match(&digits) {
                return None;
            }
            self.without_default_country_code(&digits)
        };
        let potential = self.strip_national_prefix(&national);
        let national = match self.length(potential) {
            Length::TooShort | Length::LocalOnly | Length::Invalid => national.as_str(),
            Length::Possible | Length::TooLong => potential,
        };
        if !(MIN_NATIONAL_LENGTH..=MAX_NATIONAL_LENGTH).contains(&national.len()) {
            return Some(None);
        }
        Some(self.is_valid(national).then(|| format!("+7{national}")))
    }

    /// A number typed without `+` that starts with 7 may be the country code followed by a
    /// national number (`79165551234`): the reference takes it as that when the whole is not
    /// a possible national number and the rest is, or when the whole is too long.
    fn without_default_country_code(&self, digits: &str) -> String {
        if let Some(rest) = digits.strip_prefix('7') {
            let potential = self.strip_national_prefix(rest);
            let general = &self.regions[self.main].general.pattern;
            if (!general.is_match(digits) && general.is_match(potential))
                || self.length(digits) == Length::TooLong
            {
                return potential.to_string();
            }
        }
        digits.to_string()
    }

    /// Removes the national prefix (8) unless the number was possible with it and is not
    /// without it: `8 916 …` loses the 8, `812 …` keeps it.
    fn strip_national_prefix<'a>(&self, number: &'a str) -> &'a str {
        let Some(prefix) = self.national_prefix.find(number) else {
            return number;
        };
        let general = &self.regions[self.main].general.pattern;
        let rest = &number[prefix.end()..];
        if general.is_match(number) && !general.is_match(rest) {
            number
        } else {
            rest
        }
    }

    /// libphonenumber's `testNumberLength` against the main region's possible lengths.
    fn length(&self, number: &str) -> Length {
        let general = &self.regions[self.main].general;
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
    fn load(meta: &Metadata) -> Option<Region> {
        let descriptors = meta.descriptors();
        let types: Vec<&Descriptor> = [
            descriptors.premium_rate(),
            descriptors.toll_free(),
            descriptors.shared_cost(),
            descriptors.voip(),
            descriptors.personal_number(),
            descriptors.pager(),
            descriptors.uan(),
            descriptors.voicemail(),
            descriptors.fixed_line(),
            descriptors.mobile(),
        ]
        .into_iter()
        .flatten()
        .collect();
        // The general lengths are the union of the types' (the reference computes them so
        // when it builds its metadata; the crate leaves them empty).
        let union = |lengths: fn(&Descriptor) -> &[u16]| {
            let mut all: Vec<u16> = types
                .iter()
                .flat_map(|desc| lengths(desc))
                .copied()
                .collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        let lengths = union(Descriptor::possible_length);
        let local_only_lengths = union(Descriptor::possible_local_length)
            .into_iter()
            .filter(|length| !lengths.contains(length))
            .collect();
        Some(Region {
            leading_digits: match meta.leading_digits() {
                Some(regex) => Some(compile(regex.as_str(), "^(?:", ")")?),
                None => None,
            },
            general: Desc {
                pattern: compile(
                    descriptors.general().national_number().as_str(),
                    "^(?:",
                    ")$",
                )?,
                lengths,
                local_only_lengths,
            },
            types: types.into_iter().map(Desc::load).collect::<Option<_>>()?,
        })
    }

    /// libphonenumber's `getNumberType(…) != UNKNOWN`.
    fn has_type(&self, national: &str) -> bool {
        self.general.matches(national) && self.types.iter().any(|desc| desc.matches(national))
    }
}

impl Desc {
    fn load(desc: &Descriptor) -> Option<Desc> {
        Some(Desc {
            pattern: compile(desc.national_number().as_str(), "^(?:", ")$")?,
            lengths: desc.possible_length().to_vec(),
            local_only_lengths: desc.possible_local_length().to_vec(),
        })
    }

    /// libphonenumber's `isNumberMatchingDesc`: a possible length and the whole pattern.
    fn matches(&self, national: &str) -> bool {
        let length = national.len() as u16;
        (self.lengths.is_empty() || self.lengths.contains(&length))
            && self.pattern.is_match(national)
    }
}

/// The metadata's patterns are written with whitespace for layout, as the crate reads them.
fn compile(pattern: &str, before: &str, after: &str) -> Option<Regex> {
    RegexBuilder::new(&format!("{before}{pattern}{after}"))
        .ignore_whitespace(true)
        .build()
        .ok()
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
