//! The TOML configuration file: folders, output, qualifying rules, watch settings, the
//! per-dealer mapping and the HTTP receiver. Every section is optional; command-line options
//! override what the file says. Unknown keys are errors that name the key, because a typo in
//! a config that is silently ignored loses leads.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::format::{CmlVersion, Format, Mapping, TextEncoding};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub output: OutputConfig,
    pub rules: RulesConfig,
    pub mapping: Mapping,
    // The sections below are filled in by the feature that owns them (the exchange folder
    // and its watcher); until then they are read as plain tables.
    pub folders: Option<toml::Table>,
    pub watch: Option<toml::Table>,
    pub serve: ServeConfig,
}

/// `[output]`: how files for 1C are written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    pub format: Option<Format>,
    pub encoding: Option<TextEncoding>,
    pub csv_quote: Option<bool>,
    /// CommerceML schema version, "2.10" (default) or "2.08".
    pub cml_version: Option<CmlVersion>,
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

/// `[serve]`: the HTTP endpoint Bachata posts to (`bachata1c serve`). Relative file paths are
/// taken from the config file's folder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// Address and port to listen on, such as `127.0.0.1:8080` or `0.0.0.0:8443`.
    pub listen: Option<std::net::SocketAddr>,
    /// The URL path Bachata posts to; default `/webhook`.
    pub path: Option<String>,
    /// Largest accepted body in bytes; default 1 MiB.
    pub body_limit: Option<usize>,
    /// Basic Authentication user; the password comes from `password_env` or `password_file`.
    pub user: Option<String>,
    /// Name of the environment variable holding the password.
    pub password_env: Option<String>,
    /// File whose first line is the password.
    pub password_file: Option<PathBuf>,
    /// PEM certificate chain and private key: serve HTTPS directly.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Seconds a client may take to send the request head (also the idle keep-alive limit).
    pub header_timeout_secs: Option<u64>,
    /// Seconds a client may take to send the body.
    pub body_timeout_secs: Option<u64>,
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
        config.mapping.validate()?;
        Ok(config)
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
    fn the_example_config_in_the_1c_import_guide_is_valid() {
        let guide = include_str!("../docs/1c-import.md");
        let example = guide
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("a toml block in docs/1c-import.md");
        let config = Config::parse(example).unwrap();
        assert_eq!(config.output.format, Some(Format::Commerceml));
        let columns = config.mapping.csv.columns();
        assert_eq!(columns[2].1, "Мобильный телефон");
        assert_eq!(
            config.mapping.enterprisedata.organisation.as_deref(),
            Some("ООО «Автодилер»")
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let err = Config::parse("[output]\nformt = \"xml\"\n").unwrap_err();
        assert!(err.contains("formt"), "{err}");
        let err = Config::parse("[output]\nencoding = \"koi8\"\n").unwrap_err();
        assert!(err.contains("koi8") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn the_serve_section_is_typed_and_strict() {
        let c = Config::parse(
            "[serve]\nlisten = \"0.0.0.0:8443\"\nuser = \"bachata\"\npassword_env = \"HOOK_PASSWORD\"\nbody_limit = 2048\n",
        )
        .unwrap();
        assert_eq!(c.serve.listen, Some("0.0.0.0:8443".parse().unwrap()));
        assert_eq!(c.serve.body_limit, Some(2048));
        let err = Config::parse("[serve]\npassword = \"x\"\n").unwrap_err();
        assert!(err.contains("password"), "{err}");
        let err = Config::parse("[serve]\nlisten = \"localhost\"\n").unwrap_err();
        assert!(err.contains("listen") || err.contains("line 2"), "{err}");
    }
}
