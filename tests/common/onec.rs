//! A test-side emulator of 1C's «Обмен с сайтом» client: the code 1C runs on a schedule to pull
//! a shop's orders over HTTP, here pointed at `bachata1c serve`, which plays the shop.
//!
//! It follows the client code of 1C's own configurations, read from their public BSL and
//! summarised, with line numbers, in `docs/site-exchange-protocol.md` (the «protocol note»):
//!
//! * **УТ11**: УТ 11.5 (`evlahov-igor/UT11` @ `302d05cb4370`), `CommonModules/ОбменССайтом`,
//!   with **УТ11‑П** `ОбменССайтомПереопределяемый`, **УТ11‑УТ** `ОбменССайтамиУТ` and
//!   **УТ11‑С** `ОбменССайтомСобытия`;
//! * **УНФ3**: УНФ 3.0 (`AlexanderYekat/unf` @ `39143e434496`), `CommonModules/ОбменССайтом`
//!   and the `CML208` XDTO package;
//! * **УНФ1.6**: `BizIntel/unf_bit_dev` @ `4103ce359a8e`, and **SmB**, its English twin
//!   (`1C-Romania/SmB_Depo` @ `4e087392a8d5`, `cf/CommonModules/ExchangeWithSite`).
//!
//! Every rule names the procedure it comes from, as `(Source Procedure line)`, and the rule
//! number of the protocol note's section 6 where there is one («rule 8»).
//!
//! The parts:
//!
//! * [`Profile`]: the four client variants and where they differ;
//! * [`Client`] (`onec/client.rs`): one HTTP session as 1C runs it, step by step, each step
//!   failing with a [`OneCError`] that names the 1C rule the server broke;
//! * [`orders`] (`onec/orders.rs`): the `mode=query` document read as 1C's order import reads
//!   it, and the «document gate» that fails a whole batch;
//! * [`statuses`] (`onec/statuses.rs`): the CommerceML document 1C uploads back with the
//!   numbers and statuses of the orders it holds;
//! * [`database`] (`onec/database.rs`): a simulated 1C infobase that applies 1C's import rules
//!   (1C numbers, counterparty matching, contact kinds, re-sent orders) over many sessions;
//! * [`directory`] (`onec/directory.rs`): the same node exchanging through a directory instead
//!   of HTTP: one fixed orders file read at every exchange (protocol note §8).
//!
//! Where the BSL cannot settle a point (platform behaviour, protocol note §7), the emulator
//! takes the **stricter** reading and says so: a server that passes it works under either.
//! The strict readings are: a BOM is not stripped from an answer; a trailing LF counts as one
//! more (empty) line; Basic credentials go with every request (or, with
//! [`Credentials::OnChallenge`], only after a 401); a too-long or duplicate 1C order number
//! fails the write; strings in 1C queries compare without regard to case or trailing spaces.

pub mod client;
pub mod database;
pub mod directory;
pub mod orders;
pub mod statuses;

use std::time::Duration;

// The API in one place; each test binary uses a different part of it.
#[allow(unused_imports)]
pub use client::{Client, Credentials, InitParams, SentRequest, Session, Upload};
#[allow(unused_imports)]
pub use database::{
    ImportFailure, ImportOutcome, ImportedOrder, ImportedOrders, OneCDatabase, ReplaceCase,
    StoredCounterparty, StoredOrder,
};
#[allow(unused_imports)]
pub use directory::{DirectoryNode, read_orders_file};
#[allow(unused_imports)]
pub use orders::{Contact, Counterparty, GateFailure, Order, Requisite};
#[allow(unused_imports)]
pub use statuses::{NamespaceStyle, OrderStatus, UploadStyle};

/// The 1C client variants whose code differs in ways a server can see (protocol note §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// SmallBusiness / УНФ 1.6: no sessid, exactly two `init` lines, no `import` after `file`.
    Smb16,
    /// УНФ 3 with the node's CMS protocol «Другая» (or UMI): no sessid, a one-line `init` allowed.
    Unf3Other,
    /// УНФ 3 with the CMS protocol «Битрикс»: checkauth's line 4 appended as a token, an `init`
    /// before `query`, at least two `init` lines.
    Unf3Bitrix,
    /// УТ 11 (and very likely КА 2 / ERP): `&sessid=` on every request after checkauth,
    /// exactly two `init` lines, `import` polled after every uploaded file, a 180 s timeout.
    Ut11,
}

