//! The Bachata webhook payload and its tolerant reading.
//!
//! Owns the step bytes → payload: decoding (UTF-8 with or without BOM, UTF-16 with BOM,
//! windows-1251 when it is recognisably that), tolerant JSON (trailing commas), and picking
//! the known fields out of whatever else the sender put in the object.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::limits::Limits;

/// Why a file is not a readable payload. Each message is one line meant for the administrator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file is empty")]
    Empty,
    #[error("binary data, not a JSON text (NUL byte at offset {offset})")]
    Binary { offset: usize },
    #[error(
        "the text is not UTF-8 (invalid byte 0x{byte:02X} at offset {offset}) and does not look like windows-1251{guess}; save it as UTF-8"
    )]
    UnknownEncoding {
        byte: u8,
        offset: usize,
        guess: String,
    },
    #[error("the file starts with a {0} byte-order mark but is not valid {0}")]
    BadUtf16(&'static str),
    #[error(
        "truncated JSON: the text ends at line {line} column {column} before the JSON is complete"
    )]
    Truncated { line: usize, column: usize },
    #[error("JSON nested too deeply at line {line} column {column} (more than 128 levels)")]
    TooDeep { line: usize, column: usize },
    #[error("invalid JSON at line {line} column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("expected a JSON object with a `clients` array, found {0}")]
    NotAnObject(&'static str),
    #[error("the object has no `clients` array")]
    NoClients,
    #[error("`clients` must be an array of client objects, found {0}")]
    ClientsNotArray(&'static str),
    #[error(
        "the input is {}, over the limit of {} (--max-input-size, [limits] max_input_size)",
        crate::limits::human_size(*size), crate::limits::human_size(*limit)
    )]
    TooLarge { size: u64, limit: u64 },
    #[error(
        "`clients` has {count} entries, over the limit of {limit} (--max-clients, [limits] max_clients)"
    )]
    TooManyClients { count: usize, limit: usize },
}

impl ReadError {
    /// Whether the file may simply not be completely written yet (a receiver still writing,
    /// a preallocated file still full of zeros), so that waiting can make it readable. A file
    /// over a limit or with the wrong structure will not get better by waiting.
    pub fn may_be_incomplete(&self) -> bool {
        matches!(
            self,
            ReadError::Empty
                | ReadError::Binary { .. }
                | ReadError::UnknownEncoding { .. }
                | ReadError::BadUtf16(_)
                | ReadError::Truncated { .. }
                | ReadError::Syntax { .. }
        )
    }
}

/// The text encoding a payload arrived in; reported so that a dealer can fix the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    Utf8,
    Utf8Bom,
    Utf16,
    Windows1251,
}

/// One webhook delivery: the known top-level fields and its clients.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    pub event: Option<String>,
    pub dialog_id: Option<String>,
    pub date: Option<String>,
    pub clients: Vec<ClientEntry>,
    pub encoding: SourceEncoding,
}

/// An element of `clients`: normally an object; anything else is kept so it can be reported.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEntry {
    Client(Client),
    NotAnObject(&'static str),
}

/// An empty client: what is left where an entry was taken out to be qualified.
impl Default for ClientEntry {
    fn default() -> Self {
        ClientEntry::Client(Client::default())
    }
}

/// A client as Bachata sends it. Every field is optional: `null`, missing and empty are all `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Client {
    pub search_id: Option<String>,
    pub login: Option<String>,
    pub client_id: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// `customData` flattened to text, sorted by key so that output is deterministic.
    pub custom_data: Vec<(String, String)>,
}

/// Reads a payload from the raw bytes of a saved webhook, within the default [`Limits`].
pub fn read(bytes: &[u8]) -> Result<Payload, ReadError> {
    read_limited(bytes, &Limits::default())
}

/// Reads a payload, refusing it before any client is built when it breaks a limit.
pub fn read_limited(bytes: &[u8], limits: &Limits) -> Result<Payload, ReadError> {
    let size = bytes.len() as u64;
    if size > limits.max_input_bytes {
        return Err(ReadError::TooLarge {
            size,
            limit: limits.max_input_bytes,
        });
    }
    if bytes.len() >= CHECK_ASIDE_FROM
        && let Some(parsed) = if_utf8(bytes, || {
            parse_payload(bytes, SourceEncoding::Utf8, limits.max_clients)
        })
    {
        return parsed;
    }
    let (text, encoding) = decode(bytes)?;
    parse_payload(text.as_bytes(), encoding, limits.max_clients)
}

/// Nearly every file is UTF-8 without a byte-order mark: `read` runs on the bytes as such while
/// another core checks that they are. `None` (and what `read` gave thrown away) when they are
/// not, or are only whitespace: then the file is read the careful way, which words the error.
fn if_utf8<T: Send>(bytes: &[u8], read: impl FnOnce() -> T + Send) -> Option<T> {
    if Encoding::for_bom(bytes).is_some() || bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let (result, utf8) = crate::parallel::both(read, || decode_utf8(bytes, bytes).is_ok());
    utf8.then_some(result)
}

/// From this size on, checking that a file is UTF-8 is done beside parsing it.
const CHECK_ASIDE_FROM: usize = 1 << 20;

