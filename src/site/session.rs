//! Logins of 1C's client: a random token per `checkauth`, sent back by 1C as a cookie on every
//! later request of its session. A session remembers its last query (so that `success`
//! confirms exactly what that query offered) and the parts of files 1C uploads. Sessions live
//! in memory: after a restart 1C's next exchange logs in again, and nothing is lost, because a
//! query not confirmed is offered again.
//!
//! Sessions are bounded per login, and an open exchange (a query not confirmed yet, an upload
//! not whole yet) is never pushed out by a new login: when a login has [`MAX_SESSIONS_PER_LOGIN`]
//! sessions, its idlest session without an open exchange goes, and when every one has an open
//! exchange the new login is refused.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most this many sessions per login. 1C opens up to three per scheduled exchange (the
/// connection test, the orders, the upload of statuses), so this is hours of exchanges every
/// few minutes, each ended by its `success` long before.
pub const MAX_SESSIONS_PER_LOGIN: usize = 100;

impl State {
    /// Whether an exchange is under way: a query not confirmed yet, or a file not whole yet.
    fn exchange_open(&self) -> bool {
        self.offer.is_some() || self.uploads.values().any(Option::is_some)
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
    /// Files uploaded in parts, by name; `None` once a file was read whole.
    uploads: HashMap<String, Option<Vec<u8>>>,
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, State>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new session of `login`; returns its token. When the login has its full count of
    /// sessions, its idlest one without an open exchange makes room; when none can, the new
    /// login is refused with the reason.
    pub fn open(&self, login: &str) -> Result<String, String> {
        let mut open = self.lock();
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
        let mut open = self.lock();
        let state = open.get_mut(&token)?;
        if state.last_seen.elapsed() >= self.timeout {
            open.remove(&token);
            return None;
        }
        state.last_seen = Instant::now();
        Some(Session(token))
    }

    pub fn set_offer(&self, session: &Session, offer: Option<String>) {
        if let Some(state) = self.lock().get_mut(&session.0) {
            state.offer = offer;
        }
    }

    pub fn take_offer(&self, session: &Session) -> Option<String> {
        self.lock().get_mut(&session.0)?.offer.take()
    }

    /// The session's last query not confirmed yet, if any.
    pub fn offer(&self, session: &Session) -> Option<String> {
        self.lock().get(&session.0)?.offer.clone()
    }

    /// Appends a part to the file `name`; returns the whole so far. A file read whole before
    /// starts anew (1C sends a new name per upload; this is a repeat).
    pub fn append_upload(
        &self,
        session: &Session,
        name: &str,
        part: &[u8],
        limit: usize,
    ) -> Result<Vec<u8>, String> {
        let mut open = self.lock();
        let state = open.get_mut(&session.0).ok_or("the session has ended")?;
        let file = state.uploads.entry(name.to_string()).or_insert(None);
        let whole = file.get_or_insert_with(Vec::new);
        if whole.len() + part.len() > limit {
            state.uploads.remove(name);
            return Err(format!(
                "{name} is larger than {} bytes, more than any report on leads",
                limit
            ));
        }
        whole.extend_from_slice(part);
        Ok(whole.clone())
    }

    /// A file uploaded but not read whole yet; `None` when it was read (or never came).
    pub fn upload(&self, session: &Session, name: &str) -> Option<Vec<u8>> {
        self.lock()
            .get(&session.0)?
            .uploads
            .get(name)
            .cloned()
            .flatten()
    }

    /// Marks the file `name` as read: its parts are dropped, a later `import` has nothing to do.
    pub fn finish_upload(&self, session: &Session, name: &str) {
        if let Some(state) = self.lock().get_mut(&session.0) {
            state.uploads.insert(name.to_string(), None);
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
    fn uploads_are_joined_part_by_part_and_bounded() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let session = sessions
            .find(&format!(
                "bachata1c_session={}",
                sessions.open("1c").unwrap()
            ))
            .unwrap();
        assert_eq!(
            sessions
                .append_upload(&session, "a.xml", b"<a", 10)
                .unwrap(),
            b"<a"
        );
        assert_eq!(
            sessions
                .append_upload(&session, "a.xml", b"/>", 10)
                .unwrap(),
            b"<a/>"
        );
        assert_eq!(sessions.upload(&session, "a.xml").unwrap(), b"<a/>");
        sessions.finish_upload(&session, "a.xml");
        assert_eq!(sessions.upload(&session, "a.xml"), None);
        assert!(
            sessions
                .append_upload(&session, "b.xml", &[b' '; 11], 10)
                .is_err()
        );
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
