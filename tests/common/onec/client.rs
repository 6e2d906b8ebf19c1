//! One 1C client talking HTTP to the shop, as `ОбменССайтом` does (protocol note §1‑§2, §4).
//!
//! Each public step sends what 1C sends and checks the answer as 1C's code checks it:
//! [`Client::connection_test`], [`Client::checkauth`], [`Client::init`], [`Client::query`],
//! [`Client::success`], [`Client::post_file`], [`Client::import`]. The whole sessions are
//! [`Client::import_orders`], [`Client::upload_statuses`] and [`Client::exchange`] (one
//! scheduled exchange: connection test, orders in, statuses out).
//!
//! What every request shares (§1.1): the address is `АдресСкрипта + "?type=…&mode=…"`, plain
//! concatenation without URL-encoding; GETs are `Соединение.Получить`, files are POSTed raw
//! (`УстановитьИмяФайлаТела`, no Content-Type); after checkauth every request carries the one
//! header 1C builds itself, `Cookie: <line 2>=<line 3>`; `Set-Cookie` is never read (ureq keeps
//! no cookie jar); the HTTP status gates nothing (УНФ3 11393, УТ11 6489).

use std::time::Duration;

use base64::Engine;
use encoding_rs::{Encoding, UTF_8};

use super::database::{ImportedOrders, OneCDatabase};
use super::orders::{self, Order};
use super::statuses::{self, OrderStatus, UploadStyle};
use super::{
    Decoding, InitLineRule, OneCError, Profile, SessidStyle, Step, filled, line, line_count,
    number, trim_lower,
};

/// When the Basic credentials given to `Новый HTTPСоединение` are sent. The BSL cannot tell
/// (protocol note §1.1); the server must work with both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// `Authorization: Basic` on every request of the connection.
    Preemptive,
    /// Without credentials first; again with them after a `401` carrying `WWW-Authenticate: Basic`.
    OnChallenge,
}

/// What checkauth gave the session: lines 2, 3 and 4 of its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub cookie_name: String,
    pub cookie_value: String,
    /// Line 4 (`sessid=…` at BX), `""` when absent.
    pub line4: String,
}

impl Session {
    /// The value of the `Cookie` header: `КукиИмя + "=" + КукиЗначение` (УНФ3 3202‑3204, УТ11
    /// 3886‑3889, SmB 2601‑2603).
    pub fn cookie(&self) -> String {
        format!("{}={}", self.cookie_name, self.cookie_value)
    }

    /// УТ11: `СтрЗаменить(СтрПолучитьСтроку(ОтветСервера, 4), "sessid=", "")` (5991).
    pub fn ut11_sessid(&self) -> String {
        self.line4.replace("sessid=", "")
    }

    /// УНФ3 ДобавитьТокенБитрикс (15457): `"&" + line4`, or nothing when line 4 is empty.
    pub fn bitrix_token(&self) -> String {
        if self.line4.is_empty() {
            String::new()
        } else {
            format!("&{}", self.line4)
        }
    }
}

/// The parsed `init` answer (rule 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitParams {
    /// `СтрЧислоСтрок` of the answer.
    pub lines: usize,
    /// `СокрЛП(НРег(line1)) = "zip=yes"` (always false here: `zip=yes` is an error, rule 6).
    pub zip: bool,
    /// `Число(СтрЗаменить(СокрЛП(НРег(line2)), "file_limit=", ""))`; -1 where that throws
    /// (УТ11 6072‑6080, УНФ3 11115‑11128); 0 for УНФ3's one-line answer. Files are split only
    /// when it is positive.
    pub file_limit: i64,
}

/// One request as sent, for assertions and failure messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentRequest {
    pub step: Step,
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One finished status upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub file_name: String,
    /// The whole document; the POSTed parts concatenate to it.
    pub document: Vec<u8>,
    pub parts: usize,
    pub init: InitParams,
    /// `mode=import` polls made (0 where the profile sends none).
    pub import_polls: usize,
}