/// Batches of a payload's clients with the index of each batch's first client, sent while the
/// rest of the payload is still being read (see [`read_streaming`]).
pub type ClientBatches = std::sync::mpsc::Sender<(usize, Vec<ClientEntry>)>;

/// Clients per batch sent to [`ClientBatches`].
const STREAM_BATCH: usize = 2048;

/// Whether [`read_streaming`] is worth trying on `bytes`: big enough, and no byte-order mark.
pub fn worth_streaming(bytes: &[u8], limits: &Limits) -> bool {
    bytes.len() >= CHECK_ASIDE_FROM
        && bytes.len() as u64 <= limits.max_input_bytes
        && Encoding::for_bom(bytes).is_none()
}

/// Reads a big payload while handing its clients, in order, to `batches` as they are read, so
/// that they are qualified on another core meanwhile; the payload returned has no clients.
/// `None` when that cannot give exactly what [`read_limited`] gives (not UTF-8, not strict
/// JSON, two `clients` arrays, a limit or any other error): the caller then discards what it
/// received and reads the file with [`read_limited`], which also words any error.
pub fn read_streaming(bytes: &[u8], limits: &Limits, batches: ClientBatches) -> Option<Payload> {
    if !worth_streaming(bytes, limits) {
        return None;
    }
    let top = if_utf8(bytes, move || {
        parse_strict(bytes, limits.max_clients, Some(&batches)).ok()
    })??;
    if let Top::Object(object) = &top
        && object.clients_keys != 1
    {
        return None;
    }
    payload_of(top, SourceEncoding::Utf8, limits.max_clients).ok()
}

fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, SourceEncoding), ReadError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty);
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        if encoding == UTF_8 {
            return decode_utf8(body, bytes).map(|text| (text, SourceEncoding::Utf8Bom));
        }
        return encoding
            .decode_without_bom_handling_and_without_replacement(body)
            .map(|text| (text, SourceEncoding::Utf16))
            .ok_or(ReadError::BadUtf16(encoding.name()));
    }
    decode_utf8(bytes, bytes)
        .map(|text| (text, SourceEncoding::Utf8))
        .or_else(|err| match err {
            ReadError::UnknownEncoding { byte, offset, .. } => decode_legacy(bytes, byte, offset),
            other => Err(other),
        })
}

fn decode_utf8<'a>(body: &'a [u8], whole: &[u8]) -> Result<Cow<'a, str>, ReadError> {
    if let Some(offset) = memchr_nul(whole) {
        return Err(ReadError::Binary { offset });
    }
    std::str::from_utf8(body).map(Cow::Borrowed).map_err(|err| {
        let offset = err.valid_up_to();
        ReadError::UnknownEncoding {
            byte: body[offset],
            offset: offset + (whole.len() - body.len()),
            guess: String::new(),
        }
    })
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    // `contains` on bytes is a vectorised memchr; `position` walks byte by byte, which was a
    // measurable part of reading a 16 MB file. Nearly every file has no NUL at all.
    if !bytes.contains(&0) {
        return None;
    }
    bytes.iter().position(|&b| b == 0)
}

/// Old Windows tools save JSON in windows-1251. We accept it only when chardetng (the detector
/// Firefox uses) agrees that the bytes are windows-1251, so KOI8-R or CP866 text is refused
/// instead of being turned into mojibake.
fn decode_legacy(
    bytes: &[u8],
    byte: u8,
    offset: usize,
) -> Result<(Cow<'_, str>, SourceEncoding), ReadError> {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"ru"), chardetng::Utf8Detection::Deny);
    if guess == WINDOWS_1251
        && let Some(text) = WINDOWS_1251.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Ok((Cow::Owned(text.into_owned()), SourceEncoding::Windows1251));
    }
    Err(ReadError::UnknownEncoding {
        byte,
        offset,
        guess: format!(" (it looks like {})", guess.name()),
    })
}

/// Parses the text straight into the payload: the known fields are picked out while the JSON is
/// read, without first building a tree of the whole file (for 50,000 clients that tree was most of
/// the reading time). Structural problems are reported only once the whole text is known to be
/// JSON, so a file that is both truncated and odd is reported as truncated.
fn parse_payload(
    text: &[u8],
    encoding: SourceEncoding,
    max_clients: usize,
) -> Result<Payload, ReadError> {
    // Strict JSON, what Bachata sends, first: serde_json reads it a tenth faster than its
    // lenient fork, which reads whatever strict JSON refuses and words every error.
    let top = match parse_strict(text, max_clients, None) {
        Ok(top) => top,
        Err(_) => parse_lenient(text, max_clients)?,
    };
    payload_of(top, encoding, max_clients)
}

/// The payload a parsed top-level value holds, or why it holds none.
fn payload_of(
    top: Top,
    encoding: SourceEncoding,
    max_clients: usize,
) -> Result<Payload, ReadError> {
    let object = match top {
        Top::NotAnObject(kind) => return Err(ReadError::NotAnObject(kind)),
        Top::Object(object) => object,
    };
    let clients = match object.clients.take() {
        None | Some(Clients::Other("null")) => return Err(ReadError::NoClients),
        Some(Clients::TooMany(count)) => {
            return Err(ReadError::TooManyClients {
                count,
                limit: max_clients,
            });
        }
        Some(Clients::Array(items)) => items,
        Some(Clients::Streamed) => Vec::new(),
        Some(Clients::Other(kind)) => return Err(ReadError::ClientsNotArray(kind)),
    };
    Ok(Payload {
        event: object.event.text(),
        dialog_id: object.dialog_id.text(),
        date: object.date.text(),
        clients,
        encoding,
    })
}

