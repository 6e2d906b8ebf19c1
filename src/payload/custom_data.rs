//! `customData`: a client's extra fields as key–value texts, held as one text and the lengths
//! of its parts. A webhook may carry millions of tiny entries (16 MiB of `{"0":0,"1":0,…}` is
//! 1.6 million): as two `String`s and a tuple each they cost about 80 bytes apiece, which made a
//! 16 MiB input take 23 times its size; here each costs its text and two or three bytes.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeSeq, Serializer};

/// Key–value pairs in the order they were put in. The reader puts them in sorted by key, of
/// equal keys the last one (as a JSON map reads an object); cleaning may then make two keys
/// equal, and both are kept, as they are in every output. Empty, it is one null pointer: a
/// client without customData costs nothing more. (The reader also holds any JSON object it
/// writes as text this way, its values as JSON, while it sorts them.)
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CustomData(Option<Box<Entries>>);

/// At least one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entries {
    /// Every key and then its value, one entry after another.
    text: String,
    /// The length in bytes of each key and each value in `text`, in turn, as LEB128 numbers:
    /// one byte for up to 127, and no length a `usize` holds is too long.
    lengths: Vec<u8>,
    count: usize,
}

/// Room a customData's text starts with: most are a few short fields.
const FIRST_TEXT: usize = 64;

/// Entries sorted with their places on the stack up to this many (most customData).
const SORTED_ON_STACK: usize = 16;

impl CustomData {
    pub fn new() -> CustomData {
        CustomData::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |entries| entries.count)
    }

    /// The length in bytes of all keys and values together.
    pub fn text_len(&self) -> usize {
        self.0.as_ref().map_or(0, |entries| entries.text.len())
    }

    /// Appends one entry.
    pub fn push(&mut self, key: &str, value: &str) {
        let entries = self.0.get_or_insert_with(|| {
            Box::new(Entries {
                text: String::with_capacity(FIRST_TEXT.max(key.len() + value.len())),
                lengths: Vec::with_capacity(8),
                count: 0,
            })
        });
        entries.text.push_str(key);
        entries.text.push_str(value);
        put_length(&mut entries.lengths, key.len());
        put_length(&mut entries.lengths, value.len());
        entries.count += 1;
    }

    /// The entries in order, as `(key, value)`.
    pub fn iter(&self) -> Iter<'_> {
        match &self.0 {
            Some(entries) => entries.iter(),
            None => Iter {
                text: "",
                lengths: &[],
            },
        }
    }

    /// The value of the first entry with this key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, value)| value)
    }

    /// The entries sorted by key, and of equal keys only the one put in last, as a JSON map
    /// keeps an object's: the order every output writes them in, whatever the sender's.
    pub fn sorted_by_key(mut self) -> CustomData {
        if let Some(entries) = self.0.as_deref_mut()
            && !entries.sorted()
        {
            // Offsets of 4 bytes where they fit: the entries' places take half the memory.
            *entries = match u32::try_from(entries.text.len()) {
                Ok(_) => entries.sorted_by_key::<u32>(),
                Err(_) => entries.sorted_by_key::<usize>(),
            };
        }
        self
    }
}

