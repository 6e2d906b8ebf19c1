//! Logins of 1C's client: a random token per `checkauth`, sent back by 1C as a cookie on every
//! later request of its session. A session remembers its last query (so that `success`
//! confirms exactly what that query offered) and the files 1C uploads (on disk: see
//! [`super::uploads`]; a session's go with it). Sessions live in memory: after a restart 1C's
//! next exchange logs in again, and nothing is lost, because a query not confirmed is offered
//! again.
//!
//! Sessions are bounded per login, and an open exchange (a query not confirmed yet, an upload
//! not whole yet) is never pushed out by a new login: when a login has [`MAX_SESSIONS_PER_LOGIN`]
//! sessions, its idlest session without an open exchange goes, and when every one has an open
//! exchange the new login is refused.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Failure;
use super::uploads::{Part, Upload, Uploads};
use crate::lock::lock;

/// At most this many sessions per login. 1C opens up to three per scheduled exchange (the
/// connection test, the orders, the upload of statuses), so this is hours of exchanges every
/// few minutes, each ended by its `success` long before.
pub const MAX_SESSIONS_PER_LOGIN: usize = 100;

impl State {
    /// Whether an exchange is under way: a query not confirmed yet, or a file not whole yet.
    fn exchange_open(&self) -> bool {
        self.offer.is_some()
            || self
                .uploads
                .values()
                .any(|received| matches!(received, Received::Partly(_)))
    }
}

/// A session's token, as the cookie carries it.
#[derive(Debug, Clone)]
pub struct Session(String);

#[derive(Debug)]
struct State {
    /// The user it logged in as (empty when no login is asked for).
    login: String,
    last_seen: Instant,
    /// The token of the last query that offered leads, until `success` takes it.
    offer: Option<String>,
    /// Files uploaded in parts, by name.
    uploads: HashMap<String, Received>,
    /// Bytes uploaded in this session so far.
    sent: Arc<AtomicU64>,
}

/// Where a file 1C uploads under one name stands.
#[derive(Debug, Clone)]
pub enum Received {
    /// Parts came; more may come.
    Partly(Arc<Upload>),
    /// Read whole, and taken.
    Read,
    /// Read whole, and refused for this reason.
    Refused(Failure),
}

#[derive(Debug)]
pub struct Sessions {
    timeout: Duration,
    open: Mutex<HashMap<String, State>>,
}

