//! The shop side of 1C's «Обмен с сайтом»: 1C's own scheduled client calls `serve`, takes the
//! leads waiting in the ledger as CommerceML orders, confirms them, and sends back what it made
//! of them. The protocol, as 1C's client code speaks it, is in docs/site-exchange-protocol.md;
//! each answer below cites the rule it keeps. [`session`] holds the logins; [`uploads`] keeps
//! the files 1C uploads on disk, bounded; [`upload`] reads 1C's report of its orders.
//!
//! 1C is always the caller: `checkauth` (Basic credentials) → a session cookie; `init` → the
//! exchange parameters; `query` → the orders not confirmed yet; `success` → the last query's
//! orders are 1C's; `file` (+ `import`) → 1C's numbers, dates and statuses of those orders.
//! Every answer is text with lines split by a bare `\n`; an error is `failure\n<reason>` with
//! HTTP 200 (1C reads the body, never the status), except a refused login: 401, so that a
//! client which sends credentials only when challenged still logs in.

pub mod session;
mod settings;
pub mod upload;
pub mod uploads;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::format::commerceml::{self, Framing};
use crate::ledger::{Ledger, Reported};
use session::{Received, Session, Sessions};
use uploads::{Part, Upload, Uploads};

pub use settings::{
    BITRIX_SITE_PATH, DEFAULT_FILE_LIMIT, DEFAULT_SESSION_TIMEOUT, DEFAULT_SITE_PATH, Settings,
};

/// The cookie 1C is told to send: line 2 of the `checkauth` answer (its value is line 3).
pub const COOKIE: &str = "bachata1c_session";

/// A refused login's reason when no `Authorization` header came at all: the likely cause is a
/// proxy that drops it (`doctor` tells it from a wrong password by this; 1C shows it).
pub const NO_CREDENTIALS: &str = "no credentials came with the request: if 1C's node has a user \
     and password, a proxy in front of bachata1c drops the Authorization header";

/// A refused login's reason when credentials came and are not the ones set; it does not say
/// which part was wrong.
pub const WRONG_CREDENTIALS: &str = "wrong user or password";

/// The query parameter (`&doctor=look`) that makes `query` a read-only look, for `doctor`: the
/// answer is what 1C would get, and nothing is marked offered.
pub const DOCTOR: &str = "doctor";
pub const DOCTOR_LOOK: &str = "look";

/// A request as 1C sends it.
#[derive(Debug, Default)]
pub struct Request<'a> {
    pub query: &'a str,
    /// The `Authorization` header.
    pub authorization: Option<&'a [u8]>,
    /// The `Cookie` header.
    pub cookie: Option<&'a str>,
    pub body: Body,
}

/// What came as a request's body, read as [`Site::intake`] said.
#[derive(Debug, Default)]
pub enum Body {
    /// None, or left unread.
    #[default]
    None,
    /// Read and dropped (goods): its length.
    Dropped(u64),
    /// A part of a file 1C uploads, written into it: the file, and the part's length.
    Part(Arc<Upload>, u64),
}

/// How a POST's body is to be read, decided before any of it is.
#[derive(Debug)]
pub enum Intake {
    /// Answered at once, the body left unread: no session, or an upload past its bounds.
    Refuse(Answer),
    /// Read into this part of an upload.
    Upload(Part),
    /// Read and dropped: goods, which bachata1c does not keep.
    Drop,
    /// Left unread: the request needs no body.
    Ignore,
}

/// Why 1C is answered `failure`: the line 1C shows as is in its exchange log (and our log
/// after it). Text, not a kind: whatever went wrong, 1C is answered the same way.
pub type Failure = String;

/// What to answer, and the line for the log.
#[derive(Debug)]
pub struct Answer {
    pub kind: AnswerKind,
    pub body: Vec<u8>,
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// `text/plain`, HTTP 200.
    Lines,
    /// `application/xml` (a `query` answer), HTTP 200.
    Xml,
    /// HTTP 401 with a Basic challenge: the login was refused.
    Unauthorized,
}