impl Entries {
    fn iter(&self) -> Iter<'_> {
        Iter {
            text: &self.text,
            lengths: &self.lengths,
        }
    }

    /// Whether every key is greater than the one before.
    fn sorted(&self) -> bool {
        let mut keys = self.iter().map(|(key, _)| key);
        let Some(mut previous) = keys.next() else {
            return true;
        };
        keys.all(|key| {
            let greater = previous < key;
            previous = key;
            greater
        })
    }

    fn sorted_by_key<At: Offset>(&self) -> Entries {
        // Where each entry is in `text`: its key's start and end, its value's end.
        let mut on_stack = [[At::of(0); 3]; SORTED_ON_STACK];
        let mut on_heap = Vec::new();
        let spans = if self.count <= SORTED_ON_STACK {
            &mut on_stack[..self.count]
        } else {
            on_heap.resize(self.count, [At::of(0); 3]);
            &mut on_heap[..]
        };
        let mut at = 0;
        for (span, (key, value)) in spans.iter_mut().zip(self.iter()) {
            let (key_end, end) = (at + key.len(), at + key.len() + value.len());
            *span = [At::of(at), At::of(key_end), At::of(end)];
            at = end;
        }
        let key = |span: &[At; 3]| &self.text[span[0].at()..span[1].at()];
        // Stable: of equal keys, the one put in last stays last. Keys sent in nearly sorted
        // runs (`"0"…"9","a"…"f","10"…`) are merged as runs, in about linear time.
        spans.sort_by(|a, b| key(a).cmp(key(b)));
        let mut sorted = Entries {
            text: String::with_capacity(self.text.len()),
            lengths: Vec::with_capacity(self.lengths.len()),
            count: 0,
        };
        for (i, span) in spans.iter().enumerate() {
            if spans.get(i + 1).is_some_and(|next| key(next) == key(span)) {
                continue;
            }
            sorted.text.push_str(&self.text[span[0].at()..span[2].at()]);
            put_length(&mut sorted.lengths, span[1].at() - span[0].at());
            put_length(&mut sorted.lengths, span[2].at() - span[1].at());
            sorted.count += 1;
        }
        sorted
    }
}

/// A place in the text, as `u32` when the text is under 4 GiB (always, but for a limit set
/// that high), else as `usize`.
trait Offset: Copy {
    fn of(at: usize) -> Self;
    fn at(self) -> usize;
}

impl Offset for u32 {
    fn of(at: usize) -> u32 {
        at as u32
    }
    fn at(self) -> usize {
        self as usize
    }
}

impl Offset for usize {
    fn of(at: usize) -> usize {
        at
    }
    fn at(self) -> usize {
        self
    }
}

fn put_length(lengths: &mut Vec<u8>, mut length: usize) {
    while length >= 0x80 {
        lengths.push(length as u8 | 0x80);
        length >>= 7;
    }
    lengths.push(length as u8);
}

/// The next length; `None` at the end (only [`put_length`] writes them, so never mid-way).
fn take_length(lengths: &mut &[u8]) -> Option<usize> {
    let mut length = 0;
    let mut shift = 0;
    loop {
        let (&byte, rest) = lengths.split_first()?;
        *lengths = rest;
        length |= usize::from(byte & 0x7F) << shift;
        if byte < 0x80 {
            return Some(length);
        }
        shift += 7;
    }
}

/// The entries of a [`CustomData`], in order.
#[derive(Clone)]
pub struct Iter<'a> {
    text: &'a str,
    lengths: &'a [u8],
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let key_length = take_length(&mut self.lengths)?;
        let value_length = take_length(&mut self.lengths)?;
        let (key, rest) = self.text.split_at_checked(key_length)?;
        let (value, rest) = rest.split_at_checked(value_length)?;
        self.text = rest;
        Some((key, value))
    }
}

