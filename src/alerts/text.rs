//! The words of an alert: the caller says what is wrong and what to do about its condition
//! (in Russian and in English); this frames it the same way for every condition — what state,
//! which exchange folder on which server, since when, how often it repeats, and the command
//! that shows the whole state. Russian first: it is the language of the dealers' staff; the
//! English half serves the integrator and the logs.

use std::path::Path;

use chrono::{DateTime, Local, Utc};

use super::machine::Tracked;
use super::{Said, State};

/// What an alert's subject and text are made of.
pub struct Framing<'a> {
    pub condition: &'a str,
    pub folder: &'a Path,
    pub host: &'a str,
    pub repeat: chrono::Duration,
}

impl Framing<'_> {
    /// The subject and the text of `row`'s message; `details` are the condition's own lines
    /// while it holds (a resolved message has none: its condition no longer speaks).
    pub fn render(&self, row: &Tracked, details: Option<&Said>) -> (String, String) {
        let summary = &row.summary;
        let folder = self.folder.display();
        let status = format!("bachata1c status \"{folder}\"");
        let since = local(row.since);
        match row.state {
            State::Firing => {
                let subject = format!(
                    "[bachata1c] Внимание: {} / Alert: {}",
                    summary.ru, summary.en
                );
                let (ru_lines, en_lines) = match details {
                    Some(details) => (format!("{}\n", details.ru), format!("{}\n", details.en)),
                    None => (String::new(), String::new()),
                };
                let repeat = span(self.repeat);
                let text = format!(
                    "Внимание: {}\n\
                     Папка обмена {folder} на сервере {host}.\n\
                     {ru_lines}\
                     Началось {since}. Пока это так, напоминание приходит не чаще раза в {}; \
                     когда пройдёт, придёт сообщение «Исправлено».\n\
                     Состояние обмена: {status}\n\
                     \n\
                     Alert: {}\n\
                     Exchange folder {folder} on server {host}.\n\
                     {en_lines}\
                     Since {since}. Repeated at most every {} while it lasts; a «Resolved» \
                     message follows when it clears.\n\
                     The exchange's state: {status}\n\
                     \n\
                     ({}: {})\n",
                    summary.ru,
                    repeat.ru,
                    summary.en,
                    repeat.en,
                    super::ALERT_VARIABLE,
                    self.condition,
                    host = self.host,
                );
                (subject, text)
            }
            State::Resolved => {
                let cleared = row.cleared.unwrap_or(row.since);
                let lasted = span(cleared - row.since);
                let subject = format!(
                    "[bachata1c] Исправлено: {} / Resolved: {}",
                    summary.ru, summary.en
                );
                let text = format!(
                    "Исправлено: {}\n\
                     Папка обмена {folder} на сервере {host}.\n\
                     Длилось с {since} до {} ({}).\n\
                     Состояние обмена: {status}\n\
                     \n\
                     Resolved: {}\n\
                     Exchange folder {folder} on server {host}.\n\
                     Lasted from {since} to {} ({}).\n\
                     The exchange's state: {status}\n\
                     \n\
                     ({}: {})\n",
                    summary.ru,
                    local(cleared),
                    lasted.ru,
                    summary.en,
                    local(cleared),
                    lasted.en,
                    super::ALERT_VARIABLE,
                    self.condition,
                    host = self.host,
                );
                (subject, text)
            }
        }
    }
}

/// A moment as the server's clock shows it, to the minute.
pub fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A length of time in whole minutes, hours and days, as a person says it.
pub fn span(length: chrono::Duration) -> Said {
    crate::monitor::text::in_minutes(length.num_minutes().max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_people_say_them() {
        let cases = [
            (0, "0 мин", "0 min"),
            (59, "59 мин", "59 min"),
            (60, "1 ч", "1 h"),
            (200, "3 ч 20 мин", "3 h 20 min"),
            (24 * 60, "1 дн.", "1 d"),
            (2 * 24 * 60 + 4 * 60 + 5, "2 дн. 4 ч", "2 d 4 h"),
        ];
        for (minutes, ru, en) in cases {
            let said = span(chrono::Duration::minutes(minutes));
            assert_eq!((said.ru.as_str(), said.en.as_str()), (ru, en), "{minutes}");
        }
    }
}