/// How a profile passes checkauth's line 4 (rule 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessidStyle {
    /// Never sent (SmB, УНФ1.6, УНФ3 «Другая»).
    None,
    /// `&sessid=` + `СтрЗаменить(line4, "sessid=", "")` on init, query, success, file and
    /// import, an empty value when line 4 is missing (УТ11 ВыполнитьАвторизациюДляСоединения
    /// 5991, ЗагрузитьЗаказыССайта 3894, ВыгрузитьНаСайт 6036, 6106, 6199).
    Parameter,
    /// `"&" + line4` verbatim, nothing when line 4 is empty (УНФ3 ДобавитьТокенБитрикс 15457).
    BitrixToken,
}

/// How many lines an `init` answer must have (rule 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitLineRule {
    /// `СтрЧислоСтрок(ОтветСервера) <> 2` is an error (УТ11 ВыгрузитьНаСайт 6056, УНФ1.6 6557,
    /// SmB 5927).
    ExactlyTwo,
    /// `ЧислоСтрокОтветСервера < 2` is an error (УНФ3 ВыгрузитьНаСайт 11105, protocol «Битрикс»).
    AtLeastTwo,
    /// Any count; one line means `file_limit` 0 (УНФ3 ВыгрузитьНаСайт 11112, other protocols).
    Any,
}

/// How a profile turns the bytes of an answer into the string its code reads (protocol note §1.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoding {
    /// `ПолучитьТелоКакСтроку()`: the Content-Type charset, else UTF-8; no retry (УТ11
    /// ПолучитьДанныеССервера 6494).
    Body,
    /// `ПолучитьТелоКакСтроку()`, then, if a `�` appears, the Content-Type charset, then
    /// windows-1251, then UTF-8 (УНФ3 ПолучитьДанныеССервера 11403‑11430).
    BodyWithRetry,
    /// The answer saved to a file and read back with `ТекстовыйДокумент`: the encoding of the
    /// XML declaration, else the Content-Type charset, else UTF-8; CRLF read as LF (УНФ1.6
    /// ПолучитьДанныеССервера 7000‑7023; SmB GetDataFromServer 6335).
    TextDocument,
}

/// What a profile does with an order batch that fails part-way (protocol note §3.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchRule {
    /// One failure rolls back every document of the batch (УНФ1.6 3019‑3030, SmB 2740‑2750).
    AllOrNothing,
    /// A validation failure keeps the documents before it (`ЗафиксироватьТранзакцию` runs even
    /// when `Успешно = Ложь`); an exception rolls everything back (УНФ3 ЗагрузитьЗаказы
    /// 3363‑3381, УТ11 ЗагрузитьЗаказы 4059‑4075).
    KeepBeforeFailure,
}

impl Profile {
    pub const ALL: [Profile; 4] = [
        Profile::Smb16,
        Profile::Unf3Other,
        Profile::Unf3Bitrix,
        Profile::Ut11,
    ];

