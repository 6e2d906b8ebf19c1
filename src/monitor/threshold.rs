//! How a threshold is written, in the config and on the command line alike: a time as people
//! write it (`2h`, `30m`, `1h 30m`, `2d`), a count, a size (`1GiB`), or `off`.

use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use crate::limits::ByteSize;
pub use crate::span::Span;

/// A threshold, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit<T> {
    Off,
    At(T),
}

impl<T> Limit<T> {
    /// `None` for `off`.
    pub fn get(self) -> Option<T> {
        match self {
            Limit::Off => None,
            Limit::At(value) => Some(value),
        }
    }
}

impl<T: FromStr<Err = String>> FromStr for Limit<T> {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "off" => Ok(Limit::Off),
            other => other.parse().map(Limit::At),
        }
    }
}

/// A count of files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub u64);

impl FromStr for Count {
    type Err = String;

    fn from_str(text: &str) -> Result<Count, String> {
        text.trim()
            .parse()
            .map(Count)
            .map_err(|_| format!("{text:?}: a number of files, 0 or more (or off), is expected"))
    }
}

/// A size: bytes, or a number with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl FromStr for Size {
    type Err = String;

    fn from_str(text: &str) -> Result<Size, String> {
        text.parse::<ByteSize>().map(|size| Size(size.0))
    }
}

/// In the config a threshold is a string (`"2h"`, `"1GiB"`, `"off"`), and a count or a size
/// may also be a bare number.
impl<'de, T: FromStr<Err = String>> Deserialize<'de> for Limit<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Text(String),
            Number(u64),
        }
        let text = match Written::deserialize(deserializer)? {
            Written::Text(text) => text,
            Written::Number(n) => n.to_string(),
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_read_as_written_and_bad_ones_say_what_is_expected() {
        use std::time::Duration;
        assert_eq!(
            "2h".parse::<Limit<Span>>(),
            Ok(Limit::At(Span(Duration::from_secs(7200))))
        );
        assert_eq!(
            "1h 30m".parse::<Limit<Span>>().unwrap().get(),
            Some(Span(Duration::from_secs(5400)))
        );
        assert_eq!("off".parse::<Limit<Span>>(), Ok(Limit::Off));
        assert_eq!(Span(Duration::from_secs(7200)).to_string(), "2h");
        let err = "2 hours please".parse::<Limit<Span>>().unwrap_err();
        assert!(err.contains("30m, 2h"), "{err}");
        assert!("0s".parse::<Span>().is_err());
        assert_eq!("3".parse::<Limit<Count>>(), Ok(Limit::At(Count(3))));
        assert!("-1".parse::<Count>().is_err());
        assert_eq!("1GiB".parse::<Size>(), Ok(Size(1 << 30)));
    }
}