/// An answer as received.
struct Answer {
    status: u16,
    content_type: Option<String>,
    challenge: Option<String>,
    body: Vec<u8>,
}

/// A 1C client of one profile, pointed at one shop address.
pub struct Client {
    profile: Profile,
    origin: String,
    script: String,
    user: String,
    password: String,
    agent: ureq::Agent,
    credentials: Credentials,
    subordinate_documents: bool,
    poll_pause: Duration,
    max_polls: usize,
    upload_style: UploadStyle,
    upload_index: u32,
    session: Option<Session>,
    sent: Vec<SentRequest>,
}

impl Client {
    /// A client for the node address `base_url` (`http://host:port/path`), logging in as
    /// `user`/`password`. The address is split as `РазобратьАдресСайта` does (УТ11 7199, SmB
    /// AnalyzeSiteAddress 7501): server and port, then `АдресСкрипта`, the path without its
    /// leading slash, `bitrix/admin/1c_exchange.php` when empty (protocol note §5).
    pub fn new(base_url: &str, user: &str, password: &str, profile: Profile) -> Client {
        let (scheme, rest) = base_url.split_once("://").unwrap_or(("http", base_url));
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let script = if path.is_empty() {
            "bitrix/admin/1c_exchange.php".to_string()
        } else {
            path.to_string()
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(profile.timeout()))
            .max_redirects(0)
            .proxy(None)
            .user_agent("1C+Enterprise/8.3")
            .build()
            .new_agent();
        Client {
            profile,
            origin: format!("{scheme}://{host}"),
            script,
            user: user.to_string(),
            password: password.to_string(),
            agent,
            credentials: Credentials::Preemptive,
            subordinate_documents: profile == Profile::Unf3Bitrix,
            poll_pause: profile.import_poll_pause(),
            max_polls: 100,
            upload_style: UploadStyle::default(),
            upload_index: 0,
            session: None,
            sent: Vec::new(),
        }
    }

    pub fn with_credentials(mut self, credentials: Credentials) -> Client {
        self.credentials = credentials;
        self
    }

    /// УНФ3's node option «ПодчиненныеДокументы» (on by default for [`Profile::Unf3Bitrix`]):
    /// `&cmlVersion=2.10` on the init before query, `&version=2.09&cmlVersion=2.10` on upload
    /// requests, `ВерсияСхемы` 2.10, and `import` after `file` (УНФ3 3207‑3218, 11069‑11076,
    /// 8103).
    pub fn with_subordinate_documents(mut self, on: bool) -> Client {
        self.subordinate_documents = on;
        self
    }

    /// The pause before each `import` poll (5 s in УНФ3, as 1C waits; tests may shorten it).
    pub fn with_poll_pause(mut self, pause: Duration) -> Client {
        self.poll_pause = pause;
        self
    }

    /// How many `progress` answers to take before [`OneCError::ImportNeverFinished`] (1C itself
    /// never gives up).
    pub fn with_max_polls(mut self, polls: usize) -> Client {
        self.max_polls = polls;
        self
    }