    /// The protocol note's name for the profile.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Smb16 => "smb16",
            Profile::Unf3Other => "unf3-other",
            Profile::Unf3Bitrix => "unf3-bitrix",
            Profile::Ut11 => "ut11",
        }
    }

    fn is_unf3(self) -> bool {
        matches!(self, Profile::Unf3Other | Profile::Unf3Bitrix)
    }

    /// `Новый HTTPСоединение(…, timeout)`: 1800 s in SmB (SetConnectionWithServer) and УНФ3
    /// (УстановитьСоединениеССервером 11436), 180 s in УТ11 (СоединениеССервером 5949). Rule 22.
    pub fn timeout(self) -> Duration {
        match self {
            Profile::Ut11 => Duration::from_secs(180),
            _ => Duration::from_secs(1800),
        }
    }

    /// Whether a scheduled exchange starts with `type=catalog&mode=checkauth` and is cancelled
    /// when it fails. True in every profile (SmB TaskExecuteExchange 425 → 67; УНФ3
    /// ЗаданиеВыполнитьОбмен 138 → ВыполнитьТестовоеПодключениеКСайту 11005; УТ11‑С
    /// ВыполнитьОбмен 121 → УТ11 ВыполнитьТестовоеПодключениеКСайту 21). Rule 1.
    pub fn connection_test_first(self) -> bool {
        true
    }

    /// Rule 4.
    pub fn sessid(self) -> SessidStyle {
        match self {
            Profile::Smb16 | Profile::Unf3Other => SessidStyle::None,
            Profile::Unf3Bitrix => SessidStyle::BitrixToken,
            Profile::Ut11 => SessidStyle::Parameter,
        }
    }

    /// Rule 16.
    pub fn init_lines(self) -> InitLineRule {
        match self {
            Profile::Smb16 | Profile::Ut11 => InitLineRule::ExactlyTwo,
            Profile::Unf3Bitrix => InitLineRule::AtLeastTwo,
            Profile::Unf3Other => InitLineRule::Any,
        }
    }

    /// Whether an `init` (body ignored) comes between checkauth and `query`: only УНФ3 with
    /// «Битрикс» (УНФ3 ЗагрузитьЗаказыССайта 3207‑3225).
    pub fn init_before_query(self) -> bool {
        self == Profile::Unf3Bitrix
    }

    /// Whether a `query` answer may also start with `<КоммерческаяИнформация`, and a `failure`
    /// start is reported as the server's error (УНФ3 ЗагрузитьЗаказыССайта 3244‑3256). The
    /// others accept only `PK` and `<?xml` (УТ11 3913‑3930, SmB 2622‑2637). Rule 5.
    pub fn query_accepts_bare_root(self) -> bool {
        self.is_unf3()
    }

    /// Whether `mode=import` follows the uploaded files of a `sale` upload: УТ11 always (unless
    /// «ВыгружатьФайлыБезОжиданияПодтвержденияИмпортаСервером», УТ11 ВыгрузитьДанныеНаСайт 328),
    /// УНФ3 only with «Битрикс» and «ПодчиненныеДокументы» (ВыгрузитьЗаказыВФайл 8103), never
    /// SmB or УНФ1.6 (SmB ExportOrdersToSite 5079).
    pub fn import_after_file(self, subordinate_documents: bool) -> bool {
        match self {
            Profile::Ut11 => true,
            Profile::Unf3Bitrix => subordinate_documents,
            Profile::Smb16 | Profile::Unf3Other => false,
        }
    }

    /// УНФ3 waits `ОбщегоНазначенияБТС.Пауза(5)` before every `import` poll (ВыгрузитьНаСайт
    /// 11280); УТ11 and SmB poll again at once (6192, 6041).
    pub fn import_poll_pause(self) -> Duration {
        if self.is_unf3() {
            Duration::from_secs(5)
        } else {
            Duration::ZERO
        }
    }

    /// Whether an empty body still counts as an answer: УНФ3's ПолучитьДанныеССервера returns
    /// `""` rather than `Неопределено` (11401), so e.g. an empty `mode=success` answer passes.
    /// УТ11 (`Не ЗначениеЗаполнено(ТекстОтвета)`, 6495) and SmB (`LineCount() > 0`) do not.
    pub fn empty_body_is_an_answer(self) -> bool {
        self.is_unf3()
    }

    pub fn decoding(self) -> Decoding {
        match self {
            Profile::Smb16 => Decoding::TextDocument,
            Profile::Unf3Other | Profile::Unf3Bitrix => Decoding::BodyWithRetry,
            Profile::Ut11 => Decoding::Body,
        }
    }

    /// УНФ3 runs `ОбщегоНазначенияКлиентСервер.УдалитьНедопустимыеСимволыXML` before reading
    /// the orders (ПолучитьЗаказыXDTO 3791); УТ11 does not (ДанныеЗаказовВXDTO).
    pub fn removes_invalid_xml_chars(self) -> bool {
        self.is_unf3()
    }

    pub fn batch_rule(self) -> BatchRule {
        match self {
            Profile::Smb16 => BatchRule::AllOrNothing,
            _ => BatchRule::KeepBeforeFailure,
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A step of a session, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    ConnectionTest,
    Checkauth,
    InitBeforeQuery,
    Init,
    Query,
    Success,
    File,
    Import,
}

/// Which 1C rule an answer broke. Each variant names the procedure whose check failed.
#[derive(Debug, thiserror::Error)]
pub enum OneCError {
    /// The request itself failed (connection refused, reset, an unusable URL).
    #[error("{step:?}: no HTTP answer: {message}")]
    Transport { step: Step, message: String },
    /// The answer did not come within the profile's `HTTPСоединение` timeout (rule 22).
    #[error("{step:?}: no answer within the client's timeout of {limit:?} (rule 22)")]
    Timeout { step: Step, limit: Duration },
    /// An empty body, which 1C takes as «no answer» (protocol note §1.5: УТ11
    /// ПолучитьДанныеССервера 6495, SmB GetDataFromServer `LineCount() > 0`).
    #[error("{step:?}: empty answer, «Получен пустой ответ сервера»")]
    NoAnswer { step: Step },
    /// The `type=catalog` checkauth of the connection test did not answer `success`: «Обмен
    /// отменен», no order request follows (rule 1).
    #[error(
        "connection test (type=catalog checkauth) refused, the exchange is cancelled (rule 1): {answer:?}"
    )]
    ConnectionTest { answer: String },
    /// `СокрЛП(НРег(СтрПолучитьСтроку(ОтветСервера, 1))) <> "success"` (УНФ3
    /// ВыполнитьАвторизациюДляСоединения 11516, УТ11 5981, SmB 5859). Rule 2.
    #[error("checkauth: line 1 is not «success», «Авторизация не выполнена» (rule 2): {answer:?}")]
    AuthRefused { answer: String },
    /// Lines 2 and 3 of checkauth cannot form the `Cookie: <name>=<value>` header 1C builds
    /// (УНФ3 3202‑3204, УТ11 3886‑3889). Rule 3.
    #[error(
        "checkauth: lines 2-3 ({name:?}, {value:?}) cannot be sent as «Cookie: name=value» (rule 3)"
    )]
    CookieUnusable { name: String, value: String },
    /// A session step was called before `checkauth` (a misuse of the emulator, not a 1C rule).
    #[error("no session: call checkauth first")]
    NoSession,
    /// The `init` answer has a line count the profile refuses: «Параметры обмена не получены»
    /// (УТ11 ВыгрузитьНаСайт 6056, УНФ1.6 6557, SmB 5927, УНФ3 11105). Rule 16.
    #[error(
        "init: {0} lines, «Не удалось прочитать ответ сервера. Параметры обмена не получены» (rule 16)"
    )]
    InitLineCount(usize),
    /// `init` offered `zip=yes`: 1C would zip its uploads and unzip `query` answers through a
    /// text round trip (УНФ3 РаспаковатьZIPАрхив 13600). Rule 6.
    #[error("init: line 1 is «zip=yes»; bachata1c must never offer zip (rule 6)")]
    ZipOffered,
    /// The `query` body starts with `PK` (rule 6).
    #[error("query: the answer is a zip archive, which 1C cannot unpack from a string (rule 6)")]
    QueryZip,
    /// УНФ3: the `query` body starts with `failure` (ЗагрузитьЗаказыССайта 3252). Rule 5.
    #[error("query: the server answered failure (rule 5): {0:?}")]
    QueryFailure(String),
    /// The `query` body starts with none of the accepted prefixes: «Не удалось прочитать
    /// данные, загруженные с сервера» (УНФ3 3254, УТ11 3926, SmB 2633). Rule 5.
    #[error(
        "query: the body must start with «<?xml» (no BOM, no whitespace); it starts with {start:?} (rule 5)"
    )]
    QueryUnreadable { start: String },
    /// `ФабрикаXDTO.ПрочитатьXML` failed: «Не удалось прочитать XML» (УНФ3 ПолучитьЗаказыXDTO
    /// 3791‑3822).
    #[error("query: not readable as XML: {0}")]
    XmlUnreadable(String),
    /// The root is not `КоммерческаяИнформация`. Stricter than 1C, which would find no
    /// `Документ`, report «Нет документов для обработки» and acknowledge the batch (УНФ3
    /// ЗагрузитьЗаказы 3343‑3347, УТ11 4020‑4023): every lead of it silently lost.
    #[error("query: the root element is {0:?}, not КоммерческаяИнформация")]
    NotCommerceInformation(String),
    /// With `xmlns="urn:1C.ru:commerceml_2"` the document is read against the CML208 package
    /// (enumerations, element order, lengths, xs:date/xs:time), rule 15.
    #[error(
        "query: document {document} breaks the CML208 package read by typed XDTO (rule 15): {problem}"
    )]
    Typed { document: usize, problem: String },
    /// A document fails 1C's order import, which fails the whole batch (rule 8).
    #[error("query: document {index} (Номер {number:?}) fails 1C's import (rule 8): {failure}")]
    DocumentGate {
        index: usize,
        number: String,
        failure: GateFailure,
    },
    /// The `mode=success` answer was refused: empty (УТ11 3954, SmB 2659) or, in УНФ3, starting
    /// with `failure` (3278). Rule 9.
    #[error("success: answer refused (rule 9): {0:?}")]
    SuccessRefused(String),
    /// A file POST answered `failure`: «Произошла ошибка на стороне сервера. Файл не отправлен»
    /// (УТ11 ВыгрузитьНаСайт 6142, УНФ3 11226). Rule 18.
    #[error("file part {part}: the server answered failure (rule 18): {answer:?}")]
    FileRefused { part: usize, answer: String },
    /// A file POST answered neither `success` nor `failure`: «Не получен статус завершения
    /// операции» (УТ11 6168, УНФ3 11245). Rule 18.
    #[error("file part {part}: line 1 is neither success nor failure (rule 18): {answer:?}")]
    FileNoStatus { part: usize, answer: String },
    /// An `import` poll answered `failure` or an unknown status (УТ11 6226‑6250, УНФ3
    /// 11305‑11330). Rule 18.
    #[error("import: answer refused (rule 18): {answer:?}")]
    ImportRefused { answer: String },
    /// `progress` kept coming: 1C would poll forever (rules 18, 21).
    #[error("import: still «progress» after {polls} polls (rules 18, 21)")]
    ImportNeverFinished { polls: usize },
    /// Writing the batch into the simulated infobase failed, so 1C rolled it back and sent no
    /// `mode=success`.
    #[error("import into 1C failed, the batch is rolled back: {0}")]
    Import(#[from] ImportFailure),
    /// Directory mode: `НЕ Файл.Существует() ИЛИ Файл.ЭтоКаталог()`, «Файл загрузки не найден:
    /// <path>», and `ЗагрузитьЗаказыИзФайла` returns `Ложь` (УТ11 3979‑3987, УНФ3 3300‑3308,
    /// УНФ1.6 2960‑2968, SmB ImportOrdersFromFile 2683‑2690). The exchange is recorded as failed;
    /// the export of changed orders still runs.
    #[error("directory mode: «Файл загрузки не найден: {path}», the order import failed")]
    ImportFileNotFound { path: String },
    /// Directory mode, УТ11: the orders file is missing and a test file cannot be written in its
    /// place: «Нет доступа к файлу обмена заказами: <path>», «Обмен отменен», nothing else runs
    /// (ОбменССайтомСобытия ВыполнитьОбмен 160‑184, ПроверитьДоступностьФайлаЗагрузки 314‑333).
    #[error(
        "directory mode: «Нет доступа к файлу обмена заказами: {path}», the exchange is cancelled"
    )]
    ImportFileNoAccess { path: String },
    /// Directory mode: the export folder cannot be created, emptied or written, or the orders
    /// file cannot be read; the platform raises, and the exchange stops with that error.
    #[error("directory mode: {path}: {message}")]
    DirectoryUnusable { path: String, message: String },
}

