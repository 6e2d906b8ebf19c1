//! How long things are kept, in days, and the date arithmetic of what is past it. Pure: the
//! caller passes today's date and the present time.

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Deserializer};

/// The fewest days a `[retention]` key may keep: a week, so that a refused input is seen
/// (its alert has fired) and a typo (`9` for `90`) cannot empty a folder overnight.
pub const MIN_DAYS: u32 = 7;

/// A number of days to keep something, or `off`: kept for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    Off,
    Keep(u32),
}

impl Days {
    /// The first day that is kept when today is `today`: what is dated before it is more than
    /// that many days old (`keep 90` on 2026-12-07: 2026-09-08, 90 days old, is kept;
    /// 2026-09-07 is not). `None`: off.
    pub fn first_kept_day(self, today: NaiveDate) -> Option<NaiveDate> {
        match self {
            Days::Off => None,
            Days::Keep(days) => Some(
                today
                    .checked_sub_days(chrono::Days::new(u64::from(days)))
                    .unwrap_or(NaiveDate::MIN),
            ),
        }
    }

    /// The start of [`Days::first_kept_day`]: a time before it is past its days.
    pub fn first_kept_time(self, today: NaiveDate) -> Option<NaiveDateTime> {
        self.first_kept_day(today)
            .map(|day| day.and_hms_opt(0, 0, 0).expect("midnight exists"))
    }

    /// Whether a file last written at `modified` is past its days at `now` (a file written in
    /// the future is not).
    pub fn is_past(self, modified: SystemTime, now: SystemTime) -> bool {
        match self {
            Days::Off => false,
            Days::Keep(days) => now
                .duration_since(modified)
                .is_ok_and(|age| age > Duration::from_secs(u64::from(days) * 24 * 3600)),
        }
    }
}

impl std::fmt::Display for Days {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Days::Off => f.write_str("off"),
            Days::Keep(days) => write!(f, "{days}"),
        }
    }
}

impl FromStr for Days {
    type Err = String;

    fn from_str(text: &str) -> Result<Days, String> {
        let expected = format!("a number of days, {MIN_DAYS} or more, or \"off\" (kept for ever)");
        match text.trim() {
            "off" => Ok(Days::Off),
            number => match number.parse::<u32>() {
                Ok(days) if days >= MIN_DAYS => Ok(Days::Keep(days)),
                Ok(_) => Err(format!("{text:?} is too few days: {expected} is expected")),
                Err(_) => Err(format!("{text:?}: {expected} is expected")),
            },
        }
    }
}

/// In the config: a bare number (`90`) or `"off"`.
impl<'de> Deserialize<'de> for Days {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(i64),
            Text(String),
        }
        let text = match Written::deserialize(deserializer)? {
            Written::Number(n) => n.to_string(),
            Written::Text(text) => text,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The day an archive folder is named after (`2026-12-07`); `None` for any other name.
pub fn archive_day(name: &str) -> Option<NaiveDate> {
    if name.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(name, "%Y-%m-%d").ok()
}

/// `hook (2).json` → `hook.json`: the name an input had before the archive made it free
/// (`exchange::folders::free_name`); `None` when it has no such number.
pub fn before_free_name(name: &str) -> Option<String> {
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    let open = stem.rfind(" (")?;
    let number = stem[open + 2..].strip_suffix(')')?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{}{ext}", &stem[..open]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_first_kept_day_is_that_many_days_before_today() {
        let today = day("2026-12-07");
        assert_eq!(
            Days::Keep(90).first_kept_day(today),
            Some(day("2026-09-08"))
        );
        assert_eq!(Days::Keep(7).first_kept_day(today), Some(day("2026-11-30")));
        // Across a leap day and a year.
        assert_eq!(
            Days::Keep(7).first_kept_day(day("2028-03-03")),
            Some(day("2028-02-25"))
        );
        assert_eq!(
            Days::Keep(10).first_kept_day(day("2027-01-05")),
            Some(day("2026-12-26"))
        );
        assert_eq!(Days::Off.first_kept_day(today), None);
        assert_eq!(
            Days::Keep(30).first_kept_time(today).unwrap().to_string(),
            "2026-11-07 00:00:00"
        );
        // More days than the calendar holds keeps everything.
        assert_eq!(
            Days::Keep(u32::MAX).first_kept_day(today),
            Some(NaiveDate::MIN)
        );
    }

    #[test]
    fn a_file_is_past_its_days_only_once_they_have_gone_by() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(100 * 24 * 3600);
        let days_ago = |d: u64, extra: u64| now - Duration::from_secs(d * 24 * 3600 + extra);
        assert!(!Days::Keep(7).is_past(days_ago(7, 0), now));
        assert!(Days::Keep(7).is_past(days_ago(7, 1), now));
        assert!(!Days::Keep(7).is_past(days_ago(6, 0), now));
        assert!(!Days::Off.is_past(days_ago(99, 0), now));
        assert!(!Days::Keep(7).is_past(now + Duration::from_secs(60), now));
    }

    #[test]
    fn days_are_a_number_from_the_minimum_or_off() {
        assert_eq!("90".parse(), Ok(Days::Keep(90)));
        assert_eq!("off".parse(), Ok(Days::Off));
        assert_eq!("7".parse(), Ok(Days::Keep(MIN_DAYS)));
        for bad in ["0", "6", "-1", "ninety", ""] {
            let err = bad.parse::<Days>().unwrap_err();
            assert!(err.contains("7 or more, or \"off\""), "{bad}: {err}");
        }
        assert_eq!(Days::Keep(90).to_string(), "90");
    }

    #[test]
    fn archive_folders_are_known_by_their_date_and_free_names_by_their_number() {
        assert_eq!(archive_day("2026-09-07"), Some(day("2026-09-07")));
        for other in [
            "2026-9-7",
            "2026-13-01",
            "old",
            ".bachata1c-last-number",
            "2026-09-07x",
        ] {
            assert_eq!(archive_day(other), None, "{other}");
        }
        assert_eq!(
            before_free_name("hook (2).json").as_deref(),
            Some("hook.json")
        );
        assert_eq!(
            before_free_name("a b (13).json").as_deref(),
            Some("a b.json")
        );
        assert_eq!(before_free_name("noext (3)").as_deref(), Some("noext"));
        for plain in ["hook.json", "hook (x).json", "hook ().json", "(2).json"] {
            assert_eq!(before_free_name(plain), None, "{plain}");
        }
    }
}
