//! A length of time as a person writes it on a command line or in the config: `90s`, `30m`,
//! `2h`, `1h30m`, `1h 30m`, `7d`, `2hours`. Bare numbers are refused: a unit left out is a guess either way.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span(pub Duration);

/// The error is the text shown as is, by clap or in the config's error: a person reads it.
impl FromStr for Span {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let invalid = || {
            format!(
                "invalid length of time {text:?}: write a number with s, m, h, d or w, such as \
                 30m, 2h or 1h30m"
            )
        };
        let mut rest = text.trim();
        if rest.is_empty() {
            return Err(invalid());
        }
        let mut seconds: u64 = 0;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .ok_or_else(invalid)?;
            let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
            let rest_of_unit = &rest[digits..];
            let letters = rest_of_unit
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest_of_unit.len());
            let factor = unit_seconds(&rest_of_unit[..letters]).ok_or_else(invalid)?;
            seconds = number
                .checked_mul(factor)
                .and_then(|part| seconds.checked_add(part))
                .ok_or_else(invalid)?;
            rest = rest_of_unit[letters..].trim_start();
        }
        if seconds == 0 {
            return Err(invalid());
        }
        Ok(Span(Duration::from_secs(seconds)))
    }
}

/// The seconds of a unit as people write it, in any case: a letter (`m` a minute, never a
/// month) or its word (`min`, `hours`, `days`, as the thresholds took them).
fn unit_seconds(unit: &str) -> Option<u64> {
    let seconds = match unit.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 60 * 60,
        "d" | "day" | "days" => 24 * 60 * 60,
        "w" | "week" | "weeks" => 7 * 24 * 60 * 60,
        _ => return None,
    };
    Some(seconds)
}

impl fmt::Display for Span {
    /// The shortest spelling that reads back as the same length: `1h30m`, `2s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut seconds = self.0.as_secs();
        if seconds == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if seconds >= size {
                write!(f, "{}{unit}", seconds / size)?;
                seconds %= size;
            }
        }
        Ok(())
    }
}

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_read_as_people_write_them_and_print_back_the_same() {
        for (text, seconds, shown) in [
            ("2s", 2, "2s"),
            ("30m", 1800, "30m"),
            ("1h30m", 5400, "1h30m"),
            ("90m", 5400, "1h30m"),
            (" 2H ", 7200, "2h"),
            ("1d 2h", 93_600, "1d2h"),
            ("1h 30m", 5400, "1h30m"),
            ("30min", 1800, "30m"),
            ("2hours", 7200, "2h"),
            ("1w", 604_800, "7d"),
        ] {
            let span: Span = text.parse().unwrap();
            assert_eq!(span.0.as_secs(), seconds, "{text}");
            assert_eq!(span.to_string(), shown);
            assert_eq!(shown.parse::<Span>().unwrap(), span);
        }
        for text in [
            "",
            "30",
            "0m",
            "m",
            "1.5h",
            "-1m",
            "10 minutes",
            "99999999999999999999d",
            "2 hours please",
            "1month",
        ] {
            let err = text.parse::<Span>().unwrap_err();
            assert!(err.contains("invalid length of time"), "{text}: {err}");
        }
    }
}