// ---------------------------------------------------------------------------------------------
// 1C's string functions, as the client code applies them to answers.
// ---------------------------------------------------------------------------------------------

/// `СтрПолучитьСтроку(text, n)`: line `n` (from 1), split on LF only; `""` past the end. A CR
/// before the LF stays in the line (protocol note §7: not verifiable, the strict reading).
pub fn line(text: &str, n: usize) -> &str {
    text.split('\n').nth(n.saturating_sub(1)).unwrap_or("")
}

/// `СтрЧислоСтрок(text)`: 0 for `""`, else the count of LF plus one, so a trailing LF is one
/// more (empty) line (protocol note §2: how the platform counts it is not verifiable; this is
/// the reading under which `zip=no\nfile_limit=0\n` is refused, the strict one).
pub fn line_count(text: &str) -> usize {
    if text.is_empty() {
        0
    } else {
        text.matches('\n').count() + 1
    }
}

/// `СокрЛП(НРег(s))`: lowercased, whitespace trimmed at both ends.
pub fn trim_lower(s: &str) -> String {
    s.to_lowercase().trim().to_string()
}

/// `ЗначениеЗаполнено(s)` for a string: not empty and not only whitespace.
pub fn filled(s: &str) -> bool {
    !s.trim().is_empty()
}

/// `Число(s)` on the `file_limit` line: `None` where 1C's conversion throws (then the client
/// logs the error and uses -1, i.e. no splitting). Accepts surrounding whitespace, a sign and a
/// fraction, which is dropped.
pub fn number(s: &str) -> Option<i64> {
    let s = s.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let value: i64 = whole.parse().ok()?;
    Some(if negative { -value } else { value })
}