/// 32 hexadecimal digits from the system's random source: nothing else in a cookie value
/// (1C pastes it raw into a header).
pub fn new_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Sessions {
    pub fn new(timeout: Duration) -> Sessions {
        Sessions {
            timeout,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// A new session of `login`; returns its token. When the login has its full count of
    /// sessions, its idlest one without an open exchange makes room; when none can, the new
    /// login is refused with the reason.
    pub fn open(&self, login: &str) -> Result<String, Failure> {
        let mut open = lock(&self.open);
        open.retain(|_, state| state.last_seen.elapsed() < self.timeout);
        let of_login = open.values().filter(|state| state.login == login).count();
        if of_login >= MAX_SESSIONS_PER_LOGIN {
            let idlest = open
                .iter()
                .filter(|(_, state)| state.login == login && !state.exchange_open())
                .min_by_key(|(_, state)| state.last_seen)
                .map(|(token, _)| token.clone());
            let Some(idlest) = idlest else {
                return Err(format!(
                    "{of_login} exchanges of this login are open (a query not confirmed yet, or an \
                     upload); try again when one ends, at the latest after {} idle minutes",
                    self.timeout.as_secs().div_ceil(60)
                ));
            };
            open.remove(&idlest);
        }
        let token = new_token();
        open.insert(
            token.clone(),
            State {
                login: login.to_string(),
                last_seen: Instant::now(),
                offer: None,
                uploads: HashMap::new(),
                sent: Arc::new(AtomicU64::new(0)),
            },
        );
        Ok(token)
    }

    /// The live session a `Cookie` header names, if any (its idle time starts again).
    pub fn find(&self, cookie: &str) -> Option<Session> {
        let token = cookie.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == super::COOKIE).then(|| value.trim().to_string())
        })?;
        let mut open = lock(&self.open);
        let state = open.get_mut(&token)?;
        if state.last_seen.elapsed() >= self.timeout {
            open.remove(&token);
            return None;
        }
        state.last_seen = Instant::now();
        Some(Session(token))
    }

    pub fn set_offer(&self, session: &Session, offer: Option<String>) {
        if let Some(state) = lock(&self.open).get_mut(&session.0) {
            state.offer = offer;
        }
    }

    pub fn take_offer(&self, session: &Session) -> Option<String> {
        lock(&self.open).get_mut(&session.0)?.offer.take()
    }

    /// The session's last query not confirmed yet, if any.
    pub fn offer(&self, session: &Session) -> Option<String> {
        lock(&self.open).get(&session.0)?.offer.clone()
    }

    /// A part of the file `name` to receive: appended to its earlier parts. A file read before
    /// starts anew (1C sends a new name per upload; this is a repeat).
    pub fn receive(
        &self,
        session: &Session,
        name: &str,
        uploads: &Uploads,
    ) -> Result<Part, Failure> {
        let mut open = lock(&self.open);
        let state = open.get_mut(&session.0).ok_or("the session has ended")?;
        let upload = match state.uploads.get(name) {
            Some(Received::Partly(upload)) => upload.clone(),
            _ => {
                let upload = uploads.create().map_err(|err| {
                    format!(
                        "the upload cannot be written into {}: {err}",
                        uploads.folder().display()
                    )
                })?;
                state
                    .uploads
                    .insert(name.to_string(), Received::Partly(upload.clone()));
                upload
            }
        };
        Part::new(upload, state.sent.clone())
            .map_err(|err| format!("the upload cannot be written: {err}"))
    }

    /// Where the file `name` stands; `None` when nothing came under that name.
    pub fn upload(&self, session: &Session, name: &str) -> Option<Received> {
        lock(&self.open).get(&session.0)?.uploads.get(name).cloned()
    }

    /// The file `name` was read whole: taken, or refused for a reason. Its parts are removed;
    /// a later `import` gets the same answer.
    pub fn close_upload(&self, session: &Session, name: &str, refused: Option<Failure>) {
        if let Some(state) = lock(&self.open).get_mut(&session.0) {
            let closed = refused.map_or(Received::Read, Received::Refused);
            state.uploads.insert(name.to_string(), closed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_by_its_cookie_until_it_expires() {
        let sessions = Sessions::new(Duration::from_millis(50));
        let token = sessions.open("1c").unwrap();
        assert_eq!(token.len(), 32);
        assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
        let cookie = format!("other=1; {}={token}", super::super::COOKIE);
        let session = sessions.find(&cookie).unwrap();
        sessions.set_offer(&session, Some("q1".into()));
        assert_eq!(sessions.take_offer(&session).as_deref(), Some("q1"));
        assert_eq!(sessions.take_offer(&session), None);
        assert!(sessions.find("bachata1c_session=unknown").is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(sessions.find(&cookie).is_none());
    }

    #[test]
    fn a_sessions_uploads_go_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::new(dir.path().to_path_buf());
        let sessions = Sessions::new(Duration::from_millis(50));
        let session = sessions
            .find(&format!(
                "bachata1c_session={}",
                sessions.open("1c").unwrap()
            ))
            .unwrap();
        let mut part = sessions.receive(&session, "a.xml", &uploads).unwrap();
        part.write(b"<a").unwrap();
        part.finish();
        let mut part = sessions.receive(&session, "a.xml", &uploads).unwrap();
        part.write(b"/>").unwrap();
        let (upload, _) = part.finish();
        assert_eq!(std::fs::read(upload.path()).unwrap(), b"<a/>");
        let path = upload.path().to_path_buf();
        drop(upload);
        sessions.close_upload(&session, "a.xml", Some("bad".into()));
        assert!(matches!(
            sessions.upload(&session, "a.xml"),
            Some(Received::Refused(reason)) if reason == "bad"
        ));
        assert!(!path.exists(), "removed once read");
        // A session that ends takes its unfinished uploads with it.
        let mut part = sessions.receive(&session, "b.xml", &uploads).unwrap();
        part.write(b"<b>").unwrap();
        let (upload, _) = part.finish();
        let path = upload.path().to_path_buf();
        drop(upload);
        std::thread::sleep(Duration::from_millis(60));
        sessions.open("1c").unwrap();
        assert!(!path.exists());
        assert_eq!(uploads.held(), 0);
    }

    #[test]
    fn a_login_full_of_sessions_pushes_out_an_idle_one_never_an_open_exchange() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let cookie = |token: &str| format!("bachata1c_session={token}");
        let first = sessions.open("1c").unwrap();
        let session = sessions.find(&cookie(&first)).unwrap();
        sessions.set_offer(&session, Some("q1".into()));
        let mut idle = Vec::new();
        for _ in 1..MAX_SESSIONS_PER_LOGIN {
            idle.push(sessions.open("1c").unwrap());
        }
        // Full: the idlest without an open exchange goes, not the first.
        idle.push(sessions.open("1c").unwrap());
        assert!(sessions.find(&cookie(&idle[0])).is_none());
        assert!(sessions.find(&cookie(&first)).is_some());
        // Another login has its own room.
        sessions.open("other").unwrap();
        // Every session of the login with an open exchange: the new login is refused.
        for token in &idle[1..] {
            let session = sessions.find(&cookie(token)).unwrap();
            sessions.set_offer(&session, Some(token.clone()));
        }
        let refused = sessions.open("1c").unwrap_err();
        assert!(
            refused.contains("exchanges of this login are open"),
            "{refused}"
        );
        assert!(sessions.find(&cookie(&first)).is_some());
        // One confirmed: its session may go now.
        let session = sessions.find(&cookie(&idle[1])).unwrap();
        sessions.take_offer(&session);
        sessions.open("1c").unwrap();
        assert!(sessions.find(&cookie(&idle[1])).is_none());
    }
}