/// The top-level value of strict JSON, its first `clients` array sent to `stream` if given.
fn parse_strict(
    text: &[u8],
    max_clients: usize,
    stream: Option<&ClientBatches>,
) -> Result<Top, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let top = de.deserialize_any(TopVisitor {
        max_clients,
        stream,
    })?;
    de.end().map(|()| top)
}

/// The top-level value, read leniently.
fn parse_lenient(text: &[u8], max_clients: usize) -> Result<Top, ReadError> {
    // A lone UTF-16 surrogate (`"\ud83d"`, what JavaScript leaves when it cuts an emoji in
    // half) becomes U+FFFD instead of costing the whole file: found by the hostile-input tests.
    let read = serde_json_lenient::de::SliceRead::new(text, true, false, false, false, false);
    let mut de = serde_json_lenient::Deserializer::new(read);
    // The integration note's own example ends `clients` with `],` before `}`.
    de.set_ignore_trailing_commas(true);
    de.deserialize_any(TopVisitor {
        max_clients,
        stream: None,
    })
    .and_then(|top| de.end().map(|()| top))
    .map_err(json_error)
}

fn json_error(err: serde_json_lenient::Error) -> ReadError {
    let (line, column) = (err.line(), err.column());
    let message = err.to_string();
    if err.is_eof() {
        ReadError::Truncated { line, column }
    } else if message.contains("recursion limit exceeded") {
        ReadError::TooDeep { line, column }
    } else {
        // serde's message ends with " at line L column C"; we say that ourselves.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(head, _)| head)
            .to_string();
        ReadError::Syntax {
            line,
            column,
            message,
        }
    }
}

/// A field that may come under several names: the name earliest in the alias list wins, and of
/// two entries under the same name the later one, as with a JSON object read into a map.
#[derive(Debug)]
struct Aliased<T>(Option<(usize, T)>);

impl<T> Default for Aliased<T> {
    fn default() -> Self {
        Aliased(None)
    }
}

impl<T> Aliased<T> {
    fn offer(&mut self, rank: usize, value: T) {
        if self.0.as_ref().is_none_or(|(held, _)| rank <= *held) {
            self.0 = Some((rank, value));
        }
    }

    fn take(self) -> Option<T> {
        self.0.map(|(_, value)| value)
    }
}

impl Aliased<Text> {
    fn text(self) -> Option<String> {
        self.take().and_then(|text| text.0)
    }
}

const EVENT: &[&str] = &["event", "eventName", "event_name", "eventType", "trigger"];
const DIALOG_ID: &[&str] = &["dialogId", "dialog_id", "chatId", "chat_id"];
const DATE: &[&str] = &["date", "createdAt", "created_at", "timestamp"];
const CLIENTS: &[&str] = &["clients", "Clients"];
/// A client's text fields, in the order of the destructuring in `ClientVisitor::visit_map`.
const CLIENT_TEXT: [&[&str]; 6] = [
    &["searchId", "search_id"],
    &["login"],
    &["clientId", "client_id", "id"],
    &["name"],
    &["phone", "mobilePhone", "mobile_phone"],
    &["email", "eMail", "e-mail"],
];
// `custoData` is the spelling in the dealer integration note's example.
const CUSTOM_DATA: &[&str] = &["customData", "custoData", "custom_data"];

fn rank(names: &[&str], key: &str) -> Option<usize> {
    names.iter().position(|name| *name == key)
}

#[derive(Debug)]
enum Top {
    NotAnObject(&'static str),
    Object(TopObject),
}

#[derive(Default, Debug)]
struct TopObject {
    clients: Aliased<Clients>,
    /// How many keys named `clients` (or an alias) the object has.
    clients_keys: usize,
    event: Aliased<Text>,
    dialog_id: Aliased<Text>,
    date: Aliased<Text>,
}

/// What `clients` held. Past the limit the entries are only counted, not built.
#[derive(Debug)]
enum Clients {
    Array(Vec<ClientEntry>),
    /// Every entry was sent to the stream as it was read.
    Streamed,
    TooMany(usize),
    Other(&'static str),
}

/// Visits every kind of JSON value; anything not handled is consumed and named by its kind.
macro_rules! other_kinds {
    ($out:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($out("a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($out("a string"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($out("null"))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($out("null"))
        }
    };
}

struct TopVisitor<'s> {
    max_clients: usize,
    /// Where the clients go as they are read, for [`read_streaming`].
    stream: Option<&'s ClientBatches>,
}

impl<'de> Visitor<'de> for TopVisitor<'_> {
    type Value = Top;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    other_kinds!(Top::NotAnObject);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Top::NotAnObject("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut object = TopObject::default();
        while let Some(key) = map.next_key::<Key>()? {
            let key: &str = &key.0;
            if let Some(r) = rank(CLIENTS, key) {
                let clients = map.next_value_seed(ClientsSeed {
                    max_clients: self.max_clients,
                    // Only the first array: should a second one come, the file is read again
                    // without streaming (see `read_streaming`).
                    stream: self.stream.filter(|_| object.clients_keys == 0),
                })?;
                object.clients_keys += 1;
                object.clients.offer(r, clients);
            } else if let Some(r) = rank(EVENT, key) {
                object.event.offer(r, map.next_value()?);
            } else if let Some(r) = rank(DIALOG_ID, key) {
                object.dialog_id.offer(r, map.next_value()?);
            } else if let Some(r) = rank(DATE, key) {
                object.date.offer(r, map.next_value()?);
            } else {
                map.next_value::<Skip>()?;
            }
        }
        Ok(Top::Object(object))
    }
}

struct ClientsSeed<'s> {
    max_clients: usize,
    stream: Option<&'s ClientBatches>,
}