impl<'a> IntoIterator for &'a CustomData {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for CustomData {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> CustomData {
        let mut data = CustomData::new();
        for (key, value) in entries {
            data.push(key.as_ref(), value.as_ref());
        }
        data
    }
}

/// Equal to a list of the same pairs in the same order.
impl<K: AsRef<str>, V: AsRef<str>> PartialEq<[(K, V)]> for CustomData {
    fn eq(&self, pairs: &[(K, V)]) -> bool {
        let pairs = pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref()));
        self.len() == pairs.len() && self.iter().eq(pairs)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> PartialEq<Vec<(K, V)>> for CustomData {
    fn eq(&self, pairs: &Vec<(K, V)>) -> bool {
        *self == pairs[..]
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> PartialEq<[(K, V); N]> for CustomData {
    fn eq(&self, pairs: &[(K, V); N]) -> bool {
        *self == pairs[..]
    }
}

/// As the list of pairs it is: `[("key", "value"), …]`.
impl fmt::Debug for CustomData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// As `[["key","value"],…]`: the shape the ledger has always stored a lead's customData in
/// (it was a `Vec<(String, String)>`), so rows written before read as they were.
impl Serialize for CustomData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for entry in self.iter() {
            seq.serialize_element(&entry)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for CustomData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CustomData, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = CustomData;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of [key, value] pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CustomData, A::Error> {
                let mut data = CustomData::new();
                while let Some((key, value)) = seq.next_element::<(Str, Str)>()? {
                    data.push(&key.0, &value.0);
                }
                Ok(data)
            }
        }
        deserializer.deserialize_seq(Entries)
    }
}

/// A string, borrowed from the text read when it has no escapes: reading a million entries
/// then allocates nothing per entry.
struct Str<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Str<'de>, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(text.to_string())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn entries_come_back_as_they_were_put_in_whatever_their_length() {
        let long = "ё".repeat(70_000);
        let entries = [
            ("", ""),
            ("k", ""),
            ("", "v"),
            ("ключ", &long),
            (&long, "x"),
        ];
        let data: CustomData = entries.into_iter().collect();
        assert_eq!((data.len(), data.iter().count()), (5, 5));
        assert_eq!(data.text_len(), 2 * long.len() + "kv".len() + "ключx".len());
        assert_eq!(data.iter().collect::<Vec<_>>(), entries);
        assert_eq!(data.get("ключ"), Some(long.as_str()));
        assert_eq!(data.get("nothing"), None);
        assert!(CustomData::new().is_empty());
        assert_eq!(
            format!("{:?}", data.iter().take(2).collect::<CustomData>()),
            r#"[("", ""), ("k", "")]"#
        );
    }

    /// The JSON the ledger kept before this type: a `Vec<(String, String)>` as serde writes it.
    #[test]
    fn it_is_stored_as_the_list_of_pairs_the_ledger_always_held() {
        let old = r#"[["Модель","Kodiaq"],["a\"b","c\\d\n"],["",""]]"#;
        let pairs: Vec<(String, String)> = serde_json::from_str(old).unwrap();
        let data: CustomData = serde_json::from_str(old).unwrap();
        assert_eq!(data, pairs);
        assert_eq!(
            serde_json::to_string(&data).unwrap(),
            serde_json::to_string(&pairs).unwrap()
        );
    }

    proptest! {
        /// Sorting keeps what a JSON map (serde_json's, a BTreeMap) keeps of the same entries.
        #[test]
        fn sorted_by_key_keeps_what_a_json_map_keeps(
            entries in prop::collection::vec(("[a-cё]{0,3}", "\\PC{0,4}"), 0..40)
        ) {
            let data: CustomData = entries.iter().map(|(k, v)| (k, v)).collect();
            let map: std::collections::BTreeMap<&str, &str> =
                entries.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            // Offsets of either width sort alike (a text over 4 GiB takes `usize`).
            if let Some(entries) = data.0.as_deref() {
                prop_assert_eq!(entries.sorted_by_key::<usize>(), entries.sorted_by_key::<u32>());
            }
            let sorted = data.sorted_by_key();
            prop_assert_eq!(sorted.iter().collect::<Vec<_>>(), map.into_iter().collect::<Vec<_>>());
        }

        #[test]
        fn any_entries_read_back_from_the_ledger_as_they_were(
            entries in prop::collection::vec(("\\PC{0,8}", "(\\PC|[\"\\\\\n]){0,300}"), 0..20)
        ) {
            let data: CustomData = entries.iter().map(|(k, v)| (k, v)).collect();
            let json = serde_json::to_string(&data).unwrap();
            prop_assert_eq!(serde_json::from_str::<CustomData>(&json).unwrap(), data);
        }
    }
}
