//! Where a password comes from: an environment variable or the first line of a file, never the
//! command line or the config text itself (both end up in process lists, shell histories and
//! support bundles). Serve's logins and the alert mail's login read theirs here.

use std::path::PathBuf;

/// The variable or the file that holds a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// The variable's name, and the option or key that gave it.
    Env {
        var: String,
        origin: &'static str,
    },
    File(PathBuf),
}

/// A password that cannot be read, naming the variable or the file.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("cannot read the password from the environment variable {var} ({origin}): {source}")]
    Variable {
        var: String,
        origin: &'static str,
        source: std::env::VarError,
    },
    #[error("cannot read the password file {}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl PasswordSource {
    pub fn read(&self) -> Result<String, PasswordError> {
        match self {
            PasswordSource::Env { var, origin } => {
                std::env::var(var).map_err(|source| PasswordError::Variable {
                    var: var.clone(),
                    origin,
                    source,
                })
            }
            PasswordSource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| PasswordError::File {
                    path: path.clone(),
                    source,
                })?;
                // The first line, as `echo secret > file` or Notepad (BOM, CRLF) leave it.
                let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
                Ok(text.lines().next().unwrap_or("").to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_file_gives_its_first_line_without_bom_or_crlf() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("password.txt");
        std::fs::write(&path, "\u{FEFF}s3cret\r\nsecond line\r\n").unwrap();
        assert_eq!(PasswordSource::File(path).read().unwrap(), "s3cret");
        let missing = dir.path().join("missing.txt");
        let err = PasswordSource::File(missing.clone()).read().unwrap_err();
        assert!(
            err.to_string().contains(&missing.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn an_unset_variable_is_named() {
        let var = "BACHATA1C_TEST_PASSWORD_NEVER_SET";
        let err = PasswordSource::Env {
            var: var.to_string(),
            origin: "--password-env",
        }
        .read()
        .unwrap_err();
        assert!(err.to_string().contains(var), "{err}");
        assert!(err.to_string().contains("--password-env"), "{err}");
    }
}