impl<'de> DeserializeSeed<'de> for ClientsSeed<'_> {
    type Value = Clients;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Clients, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ClientsSeed<'_> {
    type Value = Clients;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of clients")
    }

    other_kinds!(Clients::Other);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Clients, A::Error> {
        if let Some(stream) = self.stream {
            let mut sent = 0;
            let mut batch = Vec::with_capacity(STREAM_BATCH);
            while sent + batch.len() < self.max_clients {
                let Some(entry) = seq.next_element::<ClientEntry>()? else {
                    let _ = stream.send((sent, batch));
                    return Ok(Clients::Streamed);
                };
                batch.push(entry);
                if batch.len() == STREAM_BATCH {
                    // A receiver that is gone has given up on this reading: just read on.
                    let _ = stream.send((sent, std::mem::take(&mut batch)));
                    sent += STREAM_BATCH;
                    batch.reserve(STREAM_BATCH);
                }
            }
            let mut count = sent + batch.len();
            while seq.next_element::<Skip>()?.is_some() {
                count += 1;
            }
            return Ok(if count > self.max_clients {
                Clients::TooMany(count)
            } else {
                let _ = stream.send((sent, batch));
                Clients::Streamed
            });
        }
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(self.max_clients));
        while items.len() < self.max_clients {
            match seq.next_element::<ClientEntry>()? {
                Some(entry) => items.push(entry),
                None => return Ok(Clients::Array(items)),
            }
        }
        if seq.next_element::<Skip>()?.is_none() {
            return Ok(Clients::Array(items));
        }
        // A client costs several times its JSON text: past the limit, only count the rest.
        let mut count = items.len() + 1;
        drop(items);
        while seq.next_element::<Skip>()?.is_some() {
            count += 1;
        }
        Ok(Clients::TooMany(count))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Clients, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Clients::Other("an object"))
    }
}
impl<'de> Deserialize<'de> for ClientEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ClientVisitor)
    }
}

struct ClientVisitor;

impl<'de> Visitor<'de> for ClientVisitor {
    type Value = ClientEntry;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a client object")
    }

    other_kinds!(ClientEntry::NotAnObject);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ClientEntry, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(ClientEntry::NotAnObject("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ClientEntry, A::Error> {
        let mut text: [Aliased<Text>; 6] = Default::default();
        let mut custom = Aliased::<CustomData>::default();
        while let Some(key) = map.next_key::<Key>()? {
            let key: &str = &key.0;
            let field = (CLIENT_TEXT.iter().enumerate())
                .find_map(|(field, names)| Some((field, rank(names, key)?)));
            if let Some((field, r)) = field {
                text[field].offer(r, map.next_value()?);
            } else if let Some(r) = rank(CUSTOM_DATA, key) {
                custom.offer(r, map.next_value()?);
            } else {
                map.next_value::<Skip>()?;
            }
        }
        let [search_id, login, client_id, name, phone, email] = text.map(Aliased::text);
        Ok(ClientEntry::Client(Client {
            search_id,
            login,
            client_id,
            name,
            phone,
            email,
            custom_data: custom.take().map(|c| c.0).unwrap_or_default(),
        }))
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_string())))
            }
            fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A text field as [`value_text`] renders its JSON value, trimmed; `None` when that is empty.
/// A string is copied once, straight from the text; an array or object is written as compact
/// JSON while it is read, never held as a JSON tree.
#[derive(Debug)]
struct Text(Option<String>);

impl Text {
    fn of(text: &str) -> Text {
        let trimmed = text.trim();
        Text((!trimmed.is_empty()).then(|| trimmed.to_string()))
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = ValueText::deserialize(deserializer)?.0;
        let trimmed = text.trim();
        Ok(if trimmed.len() == text.len() && !text.is_empty() {
            Text(Some(text))
        } else {
            Text::of(trimmed)
        })
    }
}

/// Any JSON value as [`value_text`] writes it: a string as it is, `null` as empty, a number
/// without a spurious `.0`, an array or object as compact JSON with sorted keys.
struct ValueText(String);

