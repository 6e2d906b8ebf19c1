//! The Bachata webhook payload and its tolerant reading: the step bytes → payload.
//!
//! [`decode`] turns bytes into text (UTF-8 with or without BOM, UTF-16 with BOM, windows-1251
//! when it is recognisably that); [`parse`] reads the text as JSON, strict first and tolerant
//! (trailing commas) when that fails; [`visit`] picks the known fields out of whatever else the
//! sender put in the object, straight from the text, without a JSON tree.

mod custom_data;
mod decode;
mod parse;
mod visit;

pub use custom_data::CustomData;
pub use visit::value_text;

use encoding_rs::Encoding;

use crate::limits::Limits;
use decode::{decode, decode_utf8};
use parse::{parse_payload, parse_strict, payload_of};
use visit::Top;

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
    pub custom_data: CustomData,
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

/// Chunks of a payload's clients with the index of each chunk's first client, sent while the
/// rest of the payload is still being read (see [`read_streaming`]).
pub type ClientChunks = std::sync::mpsc::Sender<(usize, Vec<ClientEntry>)>;

/// Clients per chunk sent to [`ClientChunks`].
const STREAM_CHUNK: usize = 2048;

/// Whether [`read_streaming`] is worth trying on `bytes`: big enough, and no byte-order mark.
pub fn worth_streaming(bytes: &[u8], limits: &Limits) -> bool {
    bytes.len() >= CHECK_ASIDE_FROM
        && bytes.len() as u64 <= limits.max_input_bytes
        && Encoding::for_bom(bytes).is_none()
}

/// Reads a big payload while handing its clients, in order, to `chunks` as they are read, so
/// that they are qualified on another core meanwhile; the payload returned has no clients.
/// `None` when that cannot give exactly what [`read_limited`] gives (not UTF-8, not strict
/// JSON, two `clients` arrays, a limit or any other error): the caller then discards what it
/// received and reads the file with [`read_limited`], which also words any error.
pub fn read_streaming(bytes: &[u8], limits: &Limits, chunks: ClientChunks) -> Option<Payload> {
    if !worth_streaming(bytes, limits) {
        return None;
    }
    let top = if_utf8(bytes, move || {
        parse_strict(bytes, limits.max_clients, Some(&chunks)).ok()
    })??;
    if let Top::Object(object) = &top
        && object.clients_keys != 1
    {
        return None;
    }
    payload_of(top, SourceEncoding::Utf8, limits.max_clients).ok()
}

#[cfg(test)]
mod tests {
    use super::parse::parse_lenient;
    use super::visit::value_text;
    use super::*;
    use encoding_rs::WINDOWS_1251;
    use serde_json::Value;

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
        assert_eq!(c.custom_data, [("another", "one"), ("foo", "bar")]);
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
        assert_eq!(c.custom_data, [("o", r#"{"a":[2],"k":{"y":4,"z":5}}"#)]);
        // A repeated key keeps its last value, as a JSON map would.
        let c = client(r#"{"clients":[{"customData":{"k":"1","a":"x","k":"2","b":3,"a":"y"}}]}"#);
        assert_eq!(c.custom_data, [("a", "y"), ("b", "3"), ("k", "2")]);
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
        assert_eq!(c.custom_data, [("comment", "line 1\r\nline 2")]);
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
        assert_eq!(c.custom_data, [("", "plain")]);
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
