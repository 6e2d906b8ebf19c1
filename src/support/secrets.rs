//! The config as a support bundle shows it: as the dealer wrote it, comments and all, with
//! whatever looks like a secret masked. bachata1c reads passwords from variables and files
//! only, so a config holds none of its own; but a key named like a password or a token, a
//! Telegram bot token in an alert command, or a password inside a URL is masked anyway. The
//! names of the variables and the paths of the files stay: they are what support checks.
//!
//! Also the passwords themselves, from the variables and files the config names, so that the
//! bundle's other texts can be searched for them ([`super::redact`]).

use std::path::Path;

use regex::{Captures, Regex};

use crate::password::PasswordSource;

/// What a masked value is replaced with.
pub const MASKED: &str = "\"(masked)\"";

/// `text` with the values of secret-looking keys, bot tokens and URL passwords masked.
pub fn masked_config(text: &str) -> String {
    let key = Regex::new(
        r#"(?i)\b([a-z0-9_.\-]*(?:password|passwd|secret|token|api_?key)[a-z0-9_\-]*)(\s*=\s*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^,}\s#]+)"#,
    )
    .expect("a valid pattern");
    let masked = key.replace_all(text, |caps: &Captures| {
        let name = caps[1].to_ascii_lowercase();
        // A variable's name and a file's path are not the secret.
        if name.ends_with("_env") || name.ends_with("_file") {
            caps[0].to_string()
        } else {
            format!("{}{}{MASKED}", &caps[1], &caps[2])
        }
    });
    let bot_token = Regex::new(r"\b\d{6,12}:[A-Za-z0-9_\-]{30,}").expect("a valid pattern");
    let masked = bot_token.replace_all(&masked, "(masked token)");
    let url_password =
        Regex::new(r"([a-z][a-z0-9+.\-]*://[^/\s:@]+:)[^@\s/]+@").expect("a valid pattern");
    url_password
        .replace_all(&masked, "${1}(masked)@")
        .into_owned()
}

/// The passwords the config points at, as far as this process can read them: the value of
/// every `*password_env` variable and the first line of every `*password_file` (relative to
/// the config's folder), in any table.
pub fn passwords(config_text: &str, config_dir: &Path) -> Vec<String> {
    let Ok(value) = config_text
        .trim_start_matches('\u{FEFF}')
        .parse::<toml::Table>()
    else {
        return Vec::new();
    };
    let mut found = Vec::new();
    walk(&value, &mut |key, value| {
        let Some(text) = value.as_str() else {
            return;
        };
        // Read as serve and the alert mail read them, so that the bundle hides what they use.
        let source = if key.ends_with("password_env") {
            PasswordSource::Env {
                var: text.to_string(),
                origin: "the config",
            }
        } else if key.ends_with("password_file") {
            PasswordSource::File(config_dir.join(text))
        } else {
            return;
        };
        found.extend(source.read().ok());
    });
    found.retain(|password| !password.is_empty());
    found
}

fn walk(table: &toml::Table, visit: &mut impl FnMut(&str, &toml::Value)) {
    for (key, value) in table {
        match value {
            toml::Value::Table(inner) => walk(inner, visit),
            other => visit(key, other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_tokens_and_url_passwords_are_masked_and_names_and_paths_stay() {
        let text = "\
[serve]
user = \"bachata\"
password_env = \"BACHATA1C_PASSWORD\"
password_file = \"password.txt\"
# password = \"old-secret\"
[alerts]
command = \"/usr/local/bin/tg 123456789:AAH-0123456789abcdefghijklmnopqrstu chat\"
token = 'abc'
smtp = { url = \"smtp://mail:pa55@example.ru\", api_key = 42 }
";
        let masked = masked_config(text);
        for gone in ["old-secret", "AAH-0123456789", "'abc'", "pa55", "42"] {
            assert!(!masked.contains(gone), "{gone}:\n{masked}");
        }
        for kept in [
            "user = \"bachata\"",
            "password_env = \"BACHATA1C_PASSWORD\"",
            "password_file = \"password.txt\"",
            "# password = \"(masked)\"",
            "smtp://mail:(masked)@example.ru",
        ] {
            assert!(masked.contains(kept), "{kept}:\n{masked}");
        }
    }

    #[test]
    fn the_passwords_the_config_points_at_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pw.txt"),
            "\u{FEFF}из-файла\r\nsecond line\n",
        )
        .unwrap();
        let text = "[serve]\npassword_file = \"pw.txt\"\n[site_exchange]\npassword_env = \"BACHATA1C_NO_SUCH_VARIABLE_HERE\"\n";
        assert_eq!(passwords(text, dir.path()), vec!["из-файла".to_string()]);
    }
}
