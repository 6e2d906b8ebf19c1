//! HTTP Basic Authentication, for the webhook (`serve`) and for 1C's «Обмен с сайтом» (`site`):
//! the configured user and password, and the check
//! of a request's `Authorization` header in constant time, so the answer's timing does not tell
//! an attacker how much of a guess was right.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

/// Credentials that would accept or refuse every request.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("the user name is empty")]
    EmptyUser,
    #[error("the user name {0:?} contains `:`, which Basic Authentication cannot carry")]
    ColonInUser(String),
    #[error("the password is empty")]
    EmptyPassword,
}

/// The user and password Bachata is told to send. The password never appears in `Debug`.
#[derive(Clone)]
pub struct Credentials {
    user: String,
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .finish()
    }
}

impl Credentials {
    /// Refuses an empty user or password (and a `:` in the user, which Basic cannot carry),
    /// because such a setting would silently accept or reject every request.
    pub fn new(user: &str, password: &str) -> Result<Credentials, CredentialsError> {
        if user.is_empty() {
            return Err(CredentialsError::EmptyUser);
        }
        if user.contains(':') {
            return Err(CredentialsError::ColonInUser(user.to_string()));
        }
        if password.is_empty() {
            return Err(CredentialsError::EmptyPassword);
        }
        Ok(Credentials {
            user: user.to_string(),
            password: password.to_string(),
        })
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// The `Authorization` header value that carries these credentials (for `doctor`, which
    /// logs in as 1C does).
    pub fn basic_header(&self) -> String {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.user, self.password))
        )
    }

    /// Whether an `Authorization` header value carries these credentials.
    pub fn accepts(&self, header: Option<&[u8]>) -> bool {
        let Some((user, password)) = header.and_then(decode_basic) else {
            return false;
        };
        // Both halves are compared every time (`&`, not `&&`), so the timing does not tell
        // whether the user name was right.
        let user_ok = constant_time_eq(&user, self.user.as_bytes());
        let password_ok = constant_time_eq(&password, self.password.as_bytes());
        (user_ok & password_ok).into()
    }
}

/// `Basic base64(user:password)` → (user, password) as bytes; `None` for anything else.
fn decode_basic(header: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let header = std::str::from_utf8(header).ok()?.trim();
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some((decoded[..colon].to_vec(), decoded[colon + 1..].to_vec()))
}

/// Equality whose time depends only on the longer length, not on where the bytes differ.
fn constant_time_eq(received: &[u8], expected: &[u8]) -> subtle::Choice {
    let n = received.len().max(expected.len());
    let mut a = vec![0u8; n];
    let mut b = vec![0u8; n];
    a[..received.len()].copy_from_slice(received);
    b[..expected.len()].copy_from_slice(expected);
    a.ct_eq(&b) & (received.len() as u64).ct_eq(&(expected.len() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(user_password: &str) -> Vec<u8> {
        format!("Basic {}", STANDARD.encode(user_password)).into_bytes()
    }

    #[test]
    fn accepts_only_the_exact_user_and_password() {
        let c = Credentials::new("bachata", "s3cret:with colon").unwrap();
        assert!(c.accepts(Some(&header("bachata:s3cret:with colon"))));
        assert!(c.accepts(Some(b"basic YmFjaGF0YTpzM2NyZXQ6d2l0aCBjb2xvbg==")));
        for wrong in [
            "bachata:s3cret",
            "bachata:s3cret:with colonX",
            "Bachata:s3cret:with colon",
            "bachata",
            ":s3cret:with colon",
        ] {
            assert!(!c.accepts(Some(&header(wrong))), "{wrong}");
        }
        assert!(!c.accepts(None));
        assert!(!c.accepts(Some(b"Bearer abc")));
        assert!(!c.accepts(Some(b"Basic not-base64!")));
        assert!(!c.accepts(Some(b"Basic")));
        assert!(c.accepts(Some(c.basic_header().as_bytes())));
    }

    #[test]
    fn empty_or_unusable_settings_are_refused() {
        assert!(Credentials::new("", "x").is_err());
        assert!(Credentials::new("a:b", "x").is_err());
        assert!(Credentials::new("a", "").is_err());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let c = Credentials::new("bachata", "topsecret").unwrap();
        assert!(!format!("{c:?}").contains("topsecret"));
    }
}
