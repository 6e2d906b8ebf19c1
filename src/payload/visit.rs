//! serde visitors that read a payload straight from the JSON text: the top-level object's known
//! fields under their aliases, the `clients` array (streamed in chunks for big files), each
//! client's fields, and values written as text while they are read, so that no JSON tree of a
//! file is ever built and memory stays bounded by the file's size.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{Client, ClientChunks, ClientEntry, CustomData, STREAM_CHUNK};

/// A field that may come under several names: the name earliest in the alias list wins, and of
/// two entries under the same name the later one, as with a JSON object read into a map.
#[derive(Debug)]
pub(super) struct Aliased<T>(Option<(usize, T)>);

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

    pub(super) fn take(self) -> Option<T> {
        self.0.map(|(_, value)| value)
    }
}

impl Aliased<Text> {
    pub(super) fn text(self) -> Option<String> {
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

/// The top-level value of a payload.
#[derive(Debug)]
pub(super) enum Top {
    NotAnObject(&'static str),
    Object(TopObject),
}

#[derive(Default, Debug)]
pub(super) struct TopObject {
    pub(super) clients: Aliased<Clients>,
    /// How many keys named `clients` (or an alias) the object has.
    pub(super) clients_keys: usize,
    pub(super) event: Aliased<Text>,
    pub(super) dialog_id: Aliased<Text>,
    pub(super) date: Aliased<Text>,
}

/// What `clients` held. Past the limit the entries are only counted, not built.
#[derive(Debug)]
pub(super) enum Clients {
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

pub(super) struct TopVisitor<'s> {
    pub(super) max_clients: usize,
    /// Where the clients go as they are read, for `read_streaming`.
    pub(super) stream: Option<&'s ClientChunks>,
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
    stream: Option<&'s ClientChunks>,
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
            let mut chunk = Vec::with_capacity(STREAM_CHUNK);
            while sent + chunk.len() < self.max_clients {
                let Some(entry) = seq.next_element::<ClientEntry>()? else {
                    let _ = stream.send((sent, chunk));
                    return Ok(Clients::Streamed);
                };
                chunk.push(entry);
                if chunk.len() == STREAM_CHUNK {
                    // A receiver that is gone has given up on this reading: just read on.
                    let _ = stream.send((sent, std::mem::take(&mut chunk)));
                    sent += STREAM_CHUNK;
                    chunk.reserve(STREAM_CHUNK);
                }
            }
            let mut count = sent + chunk.len();
            while seq.next_element::<Skip>()?.is_some() {
                count += 1;
            }
            return Ok(if count > self.max_clients {
                Clients::TooMany(count)
            } else {
                let _ = stream.send((sent, chunk));
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
        let mut custom = Aliased::<CustomDataText>::default();
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
pub(super) struct Text(Option<String>);

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
            Text(Some(text.into_owned()))
        } else {
            Text::of(trimmed)
        })
    }
}

/// Any JSON value as [`value_text`] writes it: a string as it is (borrowed from the text read
/// when it has no escapes), `null` as empty, a number without a spurious `.0`, an array or
/// object as compact JSON with sorted keys.
struct ValueText<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for ValueText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueTextVisitor;
        impl<'de> Visitor<'de> for ValueTextVisitor {
            type Value = ValueText<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<ValueText<'de>, E> {
                Ok(ValueText(b.to_string().into()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ValueText<'de>, E> {
                Ok(ValueText(n.to_string().into()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ValueText<'de>, E> {
                Ok(ValueText(n.to_string().into()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<ValueText<'de>, E> {
                Ok(ValueText(float_text(n).into()))
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<ValueText<'de>, E> {
                Ok(ValueText(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ValueText<'de>, E> {
                Ok(ValueText(text.to_string().into()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<ValueText<'de>, E> {
                Ok(ValueText(text.into()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ValueText<'de>, E> {
                Ok(ValueText(Cow::Borrowed("")))
            }
            fn visit_none<E: de::Error>(self) -> Result<ValueText<'de>, E> {
                Ok(ValueText(Cow::Borrowed("")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ValueText<'de>, A::Error> {
                JsonVisitor
                    .visit_seq(seq)
                    .map(|json| ValueText(json.0.into()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueText<'de>, A::Error> {
                JsonVisitor
                    .visit_map(map)
                    .map(|json| ValueText(json.0.into()))
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
        // Keys and values go into one text, as customData's do: a map of millions of tiny
        // entries then costs a few bytes each, not two strings and a tree node each.
        let mut entries = CustomData::new();
        while let Some(key) = map.next_key::<Key>()? {
            entries.push(&key.0, &map.next_value::<Json>()?.0);
        }
        let entries = entries.sorted_by_key();
        // Each key quoted, a colon and a comma: room for all but escapes.
        let mut text = String::with_capacity(entries.text_len() + 4 * entries.len() + 2);
        text.push('{');
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&quoted(key));
            text.push(':');
            text.push_str(value);
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
struct CustomDataText(CustomData);

impl<'de> Deserialize<'de> for CustomDataText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CustomDataVisitor;
        impl<'de> Visitor<'de> for CustomDataVisitor {
            type Value = CustomDataText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CustomDataText, A::Error> {
                // Into one text as they are read: no string is made for a key or a string value.
                let mut entries = CustomData::new();
                while let Some(key) = map.next_key::<Key>()? {
                    entries.push(&key.0, &map.next_value::<ValueText>()?.0);
                }
                Ok(CustomDataText(entries.sorted_by_key()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<CustomDataText, E> {
                Ok(CustomDataText(CustomData::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<CustomDataText, E> {
                Ok(CustomDataText(CustomData::new()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<CustomDataText, E> {
                Ok(kept_whole(&b.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<CustomDataText, E> {
                Ok(kept_whole(&n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<CustomDataText, E> {
                Ok(kept_whole(&n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<CustomDataText, E> {
                Ok(kept_whole(&float_text(n)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<CustomDataText, E> {
                Ok(kept_whole(text))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<CustomDataText, A::Error> {
                Ok(kept_whole(&JsonVisitor.visit_seq(seq)?.0))
            }
        }
        fn kept_whole(text: &str) -> CustomDataText {
            CustomDataText([("", text)].into_iter().collect())
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
