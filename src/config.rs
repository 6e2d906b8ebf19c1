//! The TOML configuration file: folders, output, qualifying rules, watch settings, the
//! per-dealer mapping and the HTTP receiver. Every section is optional; command-line options
//! override what the file says. Unknown keys are errors that name the key, because a typo in
//! a config that is silently ignored loses leads.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::format::{Format, TextEncoding};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub output: OutputConfig,
    pub rules: RulesConfig,
    pub folders: FoldersConfig,
    pub watch: WatchConfig,
    // The sections below are filled in by the features that own them (mapping, HTTP
    // receiver); until then they are read as plain tables.
    pub mapping: Option<toml::Table>,
    pub serve: Option<toml::Table>,
}

/// `[output]`: how files for 1C are written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    pub format: Option<Format>,
    pub encoding: Option<TextEncoding>,
    pub csv_quote: Option<bool>,
    /// Event name for webhooks that do not name their event.
    pub event: Option<String>,
}

/// `[rules]`: which clients are exported.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    pub require_phone: Option<bool>,
    pub require_valid_phone: Option<bool>,
    pub require_email: Option<bool>,
    pub allowed_events: Option<Vec<String>>,
}

/// `[folders]`: the exchange folder and, where they live elsewhere, its parts. Relative paths
/// are taken from the config file's folder (`dir`) and from `dir` (the others).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FoldersConfig {
    pub dir: Option<PathBuf>,
    pub inbox: Option<PathBuf>,
    pub outbox: Option<PathBuf>,
    pub archive: Option<PathBuf>,
    pub failed: Option<PathBuf>,
    pub state: Option<PathBuf>,
}

/// `[watch]`: when an inbox file counts as complete, and how `watch` looks for new files.
/// The readiness settings apply to `run` too.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchConfig {
    /// A file must keep its size and time this long before it is taken.
    pub settle_seconds: Option<f64>,
    /// A file that stays unparseable and unchanged this long goes to failed/.
    pub give_up_after_seconds: Option<f64>,
    /// `watch` scans the inbox at least this often, whatever the events say.
    pub rescan_seconds: Option<f64>,
    /// Poll instead of waiting for events (network shares send none).
    pub poll: Option<bool>,
    /// A claim whose worker has not renewed it for this long is taken back.
    pub lease_seconds: Option<f64>,
}

/// A config file that cannot be used, with the file and (from toml) the line and key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config {}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses config text; the error names the line, the key and the reason.
    pub fn parse(text: &str) -> Result<Config, String> {
        // A UTF-8 BOM, as Windows Notepad writes, is not TOML.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let config: Config =
            toml::from_str(text).map_err(|err| err.to_string().trim_end().to_string())?;
        config.watch.check()?;
        Ok(config)
    }
}

impl WatchConfig {
    /// Durations must be finite and not negative; the error names the key.
    fn check(&self) -> Result<(), String> {
        let keys = [
            ("settle_seconds", self.settle_seconds),
            ("give_up_after_seconds", self.give_up_after_seconds),
            ("rescan_seconds", self.rescan_seconds),
            ("lease_seconds", self.lease_seconds),
        ];
        for (key, value) in keys {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(format!(
                    "[watch] {key} = {v}: a number of seconds, 0 or more, is expected"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_config_is_valid_and_crlf_is_fine() {
        Config::parse("").unwrap();
        let c = Config::parse("[output]\r\nformat = \"xml\"\r\nencoding = \"utf-8\"\r\n").unwrap();
        assert_eq!(c.output.format, Some(Format::Xml));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let err = Config::parse("[output]\nformt = \"xml\"\n").unwrap_err();
        assert!(err.contains("formt"), "{err}");
        let err = Config::parse("[output]\nencoding = \"koi8\"\n").unwrap_err();
        assert!(err.contains("koi8") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn folders_and_watch_sections_are_typed() {
        let c =
            Config::parse("[folders]\ndir = \"x\"\n[watch]\nsettle_seconds = 0.5\npoll = true\n")
                .unwrap();
        assert_eq!(c.folders.dir, Some(PathBuf::from("x")));
        assert_eq!(c.watch.settle_seconds, Some(0.5));
        let err = Config::parse("[folders]\ninbx = \"in\"\n").unwrap_err();
        assert!(err.contains("inbx"), "{err}");
        let err = Config::parse("[watch]\nsettle_seconds = -1\n").unwrap_err();
        assert!(err.contains("settle_seconds"), "{err}");
        let err = Config::parse("[watch]\npoll = \"yes\"\n").unwrap_err();
        assert!(err.contains("poll"), "{err}");
    }
}
