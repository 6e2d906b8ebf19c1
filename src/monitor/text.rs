//! Words in Russian and English: the Russian for the dealer's staff, the English for the
//! integrator, the logs and the monitoring system.

use std::time::Duration;

/// A text in Russian and in English: the one the alerts tell and the ledger keeps.
pub use crate::ledger::alerts::Said as Text;

/// A length of time in whole days, hours and minutes, as a person says it: «3 ч 5 мин»,
/// «3 h 5 min»; seconds only under a minute.
pub fn span(length: Duration) -> Text {
    let seconds = length.as_secs();
    if seconds < 60 {
        return Text {
            ru: format!("{seconds} с"),
            en: format!("{seconds} s"),
        };
    }
    in_minutes(seconds / 60)
}

/// A length of whole minutes in days, hours and minutes, as a person says it: «3 ч 5 мин»,
/// «0 мин».
pub fn in_minutes(minutes: u64) -> Text {
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut ru = Vec::new();
    let mut en = Vec::new();
    if days > 0 {
        ru.push(format!("{days} дн."));
        en.push(format!("{days} d"));
    }
    if hours > 0 {
        ru.push(format!("{hours} ч"));
        en.push(format!("{hours} h"));
    }
    // Minutes only under a day: «2 d 3 h 7 min» says more than anyone reads.
    if days == 0 && (minutes > 0 || hours == 0) {
        ru.push(format!("{minutes} мин"));
        en.push(format!("{minutes} min"));
    }
    Text {
        ru: ru.join(" "),
        en: en.join(" "),
    }
}

/// A size in binary units to one decimal: «3.2 GiB» / «3,2 ГБ».
pub fn size(bytes: u64) -> Text {
    const UNITS: [(u64, &str, &str); 4] = [
        (1 << 40, "TiB", "ТБ"),
        (1 << 30, "GiB", "ГБ"),
        (1 << 20, "MiB", "МБ"),
        (1 << 10, "KiB", "КБ"),
    ];
    for (factor, en, ru) in UNITS {
        if bytes >= factor {
            let value = format!("{:.1}", bytes as f64 / factor as f64);
            let value = value.strip_suffix(".0").unwrap_or(&value).to_string();
            return Text {
                ru: format!("{} {ru}", value.replace('.', ",")),
                en: format!("{value} {en}"),
            };
        }
    }
    Text {
        ru: format!("{bytes} Б"),
        en: format!("{bytes} B"),
    }
}

/// `n` leads: «1 лид», «3 лида», «5 лидов»; «1 lead», «3 leads».
pub fn leads(n: u64) -> Text {
    counted(n, ["лид", "лида", "лидов"], "lead")
}

/// `n` refused inputs: «1 отклонённый файл», «2 отклонённых файла», «5 отклонённых файлов».
pub fn refused_inputs(n: u64) -> Text {
    let ru = match russian_form(n) {
        0 => "отклонённый файл",
        1 => "отклонённых файла",
        _ => "отклонённых файлов",
    };
    Text {
        ru: format!("{n} {ru}"),
        en: if n == 1 {
            "1 refused input".to_string()
        } else {
            format!("{n} refused inputs")
        },
    }
}

fn counted(n: u64, ru: [&str; 3], en: &str) -> Text {
    Text {
        ru: format!("{n} {}", ru[russian_form(n)]),
        en: if n == 1 {
            format!("1 {en}")
        } else {
            format!("{n} {en}s")
        },
    }
}

/// Which of the three Russian forms follows `n`: 1 (лид), 2–4 (лида), 5–20 and 0 (лидов).
fn russian_form(n: u64) -> usize {
    match (n % 10, n % 100) {
        (_, 11..=14) => 2,
        (1, _) => 0,
        (2..=4, _) => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_sizes_and_counts_read_as_people_say_them() {
        let cases = [
            (5, "5 с", "5 s"),
            (60, "1 мин", "1 min"),
            (3600, "1 ч", "1 h"),
            (3 * 3600 + 5 * 60 + 9, "3 ч 5 мин", "3 h 5 min"),
            (2 * 86400 + 4 * 3600 + 60, "2 дн. 4 ч", "2 d 4 h"),
        ];
        for (seconds, ru, en) in cases {
            let said = span(Duration::from_secs(seconds));
            assert_eq!((said.ru.as_str(), said.en.as_str()), (ru, en), "{seconds}");
        }
        assert_eq!(size(1 << 30).en, "1 GiB");
        assert_eq!(size(3_435_973_837).ru, "3,2 ГБ");
        assert_eq!(size(512).en, "512 B");
        let forms: Vec<String> = [1, 2, 5, 11, 21, 22, 112]
            .into_iter()
            .map(|n| leads(n).ru)
            .collect();
        assert_eq!(
            forms,
            [
                "1 лид",
                "2 лида",
                "5 лидов",
                "11 лидов",
                "21 лид",
                "22 лида",
                "112 лидов"
            ]
        );
        assert_eq!(leads(1).en, "1 lead");
        assert_eq!(refused_inputs(3).ru, "3 отклонённых файла");
    }
}
