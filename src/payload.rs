//! The Bachata webhook payload and its tolerant reading.
//!
//! Owns the step bytes → payload: decoding (UTF-8 with or without BOM, UTF-16 with BOM,
//! windows-1251 when it is recognisably that), tolerant JSON (trailing commas), and picking
//! the known fields out of whatever else the sender put in the object.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};
use serde::Deserialize;
use serde_json::{Map, Value};

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
    let (text, encoding) = decode(bytes)?;
    let value = parse_json(&text)?;
    from_value(value, encoding, limits.max_clients)
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

fn parse_json(text: &str) -> Result<Value, ReadError> {
    // A lone UTF-16 surrogate (`"\ud83d"`, what JavaScript leaves when it cuts an emoji in
    // half) becomes U+FFFD instead of costing the whole file: found by the hostile-input tests.
    let read =
        serde_json_lenient::de::SliceRead::new(text.as_bytes(), true, false, false, false, false);
    let mut de = serde_json_lenient::Deserializer::new(read);
    // The integration note's own example ends `clients` with `],` before `}`.
    de.set_ignore_trailing_commas(true);
    let value = Value::deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value))
        .map_err(json_error)?;
    Ok(value)
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

// Moves the strings out of the parsed tree instead of copying them: a 50,000-client file holds
// half a million of them.
fn from_value(
    value: Value,
    encoding: SourceEncoding,
    max_clients: usize,
) -> Result<Payload, ReadError> {
    let Value::Object(mut object) = value else {
        return Err(ReadError::NotAnObject(kind(&value)));
    };
    let clients = match take(&mut object, &["clients", "Clients"]) {
        None | Some(Value::Null) => return Err(ReadError::NoClients),
        // A client costs several times its JSON tree node: count before building any.
        Some(Value::Array(items)) if items.len() > max_clients => {
            return Err(ReadError::TooManyClients {
                count: items.len(),
                limit: max_clients,
            });
        }
        Some(Value::Array(items)) => items.into_iter().map(client_entry).collect(),
        Some(other) => return Err(ReadError::ClientsNotArray(kind(&other))),
    };
    Ok(Payload {
        event: take_text(
            &mut object,
            &["event", "eventName", "event_name", "eventType", "trigger"],
        ),
        dialog_id: take_text(&mut object, &["dialogId", "dialog_id", "chatId", "chat_id"]),
        date: take_text(
            &mut object,
            &["date", "createdAt", "created_at", "timestamp"],
        ),
        clients,
        encoding,
    })
}

fn client_entry(value: Value) -> ClientEntry {
    let Value::Object(mut object) = value else {
        return ClientEntry::NotAnObject(kind(&value));
    };
    let object = &mut object;
    ClientEntry::Client(Client {
        search_id: take_text(object, &["searchId", "search_id"]),
        login: take_text(object, &["login"]),
        client_id: take_text(object, &["clientId", "client_id", "id"]),
        name: take_text(object, &["name"]),
        phone: take_text(object, &["phone", "mobilePhone", "mobile_phone"]),
        email: take_text(object, &["email", "eMail", "e-mail"]),
        // `custoData` is the spelling in the dealer integration note's example.
        custom_data: custom_data(take(object, &["customData", "custoData", "custom_data"])),
    })
}

/// The value of the first of `names` present in `object`, taken out of it.
fn take(object: &mut Map<String, Value>, names: &[&str]) -> Option<Value> {
    names.iter().find_map(|name| object.remove(*name))
}

fn take_text(object: &mut Map<String, Value>, names: &[&str]) -> Option<String> {
    let text = into_text(take(object, names)?);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == text.len() {
        Some(text)
    } else {
        Some(trimmed.to_string())
    }
}

fn custom_data(value: Option<Value>) -> Vec<(String, String)> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        // serde_json's map is a BTreeMap: the keys come out sorted.
        Some(Value::Object(map)) => map.into_iter().map(|(k, v)| (k, into_text(v))).collect(),
        // Not an object: keep it rather than lose what the operator typed.
        Some(other) => vec![(String::new(), into_text(other))],
    }
}

/// `value_text`, reusing the string of a string value.
fn into_text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => value_text(&other),
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

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
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
}
