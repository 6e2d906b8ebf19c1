//! Russian full names split into surname, first name and patronymic, only when recognisably so.

use super::FullName;

/// Splits «Фамилия Имя Отчество» (or «Имя Отчество Фамилия», «Имя Отчество») when the name is
/// recognisably a Russian full name: Cyrillic words and a patronymic ending. Anything else is
/// left whole in `name`, because guessing wrong would misfile a surname.
pub fn split_full_name(name: &str) -> Option<FullName> {
    let words: Vec<&str> = name.split_whitespace().collect();
    if !words.iter().all(|w| is_cyrillic_word(w)) {
        return None;
    }
    let full = |surname: &str, first: &str, patronymic: String| {
        Some(FullName {
            surname: surname.to_string(),
            first_name: first.to_string(),
            patronymic,
        })
    };
    match words.as_slice() {
        [s, f, p] if is_patronymic(p) => full(s, f, p.to_string()),
        [f, p, s] if is_patronymic(p) => full(s, f, p.to_string()),
        [f, p] if is_patronymic(p) => full("", f, p.to_string()),
        // «Алиев Рашид Ахмед оглы»: Turkic patronymics are two words.
        [s, f, p, suffix] if is_turkic_suffix(suffix) => full(s, f, format!("{p} {suffix}")),
        _ => None,
    }
}

fn is_cyrillic_word(word: &str) -> bool {
    word.chars()
        .all(|c| c == '-' || matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
}

fn is_patronymic(word: &str) -> bool {
    // Compared from the end, letter by letter in lower case: no lower-case copy of each word.
    let ends_with = |ending: &str| {
        let mut tail = word.chars().rev().flat_map(char::to_lowercase);
        ending
            .chars()
            .rev()
            .all(|letter| tail.next() == Some(letter))
    };
    word.chars().count() > 4 && ["ич", "овна", "евна", "ична"].into_iter().any(ends_with)
}

fn is_turkic_suffix(word: &str) -> bool {
    matches!(word.to_lowercase().as_str(), "оглы" | "кызы")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_names_are_split_only_when_recognisably_russian() {
        let n = split_full_name("Иванов Иван Иванович").unwrap();
        assert_eq!(
            (
                n.surname.as_str(),
                n.first_name.as_str(),
                n.patronymic.as_str()
            ),
            ("Иванов", "Иван", "Иванович")
        );
        let n = split_full_name("Анна Сергеевна Петрова").unwrap();
        assert_eq!(
            (n.surname.as_str(), n.first_name.as_str()),
            ("Петрова", "Анна")
        );
        let n = split_full_name("Алёна Ильинична").unwrap();
        assert_eq!(
            (n.surname.as_str(), n.patronymic.as_str()),
            ("", "Ильинична")
        );
        let n = split_full_name("Алиев Рашид Ахмед оглы").unwrap();
        assert_eq!(n.patronymic, "Ахмед оглы");
        // Typed in capitals, and the short words that merely end like a patronymic.
        let n = split_full_name("ПЕТРОВ ПЁТР ИЛЬИЧ").unwrap();
        assert_eq!(n.patronymic, "ИЛЬИЧ");
        for name in [
            "Анна Вич",
            "Анна Ична",
            "Yvan",
            "Иван",
            "Иванов Иван",
            "John Smith Jr",
            "Иван Петров Сидоров",
            "",
        ] {
            assert_eq!(split_full_name(name), None, "{name}");
        }
    }
}