impl<'de> Deserialize<'de> for ValueText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueTextVisitor;
        impl<'de> Visitor<'de> for ValueTextVisitor {
            type Value = ValueText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<ValueText, E> {
                Ok(ValueText(b.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ValueText, E> {
                Ok(ValueText(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ValueText, E> {
                Ok(ValueText(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<ValueText, E> {
                Ok(ValueText(float_text(n)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ValueText, E> {
                Ok(ValueText(text.to_string()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<ValueText, E> {
                Ok(ValueText(text))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ValueText, E> {
                Ok(ValueText(String::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<ValueText, E> {
                Ok(ValueText(String::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ValueText, A::Error> {
                JsonVisitor.visit_seq(seq).map(|json| ValueText(json.0))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueText, A::Error> {
                JsonVisitor.visit_map(map).map(|json| ValueText(json.0))
            }
        }
        deserializer.deserialize_any(ValueTextVisitor)
    }
}

/// A float as [`value_text`] writes it: without a spurious `.0`; empty for what serde_json's
/// own `Value` would make null.
fn float_text(n: f64) -> String {
    match serde_json::Number::from_f64(n) {
        None => String::new(),
        Some(_) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
        Some(number) => number.to_string(),
    }
}

/// Any JSON value as compact JSON text, keys sorted and the last of equal keys kept: what
/// serde_json writes for its `Value`, made while reading. Holding the text instead of a tree is
/// what bounds memory: `[[],[],…]` costs two bytes an element, not a `Value` and a vector each.
struct Json(String);

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Json, E> {
        Ok(Json(b.to_string()))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Json, E> {
        Ok(Json(n.to_string()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Json, E> {
        Ok(Json(n.to_string()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Json, E> {
        Ok(Json(
            serde_json::Number::from_f64(n).map_or_else(|| "null".to_string(), |n| n.to_string()),
        ))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Json, E> {
        Ok(Json(quoted(text)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json("null".to_string()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json("null".to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut text = String::from("[");
        while let Some(element) = seq.next_element::<Json>()? {
            if text.len() > 1 {
                text.push(',');
            }
            text.push_str(&element.0);
        }
        text.push(']');
        Ok(Json(text))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        // Keys and values go into one buffer, found again by their offsets: a map of millions
        // of tiny entries then costs a few bytes each, not two strings and a tree node each.
        let mut buffer = String::new();
        let mut entries: Vec<(usize, usize, usize)> = Vec::new();
        while let Some(key) = map.next_key::<Key>()? {
            let start = buffer.len();
            buffer.push_str(&key.0);
            let key_end = buffer.len();
            buffer.push_str(&map.next_value::<Json>()?.0);
            entries.push((start, key_end, buffer.len()));
        }
        let key = |&(start, key_end, _): &(usize, usize, usize)| &buffer[start..key_end];
        // Sorted by key, and of equal keys the last one kept, as serde_json's map does.
        entries.sort_by(|a, b| key(a).cmp(key(b)));
        let mut text = String::from("{");
        for (i, entry) in entries.iter().enumerate() {
            if entries
                .get(i + 1)
                .is_some_and(|next| key(next) == key(entry))
            {
                continue;
            }
            if text.len() > 1 {
                text.push(',');
            }
            text.push_str(&quoted(key(entry)));
            text.push(':');
            text.push_str(&buffer[entry.1..entry.2]);
        }
        text.push('}');
        Ok(Json(text))
    }
}

/// A string as a JSON string literal, escaped as serde_json escapes it.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// `customData`: an object's entries as text, sorted by key (the last of equal keys kept); a
/// value that is not an object is kept under an empty key rather than losing what the operator
/// typed; `null` is nothing.
struct CustomData(Vec<(String, String)>);

impl<'de> Deserialize<'de> for CustomData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CustomDataVisitor;
        impl<'de> Visitor<'de> for CustomDataVisitor {
            type Value = CustomData;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CustomData, A::Error> {
                let mut entries: Vec<(String, String)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, ValueText>()? {
                    entries.push((key, value.0));
                }
                // Sorted by key, and of equal keys the last one kept, as serde_json's map does.
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                let mut kept: Vec<(String, String)> = Vec::with_capacity(entries.len());
                for entry in entries {
                    match kept.last_mut() {
                        Some(last) if last.0 == entry.0 => *last = entry,
                        _ => kept.push(entry),
                    }
                }
                Ok(CustomData(kept))
            }
            fn visit_unit<E: de::Error>(self) -> Result<CustomData, E> {
                Ok(CustomData(Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<CustomData, E> {
                Ok(CustomData(Vec::new()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<CustomData, E> {
                kept_whole(ValueText(b.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<CustomData, E> {
                kept_whole(ValueText(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<CustomData, E> {
                kept_whole(ValueText(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<CustomData, E> {
                kept_whole(ValueText(float_text(n)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<CustomData, E> {
                kept_whole(ValueText(text.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<CustomData, A::Error> {
                kept_whole(ValueText(JsonVisitor.visit_seq(seq)?.0))
            }
        }
        fn kept_whole<E>(text: ValueText) -> Result<CustomData, E> {
            Ok(CustomData(vec![(String::new(), text.0)]))
        }
        deserializer.deserialize_any(CustomDataVisitor)
    }
}

/// Any JSON value, read (so that the depth limit and syntax still apply) and dropped.
/// Unlike serde's `IgnoredAny`, it goes through `deserialize_any` like a `Value` does, so
/// nesting in fields nobody reads still counts against the depth limit.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SkipVisitor;
        impl<'de> Visitor<'de> for SkipVisitor {
            type Value = Skip;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            other_kinds!(|_| Skip);
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
                while seq.next_element::<Skip>()?.is_some() {}
                Ok(Skip)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
                while map.next_entry::<Skip, Skip>()?.is_some() {}
                Ok(Skip)
            }
        }
        deserializer.deserialize_any(SkipVisitor)
    }
}

/// Any JSON value as text, deterministically: strings as they are, `null` as empty, numbers
/// without a spurious `.0`, arrays and objects as compact JSON with sorted keys.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::Array(_) | Value::Object(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(json: &str) -> Client {
        match read(json.as_bytes()).expect("readable").clients.remove(0) {
            ClientEntry::Client(client) => client,
            other => panic!("not a client: {other:?}"),
        }
    }

    #[test]
    fn the_integration_note_example_reads_despite_its_trailing_comma_and_custo_data() {
        let note = r#"{
  "clients": [
    {
      "searchId": "1/3",
      "login": "i_visitor_in_tune_282",
      "clientId": "3f693c89349195",
      "name": "Yvan",
      "phone": "79801234444",
      "email": "test@gmail.com",
      "custoData": {
        "foo": "bar",
        "another": "one"
      }
    }
  ],
}"#;
        let c = client(note);
        assert_eq!(c.client_id.as_deref(), Some("3f693c89349195"));
        assert_eq!(c.phone.as_deref(), Some("79801234444"));
        assert_eq!(
            c.custom_data,
            vec![
                ("another".into(), "one".into()),
                ("foo".into(), "bar".into())
            ]
        );
    }

    #[test]
    fn trailing_comma_inside_an_object_is_accepted() {
        let c = client(r#"{"clients":[{"phone":"1","name":"A",}]}"#);
        assert_eq!(c.name.as_deref(), Some("A"));
    }

    #[test]
    fn a_utf8_bom_is_skipped() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(r#"{"clients":[{"name":"Ёлкин"}]}"#.as_bytes());
        let payload = read(&bytes).unwrap();
        assert_eq!(payload.encoding, SourceEncoding::Utf8Bom);
    }

    #[test]
    fn phone_as_a_number_and_nulls_everywhere() {
        let c = client(
            r#"{"clients":[{"phone":79801234444,"name":null,"email":null,"clientId":null,"customData":null}]}"#,
        );
        assert_eq!(c.phone.as_deref(), Some("79801234444"));
        assert_eq!(c.name, None);
        assert!(c.custom_data.is_empty());
    }

    #[test]
    fn custom_data_values_of_every_type_are_stringified_deterministically() {
        let c = client(
            r#"{"clients":[{"customData":{"s":"x","n":12,"f":1.5,"b":true,"z":null,"a":[1,"2"],"o":{"y":1,"x":2}}}]}"#,
        );
        let got: Vec<String> = c
            .custom_data
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            got,
            [
                "a=[1,\"2\"]",
                "b=true",
                "f=1.5",
                "n=12",
                "o={\"x\":2,\"y\":1}",
                "s=x",
                "z="
            ]
        );
        // Nested too.
        let c =
            client(r#"{"clients":[{"customData":{"o":{"k":1,"a":[2],"k":{"z":3,"y":4,"z":5}}}}]}"#);
        assert_eq!(c.custom_data[0].1, r#"{"a":[2],"k":{"y":4,"z":5}}"#);
        // A repeated key keeps its last value, as a JSON map would.
        let c = client(r#"{"clients":[{"customData":{"k":"1","a":"x","k":"2","b":3,"a":"y"}}]}"#);
        let pairs = [("a", "y"), ("b", "3"), ("k", "2")].map(|(k, v)| (k.into(), v.into()));
        assert_eq!(c.custom_data, pairs);
    }

    #[test]
    fn a_big_file_checked_for_utf8_beside_its_parsing_reads_as_a_small_one_would() {
        let clients = vec![r#"{"name":"Иванов Иван","phone":"89161234567"}"#; 30_000].join(",");
        let json = format!(r#"{{"event":"e","clients":[{clients}]}}"#);
        assert!(json.len() >= CHECK_ASIDE_FROM);
        let utf8 = read(json.as_bytes()).unwrap();
        assert_eq!(
            (utf8.encoding, utf8.clients.len()),
            (SourceEncoding::Utf8, 30_000)
        );
        let (cp1251, _, _) = WINDOWS_1251.encode(&json);
        let legacy = read(&cp1251).unwrap();
        assert_eq!(legacy.encoding, SourceEncoding::Windows1251);
        assert_eq!(legacy.clients, utf8.clients);
        let mut binary = json.clone().into_bytes();
        binary[100] = 0;
        assert_eq!(read(&binary), Err(ReadError::Binary { offset: 100 }));
        assert_eq!(
            read(&vec![b' '; CHECK_ASIDE_FROM + 1]),
            Err(ReadError::Empty)
        );
    }

    #[test]
    fn strict_json_reads_as_the_lenient_reader_reads_it() {
        let tricky = [
            r#"{"event":"e","dialogId":7,"clients":[{"name":"\u0418\u0432\u0430\u043d \ud83d\ude97","phone":79161234567,"email":null,"customData":{"a":[1,2.50,-0.0,1e300,{"b":true}],"n":12345678901234567890,"t":"\"\\\/\b\f\n\r\t"}},[],1,"x",null]}"#,
            r#"{"Clients":[{"clientId":"1","id":"2","client_id":"3"}],"clients":[{"login":"x"}],"date":1.5e3}"#,
            r#"{"clients":[{"customData":"plain","phone":" 8 (916) 555-12-34 "}],"trigger":{"k":[{}]}}"#,
            r#"{"clients":[{"searchId":1e-7,"login":-12,"name":false}]}"#,
        ];
        let fixtures = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/inbox"))
            .unwrap()
            .map(|entry| std::fs::read(entry.unwrap().path()).unwrap());
        for text in tricky {
            let strict = serde_json::from_str::<serde::de::IgnoredAny>(text);
            assert!(
                strict.is_ok(),
                "{text} is meant to be strict JSON: {strict:?}"
            );
        }
        for bytes in tricky
            .map(|text| text.as_bytes().to_vec())
            .into_iter()
            .chain(fixtures)
        {
            let Ok((text, _)) = decode(&bytes) else {
                continue;
            };
            let text = text.as_bytes();
            // Files only the lenient reader takes (the note's trailing comma) have nothing to compare.
            let Ok(strict) = parse_strict(text, 100, None) else {
                continue;
            };
            let lenient = parse_lenient(text, 100).expect("strict JSON reads leniently too");
            assert_eq!(
                format!("{strict:?}"),
                format!("{lenient:?}"),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        // What only the lenient reader takes is still read.
        let lenient = br#"{"clients":[{"name":"\ud83d","phone":"1"},],}"#;
        let payload = read(lenient).unwrap();
        let ClientEntry::Client(client) = &payload.clients[0] else {
            panic!()
        };
        assert_eq!(client.name.as_deref(), Some("\u{FFFD}"));
    }

    #[test]
    fn windows_1251_text_is_decoded_not_mangled() {
        let json = r#"{"clients":[{"name":"Иванов Иван Иванович","phone":"89161234567"}]}"#;
        let (bytes, _, _) = WINDOWS_1251.encode(json);
        let payload = read(&bytes).unwrap();
        assert_eq!(payload.encoding, SourceEncoding::Windows1251);
        let ClientEntry::Client(c) = &payload.clients[0] else {
            panic!()
        };
        assert_eq!(c.name.as_deref(), Some("Иванов Иван Иванович"));
    }

    #[test]
    fn koi8_text_is_refused_rather_than_turned_into_mojibake() {
        let json = r#"{"clients":[{"name":"Иванов Иван Иванович, Петрова Мария Сергеевна","phone":"89161234567"}]}"#;
        let (bytes, _, _) = encoding_rs::KOI8_R.encode(json);
        let err = read(&bytes).unwrap_err();
        assert!(matches!(err, ReadError::UnknownEncoding { .. }), "{err}");
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in r#"{"clients":[{"name":"Пётр"}]}"#.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let payload = read(&bytes).unwrap();
        let ClientEntry::Client(c) = &payload.clients[0] else {
            panic!()
        };
        assert_eq!(c.name.as_deref(), Some("Пётр"));
    }

    #[test]
    fn unreadable_inputs_get_their_own_reason() {
        type Expect = fn(&ReadError) -> bool;
        let cases: [(&[u8], Expect); 7] = [
            (b"", |e| matches!(e, ReadError::Empty)),
            (b"  \r\n", |e| matches!(e, ReadError::Empty)),
            (b"{\"clients\": [", |e| {
                matches!(e, ReadError::Truncated { .. })
            }),
            (b"\x00\x01\x02PK", |e| matches!(e, ReadError::Binary { .. })),
            (b"{\"clients\": 5}", |e| {
                matches!(e, ReadError::ClientsNotArray("a number"))
            }),
            (b"[1,2]", |e| {
                matches!(e, ReadError::NotAnObject("an array"))
            }),
            (b"{\"event\":\"x\"}", |e| matches!(e, ReadError::NoClients)),
        ];
        for (bytes, expected) in cases {
            let err = read(bytes).unwrap_err();
            assert!(expected(&err), "{bytes:?} gave {err}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let json = format!(
            "{{\"clients\":[{{\"customData\":{}{}}}]}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(matches!(
            read(json.as_bytes()),
            Err(ReadError::TooDeep { .. })
        ));
    }

    #[test]
    fn top_level_event_and_unknown_fields() {
        let payload =
            read(br#"{"event":"dialog_completed","dialogId":17,"x":{"y":1},"clients":[]}"#)
                .unwrap();
        assert_eq!(payload.event.as_deref(), Some("dialog_completed"));
        assert_eq!(payload.dialog_id.as_deref(), Some("17"));
    }

    #[test]
    fn a_client_that_is_not_an_object_is_kept_for_reporting() {
        let payload = read(br#"{"clients":["x",{"phone":"1"}]}"#).unwrap();
        assert_eq!(payload.clients[0], ClientEntry::NotAnObject("a string"));
    }

    #[test]
    fn limits_refuse_before_any_client_is_built() {
        let limits = Limits {
            max_input_bytes: 64,
            max_clients: 2,
        };
        let three = br#"{"clients":[{},{},{}]}"#;
        assert_eq!(
            read_limited(three, &limits),
            Err(ReadError::TooManyClients { count: 3, limit: 2 })
        );
        assert_eq!(
            read_limited(br#"{"clients":[{},{}]}"#, &limits)
                .unwrap()
                .clients
                .len(),
            2
        );
        let big = format!(r#"{{"clients":[],"pad":"{}"}}"#, "x".repeat(64));
        let err = read_limited(big.as_bytes(), &limits).unwrap_err();
        assert_eq!(
            err,
            ReadError::TooLarge {
                size: 87,
                limit: 64
            }
        );
        assert_eq!(
            err.to_string(),
            "the input is 87 bytes, over the limit of 64 bytes (--max-input-size, [limits] max_input_size)"
        );
    }

    #[test]
    fn crlf_line_ends_and_escaped_crlf_in_values_are_read() {
        // Saved by Notepad on Windows: CRLF between tokens, and an operator's two-line comment.
        let json = "{\r\n  \"clients\": [\r\n    {\"name\": \"Иван\",\r\n     \"phone\": \"89161234567\",\r\n     \"customData\": {\"comment\": \"line 1\\r\\nline 2\"}}\r\n  ],\r\n}\r\n";
        let c = client(json);
        assert_eq!(c.name.as_deref(), Some("Иван"));
        assert_eq!(
            c.custom_data,
            vec![("comment".into(), "line 1\r\nline 2".into())]
        );
    }

    #[test]
    fn aliases_duplicates_and_odd_types_read_as_a_json_map_would_give_them() {
        let c = client(
            r#"{"clients":[{"id":"a","clientId":" b ","name":"x","name":"y","phone":null,
            "mobilePhone":"1","email":{"b":[1,2.0],"a":null},"login":7.9e10,"searchId":true,
            "deep":[[{"k":[1]}]],"custom_data":{"z":1},"customData":"plain"}]}"#,
        );
        assert_eq!(c.client_id.as_deref(), Some("b"));
        assert_eq!(c.name.as_deref(), Some("y"));
        assert_eq!(c.phone, None);
        assert_eq!(c.email.as_deref(), Some(r#"{"a":null,"b":[1,2.0]}"#));
        assert_eq!(c.login.as_deref(), Some("79000000000"));
        assert_eq!(c.search_id.as_deref(), Some("true"));
        assert_eq!(c.custom_data, vec![(String::new(), "plain".into())]);
        assert_eq!(
            read(br#"{"clients":null,"Clients":[{}]}"#),
            Err(ReadError::NoClients)
        );
        assert_eq!(read(br#"{"Clients":[{}]}"#).unwrap().clients.len(), 1);
        let payload = read(br#"{"trigger":"t","event":" e ","chat_id":"c","clients":[[1],2]}"#);
        let payload = payload.unwrap();
        assert_eq!(payload.event.as_deref(), Some("e"));
        assert_eq!(payload.dialog_id.as_deref(), Some("c"));
        assert_eq!(
            payload.clients,
            [
                ClientEntry::NotAnObject("an array"),
                ClientEntry::NotAnObject("a number")
            ]
        );
    }

    #[test]
    fn limits_and_errors_still_see_the_whole_text() {
        // Nesting in a field nobody reads still counts against the depth limit.
        let deep = format!(
            r#"{{"clients":[],"x":{}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(matches!(
            read(deep.as_bytes()),
            Err(ReadError::TooDeep { line: 1, .. })
        ));
        let limits = Limits {
            max_input_bytes: 1 << 20,
            max_clients: 2,
        };
        // Past the limit the rest is counted, and a broken end is still reported as such.
        assert_eq!(
            read_limited(br#"{"clients":[{},1,[],{"a":[]},null]}"#, &limits),
            Err(ReadError::TooManyClients { count: 5, limit: 2 })
        );
        assert!(matches!(
            read_limited(br#"{"clients":[{},{},{},"#, &limits),
            Err(ReadError::Truncated { .. })
        ));
        assert!(matches!(
            read(br#"{"clients":5,"x":}"#),
            Err(ReadError::Syntax { .. })
        ));
    }

    /// Any JSON value, nested a few levels, for the reference check below.
    fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e20f64..1e20).prop_map(Value::from),
            "[a-z\"\\\\\u{0}-\u{1f}ё ]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-c]{0,2}", inner), 0..4)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Values written while reading (no JSON tree) are what serde_json's `Value`, the
        /// reference, gives: for a text field and for customData, nested or not.
        #[test]
        fn values_read_without_a_tree_are_what_a_json_tree_gives(value in any_json()) {
            let json = serde_json::to_string(&value).unwrap();
            // The reference reads the same text (serde_json's float reading is not exact).
            let value: Value = serde_json::from_str(&json).unwrap();
            let text = format!(r#"{{"clients":[{{"name":{json},"customData":{{"k":{json}}}}}]}}"#);
            let c = client(&text);
            let expected = value_text(&value);
            let trimmed = expected.trim();
            proptest::prop_assert_eq!(c.name.as_deref(), (!trimmed.is_empty()).then_some(trimmed));
            proptest::prop_assert_eq!(&c.custom_data, &vec![("k".to_string(), expected.clone())]);
            // customData that is not an object is kept whole under an empty key.
            let whole = client(&format!(r#"{{"clients":[{{"customData":{json}}}]}}"#));
            let expected_whole = match &value {
                Value::Null => vec![],
                Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), value_text(v))).collect(),
                _ => vec![(String::new(), expected)],
            };
            proptest::prop_assert_eq!(whole.custom_data, expected_whole);
        }
    }
}