    pub fn with_upload_style(mut self, style: UploadStyle) -> Client {
        self.upload_style = style;
        self
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// `АдресСкрипта`: the path, without a leading slash.
    pub fn script(&self) -> &str {
        &self.script
    }

    /// The session of the last successful checkauth.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Every request sent so far.
    pub fn sent(&self) -> &[SentRequest] {
        &self.sent
    }

    // -----------------------------------------------------------------------------------------
    // The steps.
    // -----------------------------------------------------------------------------------------

    /// `GET script?type=catalog&mode=checkauth`, the connection test that starts every
    /// scheduled exchange; unless line 1 is `success` the exchange is cancelled (rule 1: SmB
    /// PerformTestConnectionToSite 67, УНФ3 ВыполнитьТестовоеПодключениеКСайту 11005, УТ11 21).
    /// It opens a connection of its own: its cookie is not kept.
    pub fn connection_test(&mut self) -> Result<(), OneCError> {
        self.authorize(Step::ConnectionTest, "catalog").map(|_| ())
    }

    /// `GET script?type=sale&mode=checkauth` without a cookie; line 1 must be `success` (rule
    /// 2), lines 2‑3 become the cookie (rule 3), line 4 the sessid (rule 4).
    pub fn checkauth(&mut self) -> Result<Session, OneCError> {
        self.session = None;
        let text = self.authorize(Step::Checkauth, "sale")?;
        let session = Session {
            cookie_name: line(&text, 2).to_string(),
            cookie_value: line(&text, 3).to_string(),
            line4: line(&text, 4).to_string(),
        };
        if !cookie_octets(&session.cookie_name, false)
            || !cookie_octets(&session.cookie_value, true)
        {
            return Err(OneCError::CookieUnusable {
                name: session.cookie_name,
                value: session.cookie_value,
            });
        }
        self.session = Some(session.clone());
        Ok(session)
    }

    /// The checkauth request and its line-1 check (УНФ3 ВыполнитьАвторизациюДляСоединения
    /// 11504‑11516, УТ11 5972‑5981, SmB 5848‑5859).
    fn authorize(&mut self, step: Step, kind: &str) -> Result<String, OneCError> {
        let resource = format!("{}?type={kind}&mode=checkauth", self.script);
        let answer = self.call(step, &resource, None, false)?;
        let text = self.reply(step, &answer)?;
        if trim_lower(line(&text, 1)) != "success" {
            return Err(match step {
                Step::ConnectionTest => OneCError::ConnectionTest { answer: text },
                _ => OneCError::AuthRefused { answer: text },
            });
        }
        Ok(text)
    }

    /// The `init` of an upload session (УТ11 ВыгрузитьНаСайт 6035‑6080, УНФ3 11078‑11130, SmB
    /// ImportToSite): the line count the profile demands (rule 16), never `zip=yes` (rule 6),
    /// `file_limit` parsed as 1C parses it.
    pub fn init(&mut self) -> Result<InitParams, OneCError> {
        let resource = self.upload_resource("&mode=init")?;
        let answer = self.call(Step::Init, &resource, None, true)?;
        let text = self.reply(Step::Init, &answer)?;
        parse_init(self.profile, &text)
    }

    /// УНФ3 with «Битрикс» only: `GET …&mode=init<token>[&cmlVersion=2.10]` before `query`;
    /// the body is ignored, only a missing answer fails (ЗагрузитьЗаказыССайта 3207‑3225).
    fn init_before_query(&mut self) -> Result<(), OneCError> {
        let mut resource = self.download_resource("&mode=init")?;
        if self.subordinate_documents {
            resource.push_str("&cmlVersion=2.10");
        }
        self.call(Step::InitBeforeQuery, &resource, None, true)
            .map(|_| ())
    }

    /// `GET …&mode=query` (after the УНФ3 «Битрикс» init) and the framing checks (rule 5):
    /// the string 1C hands to its XML reader.
    pub fn query_text(&mut self) -> Result<String, OneCError> {
        if self.profile.init_before_query() {
            self.init_before_query()?;
        }
        let resource = self.download_resource("&mode=query")?;
        let answer = self.call(Step::Query, &resource, None, true)?;
        let text = self.reply(Step::Query, &answer)?;
        frame_query(self.profile, text)
    }

    /// [`Client::query_text`], then the orders read as 1C's importer reads them and the
    /// document gate of rule 8.
    pub fn query(&mut self) -> Result<Vec<Order>, OneCError> {
        let xml = self.query_text()?;
        let orders = orders::read_orders(&xml, self.profile)?;
        orders::document_gate(&orders)?;
        Ok(orders)
    }

    /// `GET …&mode=success`, sent only after the import succeeded (rule 9). УНФ3 refuses an
    /// answer starting with `failure` (3278) but takes an empty one; УТ11 (3954) and SmB (2659)
    /// refuse only an empty one.
    pub fn success(&mut self) -> Result<(), OneCError> {
        let resource = self.download_resource("&mode=success")?;
        let answer = self.call(Step::Success, &resource, None, true)?;
        let text = self.decode(&answer);
        let refused = if self.profile.empty_body_is_an_answer() {
            text.starts_with("failure")
        } else {
            self.is_no_answer(&text)
        };
        if refused {
            return Err(OneCError::SuccessRefused(text));
        }
        Ok(())
    }

    /// `POST …&mode=file&filename=<name>` with one part as the raw body; line 1 of the answer
    /// must be `success` (rule 18: УТ11 ВыгрузитьНаСайт 6140‑6180, УНФ3 11226‑11262).
    pub fn post_file(
        &mut self,
        file_name: &str,
        part: usize,
        body: &[u8],
    ) -> Result<(), OneCError> {
        let resource = self.upload_resource(&format!("&mode=file&filename={file_name}"))?;
        let answer = self.call(Step::File, &resource, Some(body), true)?;
        let text = self.reply(Step::File, &answer)?;
        match trim_lower(line(&text, 1)).as_str() {
            "success" => Ok(()),
            "failure" => Err(OneCError::FileRefused { part, answer: text }),
            _ => Err(OneCError::FileNoStatus { part, answer: text }),
        }
    }

    /// `GET …&mode=import&filename=<name>` until `success`, again on `progress` (after the
    /// profile's pause); anything else is an error (rule 18: УТ11 6192‑6255, УНФ3 11280‑11335).
    /// Returns the number of polls.
    pub fn import(&mut self, file_name: &str) -> Result<usize, OneCError> {
        for poll in 1..=self.max_polls {
            if !self.poll_pause.is_zero() {
                std::thread::sleep(self.poll_pause);
            }
            let resource = self.upload_resource(&format!("&mode=import&filename={file_name}"))?;
            let answer = self.call(Step::Import, &resource, None, true)?;
            let text = self.reply(Step::Import, &answer)?;
            if line_count(&text) == 0 {
                return Err(OneCError::ImportRefused { answer: text });
            }
            match trim_lower(line(&text, 1)).as_str() {
                "success" => return Ok(poll),
                "progress" => continue,
                _ => return Err(OneCError::ImportRefused { answer: text }),
            }
        }
        Err(OneCError::ImportNeverFinished {
            polls: self.max_polls,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Whole sessions.
    // -----------------------------------------------------------------------------------------

    /// The order import session (УНФ3 ЗагрузитьЗаказыССайта 3184, УТ11 3869, SmB
    /// ImportOrdersFromSite 2585): checkauth, [init], query, the batch written into `db` with
    /// the profile's transaction rule (§3.6), and `mode=success` only if all of it succeeded.
    pub fn import_orders(&mut self, db: &mut OneCDatabase) -> Result<ImportedOrders, OneCError> {
        self.checkauth()?;
        let xml = self.query_text()?;
        let orders = orders::read_orders(&xml, self.profile)?;
        let imported = db.import_gated(&orders)?;
        self.success()?;
        Ok(imported)
    }

    /// The status upload session (protocol note §1.3 D and §4): nothing when there is nothing
    /// to send (УНФ3 ВыгрузитьЗаказыВФайл 8069, SmB 5123); otherwise the document written, a
    /// new checkauth, init, the parts POSTed under one file name (rule 17), then `import`
    /// where the profile polls it.
    pub fn upload_statuses(
        &mut self,
        statuses: &[OrderStatus],
    ) -> Result<Option<Upload>, OneCError> {
        if statuses.is_empty() {
            return Ok(None);
        }
        let formed_at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string();
        let document = statuses::document(
            self.profile,
            self.subordinate_documents,
            self.upload_style,
            &formed_at,
            statuses,
        );
        let file_name = statuses::file_name(self.profile, self.upload_index);
        self.upload_index += 1;
        self.checkauth()?;
        let init = self.init()?;
        let parts = statuses::parts(&document, init.file_limit);
        for (index, part) in parts.iter().enumerate() {
            self.post_file(&file_name, index, part)?;
        }
        let import_polls = if self.profile.import_after_file(self.subordinate_documents) {
            self.import(&file_name)?
        } else {
            0
        };
        Ok(Some(Upload {
            parts: parts.len(),
            file_name,
            document,
            init,
            import_polls,
        }))
    }

    /// One scheduled exchange of orders: the connection test (its failure cancels everything),
    /// the order import, then the upload of the statuses `db` has registered, which 1C runs
    /// whatever the import gave (УТ11 ВыполнитьОбменЗаказами 3687‑3712). Returns what the
    /// import did; its error comes first, then the upload's.
    pub fn exchange(&mut self, db: &mut OneCDatabase) -> Result<ImportedOrders, OneCError> {
        if self.profile.connection_test_first() {
            self.connection_test()?;
        }
        let imported = self.import_orders(db);
        let pending = db.pending_statuses();
        let uploaded = self.upload_statuses(&pending);
        if let Ok(Some(_)) = &uploaded {
            db.uploaded(&pending);
        }
        let imported = imported?;
        uploaded?;
        Ok(imported)
    }

    // -----------------------------------------------------------------------------------------
    // Addresses.
    // -----------------------------------------------------------------------------------------

    fn require_session(&self) -> Result<&Session, OneCError> {
        self.session.as_ref().ok_or(OneCError::NoSession)
    }

    /// The address of a request of the order import (init before query, query, success): УТ11
    /// appends `&sessid=…` (3894, 3945), УНФ3 «Битрикс» its token (3233, 3271).
    fn download_resource(&self, mode: &str) -> Result<String, OneCError> {
        let session = self.require_session()?;
        let tail = match self.profile.sessid() {
            SessidStyle::None => String::new(),
            SessidStyle::Parameter => format!("&sessid={}", session.ut11_sessid()),
            SessidStyle::BitrixToken => session.bitrix_token(),
        };
        Ok(format!("{}?type=sale{mode}{tail}", self.script))
    }

    /// The address of a request of the upload (init, file, import): УТ11 appends
    /// `&sessid=…` after the mode (6036, 6106, 6199); УНФ3 «Битрикс» puts its token and
    /// versions before it, in `АдресДляРаботы` (11069‑11076), so `mode` is not the second
    /// parameter.
    fn upload_resource(&self, mode: &str) -> Result<String, OneCError> {
        let session = self.require_session()?;
        let sale = format!("{}?type=sale", self.script);
        Ok(match self.profile.sessid() {
            SessidStyle::None => format!("{sale}{mode}"),
            SessidStyle::Parameter => format!("{sale}{mode}&sessid={}", session.ut11_sessid()),
            SessidStyle::BitrixToken => {
                let versions = if self.subordinate_documents {
                    "&version=2.09&cmlVersion=2.10"
                } else {
                    ""
                };
                format!("{sale}{}{versions}{mode}", session.bitrix_token())
            }
        })
    }

    // -----------------------------------------------------------------------------------------
    // HTTP.
    // -----------------------------------------------------------------------------------------

    /// One request, with the cookie when `cookie` is set, and the credentials as the
    /// [`Credentials`] mode says.
    fn call(
        &mut self,
        step: Step,
        resource: &str,
        body: Option<&[u8]>,
        cookie: bool,
    ) -> Result<Answer, OneCError> {
        let preemptive = self.credentials == Credentials::Preemptive;
        let answer = self.send(step, resource, body, cookie, preemptive)?;
        let challenged = answer.status == 401
            && answer
                .challenge
                .as_deref()
                .is_some_and(|c| c.trim().to_ascii_lowercase().starts_with("basic"));
        if !preemptive && challenged {
            return self.send(step, resource, body, cookie, true);
        }
        Ok(answer)
    }

    fn send(
        &mut self,
        step: Step,
        resource: &str,
        body: Option<&[u8]>,
        cookie: bool,
        credentials: bool,
    ) -> Result<Answer, OneCError> {
        let url = format!("{}/{resource}", self.origin);
        let mut headers: Vec<(String, String)> = Vec::new();
        if credentials {
            headers.push(("Authorization".to_string(), self.authorization()));
        }
        if cookie {
            headers.push(("Cookie".to_string(), self.require_session()?.cookie()));
        }
        self.sent.push(SentRequest {
            step,
            method: if body.is_some() { "POST" } else { "GET" },
            url: url.clone(),
            headers: headers.clone(),
            body: body.unwrap_or_default().to_vec(),
        });
        let result = match body {
            None => {
                let mut request = self.agent.get(&url);
                for (name, value) in &headers {
                    request = request.header(name, value);
                }
                request.call()
            }
            Some(bytes) => {
                let mut request = self.agent.post(&url);
                for (name, value) in &headers {
                    request = request.header(name, value);
                }
                request.send(bytes)
            }
        };
        let mut response = result.map_err(|e| self.http_error(step, e))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let status = response.status().as_u16();
        let content_type = header("content-type");
        let challenge = header("www-authenticate");
        let body = response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| self.http_error(step, e))?;
        Ok(Answer {
            status,
            content_type,
            challenge,
            body,
        })
    }

    fn authorization(&self) -> String {
        let pair = format!("{}:{}", self.user, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    fn http_error(&self, step: Step, error: ureq::Error) -> OneCError {
        match error {
            ureq::Error::Timeout(_) => OneCError::Timeout {
                step,
                limit: self.profile.timeout(),
            },
            other => OneCError::Transport {
                step,
                message: other.to_string(),
            },
        }
    }

    /// The answer as the string the profile's code works with, or [`OneCError::NoAnswer`]
    /// where the profile takes an empty body as no answer at all (§1.5).
    fn reply(&self, step: Step, answer: &Answer) -> Result<String, OneCError> {
        let text = self.decode(answer);
        if self.is_no_answer(&text) {
            return Err(OneCError::NoAnswer { step });
        }
        Ok(text)
    }

    /// УТ11: `Не ЗначениеЗаполнено(ТекстОтвета)` (6495); SmB/УНФ1.6: `КоличествоСтрок() > 0`
    /// of the text document; УНФ3: never (an empty body is `""`, 11401).
    fn is_no_answer(&self, text: &str) -> bool {
        match self.profile {
            Profile::Unf3Other | Profile::Unf3Bitrix => false,
            Profile::Ut11 => !filled(text),
            Profile::Smb16 => text.is_empty(),
        }
    }

    /// The body decoded as the profile decodes it (§1.5). A UTF-8 BOM is kept, as U+FEFF: that
    /// `ПолучитьТелоКакСтроку()` or `ТекстовыйДокумент` strip it cannot be verified (§7).
    fn decode(&self, answer: &Answer) -> String {
        let charset = answer.content_type.as_deref().and_then(charset);
        match self.profile.decoding() {
            Decoding::Body => decode_as(&answer.body, charset.unwrap_or("utf-8")),
            Decoding::BodyWithRetry => {
                let mut text = decode_as(&answer.body, charset.unwrap_or("utf-8"));
                for label in [charset, Some("windows-1251"), Some("utf-8")]
                    .into_iter()
                    .flatten()
                {
                    if !text.contains('\u{FFFD}') {
                        break;
                    }
                    text = decode_as(&answer.body, label);
                }
                text
            }
            Decoding::TextDocument => {
                let label = declared_encoding(&answer.body)
                    .or(charset)
                    .unwrap_or("utf-8");
                decode_as(&answer.body, label).replace("\r\n", "\n")
            }
        }
    }
}

/// Rule 16 applied to an `init` answer.
pub fn parse_init(profile: Profile, text: &str) -> Result<InitParams, OneCError> {
    let lines = line_count(text);
    let accepted = match profile.init_lines() {
        InitLineRule::ExactlyTwo => lines == 2,
        InitLineRule::AtLeastTwo => lines >= 2,
        InitLineRule::Any => true,
    };
    if !accepted {
        return Err(OneCError::InitLineCount(lines));
    }
    if trim_lower(line(text, 1)) == "zip=yes" {
        return Err(OneCError::ZipOffered);
    }
    let file_limit = if profile.init_lines() == InitLineRule::Any && lines == 1 {
        0
    } else {
        number(&trim_lower(line(text, 2)).replace("file_limit=", "")).unwrap_or(-1)
    };
    Ok(InitParams {
        lines,
        zip: false,
        file_limit,
    })
}

/// Rule 5 applied to a `query` answer (УНФ3 3244‑3256, УТ11 3913‑3930, SmB 2622‑2637):
/// `Лев(…, 2) = "PK"` is the zip path (refused, rule 6); `Лев(…, 5) = "<?xml"` the XML path;
/// in УНФ3 also `Лев(…, 23) = "<КоммерческаяИнформация"`, and a `failure` start is the
/// server's error; anything else «Не удалось прочитать данные, загруженные с сервера».
pub fn frame_query(profile: Profile, text: String) -> Result<String, OneCError> {
    if text.starts_with("PK") {
        return Err(OneCError::QueryZip);
    }
    if text.starts_with("<?xml") {
        return Ok(text);
    }
    if profile.query_accepts_bare_root() {
        if text.starts_with("<КоммерческаяИнформация") {
            return Ok(text);
        }
        if text.starts_with("failure") {
            return Err(OneCError::QueryFailure(text));
        }
    }
    Err(OneCError::QueryUnreadable {
        start: text.chars().take(40).collect(),
    })
}

/// Whether a cookie name (or value) can go into the header 1C builds: visible ASCII without
/// `;`, `,`, `"` or `\` (and, for a name, `=`). 1C does not check; an unusable one breaks the
/// session.
fn cookie_octets(text: &str, value: bool) -> bool {
    text.chars().all(|c| {
        c.is_ascii_graphic() && !matches!(c, ';' | ',' | '"' | '\\') && (value || c != '=')
    })
}

/// The `charset=` of a Content-Type: everything after it, as УНФ3 takes it (`Сред(ContentType,
/// 8 + СтрНайти(ContentType, "charset="))`, 11410), up to a `;`.
fn charset(content_type: &str) -> Option<&str> {
    let start = content_type.to_ascii_lowercase().find("charset=")? + "charset=".len();
    let rest = &content_type[start..];
    Some(
        rest.split(';')
            .next()
            .unwrap_or(rest)
            .trim()
            .trim_matches('"'),
    )
}

/// The `encoding` of an XML declaration at the very start of the body (УНФ1.6 reads it with
/// `ЧтениеXML.КодировкаXML`, 7000‑7008).
pub(super) fn declared_encoding(body: &[u8]) -> Option<&str> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let head = &body[..body.len().min(200)];
    let end = head.windows(2).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(head.get(..end)?).ok()?;
    let declaration = declaration.strip_prefix("<?xml")?;
    let after = &declaration[declaration.find("encoding=")? + "encoding=".len()..];
    let quote = after.chars().next()?;
    let after = &after[quote.len_utf8()..];
    Some(&after[..after.find(quote)?])
}

/// `bytes` decoded with the encoding named `label`, UTF-8 when unknown; invalid bytes become
/// `�`, as the platform shows them.
pub(super) fn decode_as(bytes: &[u8], label: &str) -> String {
    let encoding = Encoding::for_label(label.trim().as_bytes()).unwrap_or(UTF_8);
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}