impl Answer {
    fn lines(lines: &[&str], note: impl Into<String>) -> Answer {
        Answer {
            kind: AnswerKind::Lines,
            body: lines.join("\n").into_bytes(),
            note: note.into(),
        }
    }

    /// `success\n`: what 1C looks for in the first line (`СокрЛП(НРег(line1)) = "success"`).
    fn success(note: impl Into<String>) -> Answer {
        Answer::lines(&["success", ""], note)
    }

    /// `failure\n<reason>`: 1C logs the reason (УНФ shows a short one to the operator).
    fn failure(reason: &str) -> Answer {
        Answer::lines(&["failure", reason], format!("failure: {reason}"))
    }
}

/// The site exchange of one exchange folder, shared by every request.
#[derive(Debug)]
pub struct Site {
    settings: Settings,
    sessions: Sessions,
    uploads: Uploads,
    /// Opened on first use and kept; reopened after an error.
    ledger: Mutex<Option<Ledger>>,
    /// Whether the offers of an earlier `serve` were released (once, on first use).
    offers_released: AtomicBool,
}

impl Site {
    /// The site exchange, with the uploads a `serve` that stopped abruptly left removed.
    pub fn new(settings: Settings) -> Site {
        let uploads = Uploads::new(settings.uploads.clone());
        let stale = uploads.remove_stale(settings.session_timeout);
        if stale > 0 {
            crate::say!(
                "bachata1c: removed {stale} unfinished upload(s) from 1C left in {} by a serve that stopped",
                uploads.folder().display()
            );
        }
        Site {
            sessions: Sessions::new(settings.session_timeout),
            uploads,
            settings,
            ledger: Mutex::new(None),
            offers_released: AtomicBool::new(false),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether a `Cookie` header names a live session: a request in one came after a right
    /// login, so the throttle of wrong passwords leaves it alone.
    pub fn has_session(&self, cookie: Option<&str>) -> bool {
        cookie
            .and_then(|cookie| self.sessions.find(cookie))
            .is_some()
    }

    /// How the body of a POST is to be read, before any of it is: only within a session (a
    /// stranger's body is never read), a file 1C uploads into its part on disk within the
    /// bounds (`declared`: the length the request announces), goods dropped as they come.
    pub fn intake(&self, query: &str, cookie: Option<&str>, declared: Option<u64>) -> Intake {
        let params = Params::parse(query);
        let Some(session) = cookie.and_then(|cookie| self.sessions.find(cookie)) else {
            return Intake::Refuse(Answer {
                kind: AnswerKind::Lines,
                body: b"failure\nno session: log in first (checkauth)".to_vec(),
                note: format!(
                    "{}: upload without a session: refused unread",
                    params.asked()
                ),
            });
        };
        let kind = params.get("type").unwrap_or("").to_ascii_lowercase();
        let mode = params.get("mode").unwrap_or("").to_ascii_lowercase();
        let name = params.get("filename");
        match (kind.as_str(), mode.as_str(), name) {
            ("catalog", "file", _) => Intake::Drop,
            ("sale", "file", Some(name)) => {
                let refused = |reason: String| {
                    let mut answer = Answer::failure(&format!("{name}: {reason}"));
                    answer.note = format!("{}: {}", params.asked(), answer.note);
                    Intake::Refuse(answer)
                };
                match self.sessions.receive(&session, name, &self.uploads) {
                    Ok(part) => match declared.and_then(|bytes| part.refuses(bytes)) {
                        Some(reason) => refused(reason),
                        None => Intake::Upload(part),
                    },
                    Err(reason) => refused(reason),
                }
            }
            _ => Intake::Ignore,
        }
    }

    /// The answer to an upload whose body did not arrive whole, or passed its bounds.
    pub fn upload_failed(query: &str, reason: &str) -> Answer {
        let params = Params::parse(query);
        let name = params.get("filename").unwrap_or("the file");
        let mut answer = Answer::failure(&format!("{name}: {reason}"));
        answer.note = format!("{}: {}", params.asked(), answer.note);
        answer
    }

    /// Answers one request; its note, for the log, says what 1C asked and what was done. Runs
    /// on a blocking thread: it reads and writes the ledger.
    pub fn answer(&self, request: &Request) -> Answer {
        let params = Params::parse(request.query);
        let mut answer = self.answer_params(request, &params);
        answer.note = format!("{}: {}", params.asked(), answer.note);
        answer
    }

    fn answer_params(&self, request: &Request, params: &Params) -> Answer {
        let (Some(kind), Some(mode)) = (params.get("type"), params.get("mode")) else {
            return Answer::failure("a request of 1C's site exchange needs ?type=…&mode=…");
        };
        let kind = kind.to_ascii_lowercase();
        let mode = mode.to_ascii_lowercase();
        if kind != "sale" && kind != "catalog" {
            return Answer::failure(&format!(
                "unknown type {kind}: bachata1c exchanges orders (type=sale)"
            ));
        }
        if mode == "checkauth" {
            return self.checkauth(request, &kind);
        }
        let Some(session) = request.cookie.and_then(|cookie| self.sessions.find(cookie)) else {
            return Answer::failure(
                "no session: the session expired or bachata1c restarted; log in again (checkauth)",
            );
        };
        match (kind.as_str(), mode.as_str()) {
            (_, "init") => self.init(),
            ("sale", "query") => self.query(&session, params),
            ("sale", "success") => self.success(&session),
            ("sale", "file") => self.sale_file(&session, params, &request.body),
            ("sale", "import") => self.sale_import(&session, params),
            // Goods are not bachata1c's: taken and dropped, so that a node set to exchange
            // goods too still succeeds and goes on to the orders (protocol note §5).
            ("catalog", "file") => Answer::success(format!(
                "goods file {} of {} bytes discarded: bachata1c exchanges orders only; switch goods off in 1C's node",
                params.get("filename").unwrap_or("?"),
                match request.body {
                    Body::Dropped(bytes) => bytes,
                    _ => 0,
                }
            )),
            ("catalog", "import") => Answer::success("goods import: nothing to do"),
            _ => Answer::failure(&format!("unknown mode {mode} for type={kind}")),
        }
    }

    /// Lines: `success`, the cookie's name, its value (1C builds `Cookie: name=value` itself
    /// and never reads Set-Cookie; protocol note §1.2). Without the right Basic credentials:
    /// 401, which a client that waits for a challenge answers with them.
    fn checkauth(&self, request: &Request, kind: &str) -> Answer {
        if !self.settings.credentials.accepts(request.authorization) {
            let (note, reason) = if request.authorization.is_some() {
                ("wrong credentials", WRONG_CREDENTIALS)
            } else {
                ("no credentials", NO_CREDENTIALS)
            };
            return Answer {
                kind: AnswerKind::Unauthorized,
                body: format!("failure\n{reason}").into_bytes(),
                note: format!("login refused: {note}"),
            };
        }
        let login = self.settings.credentials.user();
        let token = match self.sessions.open(login) {
            Ok(token) => token,
            Err(reason) => return Answer::failure(&reason),
        };
        let note = match kind {
            "catalog" => "connection test: session opened",
            _ => "session opened",
        };
        Answer::lines(&["success", COOKIE, &token], note)
    }

    /// Exactly two lines, never `zip=yes` and no third line: УТ 11, УНФ 1.6 and SmB refuse any
    /// other count (`СтрЧислоСтрок(ОтветСервера) <> 2`), УНФ 3 wants at least two (note §2).
    fn init(&self) -> Answer {
        let limit = format!("file_limit={}", self.settings.file_limit);
        Answer {
            kind: AnswerKind::Lines,
            body: format!("zip=no\n{limit}").into_bytes(),
            note: "exchange parameters sent".to_string(),
        }
    }

    /// The leads not confirmed yet, oldest first, as one CommerceML document of at most
    /// `file_limit` bytes (at least one order, so a big one cannot stall the queue); the rest
    /// comes next time. Each is marked offered in this query, which holds it for this session
    /// for `session_minutes`: another session is not offered it meanwhile, and only this
    /// session's `success` confirms it. The session's own earlier query, not confirmed, is
    /// offered again (1C asked anew).
    /// With `&doctor=…` ([`DOCTOR`]) it is a read-only look: nothing is released, marked or
    /// held.
    fn query(&self, session: &Session, params: &Params) -> Answer {
        let mut layout = self.settings.layout.clone();
        // The schema version 1C asks for (УНФ 3 sends `cmlVersion=2.10`), else the configured one.
        match params.get("cmlversion") {
            Some("2.08") => layout.cml_version = crate::format::CmlVersion::V2_08,
            Some("2.10") => layout.cml_version = crate::format::CmlVersion::V2_10,
            _ => {}
        }
        let empty = commerceml::assemble(&[], Default::default(), &layout, Framing::SiteQuery)
            .bytes
            .len();
        let limit = self.settings.file_limit;
        let now = chrono::Utc::now().timestamp();
        let until = now.saturating_add(self.settings.session_timeout.as_secs() as i64);
        let offer = session::new_token();
        let look = params.get(DOCTOR).is_some();
        let previous = self.sessions.offer(session).filter(|_| !look);
        // Read and marked under one hold of the ledger: two sessions asking at once never get
        // the same lead.
        let result = self.with_ledger(|ledger| {
            let Some(ledger) = ledger else {
                return Ok(Vec::new());
            };
            if let Some(previous) = &previous {
                ledger.release_offer(previous)?;
            }
            let (mut size, mut taken) = (empty, 0);
            // Each order goes on its own line; the first goes in whatever its size.
            let offers = ledger.unconfirmed_orders(&layout, now, |bytes| {
                let cost = bytes + 1;
                if taken > 0 && size + cost > limit {
                    return false;
                }
                (size, taken) = (size + cost, taken + 1);
                true
            })?;
            if !offers.is_empty() && !look {
                let numbers: Vec<u64> = offers.iter().map(|offer| offer.number).collect();
                ledger.mark_offered(&offer, &numbers, until)?;
            }
            Ok(offers)
        });
        let offers = match result {
            Ok(offers) => offers,
            Err(err) => return Answer::failure(&err),
        };
        let numbers: Vec<u64> = offers.iter().map(|offer| offer.number).collect();
        let formed = offers.iter().map(|offer| offer.received_at).max();
        let fragments: Vec<String> = offers.into_iter().map(|offer| offer.document).collect();
        let document = commerceml::assemble(
            &fragments,
            formed.unwrap_or_default(),
            &layout,
            Framing::SiteQuery,
        );
        // `doctor`'s look: the answer 1C would get, nothing marked, nothing for `success`.
        if look {
            return Answer {
                kind: AnswerKind::Xml,
                body: document.bytes,
                note: format!(
                    "a doctor's look: {} lead(s) would be offered; nothing marked offered",
                    numbers.len()
                ),
            };
        }
        self.sessions
            .set_offer(session, (!numbers.is_empty()).then_some(offer));
        let note = match (numbers.first(), numbers.last()) {
            (Some(first), Some(last)) => format!(
                "offered {} lead(s), numbers {} to {}",
                numbers.len(),
                commerceml::number_text(*first),
                commerceml::number_text(*last)
            ),
            _ => "nothing to offer".to_string(),
        };
        Answer {
            kind: AnswerKind::Xml,
            body: document.bytes,
            note,
        }
    }

    /// The last query's orders are 1C's now. A session that made no query confirms nothing.
    fn success(&self, session: &Session) -> Answer {
        let Some(offer) = self.sessions.take_offer(session) else {
            return Answer::success("confirmed nothing: no query in this session");
        };
        match self.with_ledger(|ledger| match ledger {
            Some(ledger) => ledger.confirm(&offer),
            None => Ok(0),
        }) {
            Ok(n) => Answer::success(format!("1C confirmed {n} lead(s)")),
            Err(err) => Answer::failure(&err),
        }
    }

    /// A part of 1C's report on its orders, appended on disk to what came under the same file
    /// name, and read as soon as the file is whole, because some clients never send `import`
    /// (SmB, УНФ 1.6: note §4). 1C cuts a file longer than `file_limit` into parts of exactly
    /// `file_limit` bytes, the last one shorter (`РазделитьФайл` in РазделитьФайлыНаФрагменты:
    /// УТ11 6319, УНФ3 12761, SmB SplitFilesToFragments 6176), and sends them one after another:
    /// a part of another length is the last, and so is one of `file_limit` bytes after which
    /// the document ends. A file read whole that is no CommerceML document is refused with the
    /// reason, which 1C writes into its exchange log.
    fn sale_file(&self, session: &Session, params: &Params, body: &Body) -> Answer {
        let Some(name) = params.get("filename") else {
            return Answer::failure("mode=file needs filename=…");
        };
        let Body::Part(upload, part) = body else {
            return Answer::failure(&format!(
                "{name}: mode=file needs the file as a POST's body"
            ));
        };
        let limit = self.settings.file_limit as u64;
        if *part == limit && !upload::ends_a_document(upload.path()) {
            return Answer::success(format!(
                "part of {name} received ({} bytes so far; more to come)",
                upload.len()
            ));
        }
        self.read_upload(session, name, upload, "file")
    }

    /// 1C asks that a file it sent be imported: done already when it was whole (idempotent),
    /// else it is whole now.
    fn sale_import(&self, session: &Session, params: &Params) -> Answer {
        let Some(name) = params.get("filename") else {
            return Answer::success("import: nothing to do");
        };
        match self.sessions.upload(session, name) {
            None | Some(Received::Read) => Answer::success(format!("{name}: imported")),
            Some(Received::Refused(refusal)) => Answer::failure(&refusal),
            Some(Received::Partly(upload)) => self.read_upload(session, name, &upload, "import"),
        }
    }

    /// Reads a whole upload and applies 1C's reports; its file goes either way.
    fn read_upload(&self, session: &Session, name: &str, upload: &Upload, step: &str) -> Answer {
        match upload::read_file(upload.path()) {
            Ok(reports) => self.apply(session, name, &reports, step),
            Err(reason) => {
                let refusal = format!("{name} of {} bytes: {reason}", upload.len());
                let answer = Answer::failure(&refusal);
                self.sessions.close_upload(session, name, Some(refusal));
                answer
            }
        }
    }

    /// Records 1C's reports on the leads it could know; a report on any other number changes
    /// nothing and is named in the log as a warning (the ledger keeps it for `status`).
    fn apply(
        &self,
        session: &Session,
        name: &str,
        reports: &[upload::Report],
        step: &str,
    ) -> Answer {
        let applied = self.with_ledger(|ledger| {
            let outcomes = match ledger {
                Some(ledger) => ledger.record_from_1c(
                    reports
                        .iter()
                        .map(|report| (report.number, &report.from_1c)),
                )?,
                None => vec![Reported::NoSuchLead; reports.len()],
            };
            let mut by_outcome: HashMap<Reported, Vec<u64>> = HashMap::new();
            for (report, outcome) in reports.iter().zip(outcomes) {
                by_outcome.entry(outcome).or_default().push(report.number);
            }
            Ok(by_outcome)
        });
        let by_outcome = match applied {
            Ok(by_outcome) => by_outcome,
            Err(err) => return Answer::failure(&err),
        };
        self.sessions.close_upload(session, name, None);
        let of = |outcome| by_outcome.get(&outcome).map_or(&[][..], Vec::as_slice);
        let mut note = format!(
            "{name} ({step}): 1C reported on {} lead(s)",
            of(Reported::Recorded).len()
        );
        let never_given = of(Reported::NeverGiven);
        if !never_given.is_empty() {
            note.push_str(&format!(
                "; warning: ignored the report on {}: 1C was never given {} (not offered, not in \
                 a file 1C reads)",
                numbers_text(never_given),
                if never_given.len() == 1 {
                    "this number"
                } else {
                    "these numbers"
                }
            ));
        }
        let unknown = of(Reported::NoSuchLead);
        if !unknown.is_empty() {
            note.push_str(&format!(
                "; warning: ignored {} order(s) not from bachata1c: no lead numbered {}",
                unknown.len(),
                numbers_text(unknown)
            ));
        }
        Answer::success(note)
    }

    /// Runs `work` with the ledger, opened once; `None` while there is no ledger yet (nothing
    /// was converted in this exchange folder). An error closes it, to be reopened next time.
    fn with_ledger<T>(
        &self,
        work: impl FnOnce(Option<&mut Ledger>) -> Result<T, crate::ledger::Error>,
    ) -> Result<T, Failure> {
        let mut slot = crate::lock::lock(&self.ledger);
        let path = &self.settings.ledger;
        if slot.is_none() && path.is_file() {
            let mut ledger = Ledger::open(path).map_err(|err| ledger_error(path, &err))?;
            // The sessions that received the offers in the ledger lived in the memory of a
            // `serve` before this one: they can no longer confirm them.
            if !self.offers_released.load(Ordering::Relaxed) {
                ledger
                    .release_offers()
                    .map_err(|err| ledger_error(path, &err))?;
                self.offers_released.store(true, Ordering::Relaxed);
            }
            *slot = Some(ledger);
        }
        let result = work(slot.as_mut());
        if result.is_err() {
            *slot = None;
        }
        result.map_err(|err| ledger_error(path, &err))
    }
}

/// Numbers as 1C shows them, at most ten, then how many more.
fn numbers_text(numbers: &[u64]) -> String {
    const SHOWN: usize = 10;
    let mut text: Vec<String> = numbers
        .iter()
        .take(SHOWN)
        .map(|n| commerceml::number_text(*n))
        .collect();
    if numbers.len() > SHOWN {
        text.push(format!("and {} more", numbers.len() - SHOWN));
    }
    text.join(", ")
}

fn ledger_error(path: &Path, err: &crate::ledger::Error) -> Failure {
    format!("the ledger {} cannot be used: {err}", path.display())
}

/// The query string's parameters by lower-case name, wherever they stand (УНФ 3 puts `mode`
/// after `sessid` and `version`; note §1.3). 1C does not URL-encode; `%XX` is decoded anyway.
struct Params(HashMap<String, String>);

impl Params {
    fn parse(query: &str) -> Params {
        let mut params = HashMap::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            params
                .entry(key.to_ascii_lowercase())
                .or_insert_with(|| percent_decoded(value));
        }
        Params(params)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// What 1C asked, as the log says it: `1C sale/query`.
    fn asked(&self) -> String {
        match (self.get("type"), self.get("mode")) {
            (Some(kind), Some(mode)) => format!("1C {kind}/{mode}"),
            _ => "1C".to_string(),
        }
    }
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_found_wherever_they_stand_and_in_any_case() {
        let params = Params::parse("type=sale&sessid=x&version=2.09&cmlVersion=2.10&mode=query");
        assert_eq!(params.get("mode"), Some("query"));
        assert_eq!(params.get("cmlversion"), Some("2.10"));
        let params = Params::parse("type=sale&mode=file&filename=orders-1%2B2.xml&");
        assert_eq!(params.get("filename"), Some("orders-1+2.xml"));
    }
}
