//! The fields of a lead as 1C sees them: one list, shared by the CSV columns and the
//! XML elements, so both formats always carry the same data under the same Russian names.

use std::borrow::Cow;

use crate::lead::Lead;

/// A field of an exported lead, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    ClientId,
    Name,
    Phone,
    Email,
    Event,
    SearchId,
    Login,
    Surname,
    FirstName,
    Patronymic,
    PhoneRaw,
    PhoneValid,
    DialogId,
    CustomData,
    SourceFile,
    ReceivedAt,
    Id,
}

impl Field {
    pub const ALL: [Field; 17] = [
        Field::ClientId,
        Field::Name,
        Field::Phone,
        Field::Email,
        Field::Event,
        Field::SearchId,
        Field::Login,
        Field::Surname,
        Field::FirstName,
        Field::Patronymic,
        Field::PhoneRaw,
        Field::PhoneValid,
        Field::DialogId,
        Field::CustomData,
        Field::SourceFile,
        Field::ReceivedAt,
        Field::Id,
    ];

    /// The CSV column title and XML element name.
    pub fn title(self) -> &'static str {
        match self {
            Field::ClientId => "ИдКлиента",
            Field::Name => "Имя",
            Field::Phone => "Телефон",
            Field::Email => "Email",
            Field::Event => "Событие",
            Field::SearchId => "ИдПоиска",
            Field::Login => "Логин",
            Field::Surname => "Фамилия",
            Field::FirstName => "ИмяЛичное",
            Field::Patronymic => "Отчество",
            Field::PhoneRaw => "ТелефонИсходный",
            Field::PhoneValid => "ТелефонПроверен",
            Field::DialogId => "ИдДиалога",
            Field::CustomData => "ДополнительныеДанные",
            Field::SourceFile => "ИмяФайла",
            Field::ReceivedAt => "ВремяПолучения",
            Field::Id => "Ид",
        }
    }

    /// The name a dealer uses for the field in the `[mapping]` config: the webhook's own JSON
    /// name where there is one, so that a config reads like the webhook.
    pub fn key(self) -> &'static str {
        match self {
            Field::ClientId => "clientId",
            Field::Name => "name",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Event => "event",
            Field::SearchId => "searchId",
            Field::Login => "login",
            Field::Surname => "surname",
            Field::FirstName => "firstName",
            Field::Patronymic => "patronymic",
            Field::PhoneRaw => "phoneRaw",
            Field::PhoneValid => "phoneValid",
            Field::DialogId => "dialogId",
            Field::CustomData => "customData",
            Field::SourceFile => "sourceFile",
            Field::ReceivedAt => "receivedAt",
            Field::Id => "id",
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.key() == key)
    }

    /// The value as text. Times and `customData` are formatted by each writer.
    pub fn text(self, lead: &Lead) -> Cow<'_, str> {
        let name_part = |part: fn(&crate::lead::FullName) -> &str| {
            Cow::Borrowed(lead.full_name.as_ref().map_or("", part))
        };
        match self {
            Field::ClientId => Cow::Borrowed(&lead.client_id),
            Field::Name => Cow::Borrowed(&lead.name),
            Field::Phone => Cow::Borrowed(&lead.phone),
            Field::Email => Cow::Borrowed(&lead.email),
            Field::Event => Cow::Borrowed(&lead.event),
            Field::SearchId => Cow::Borrowed(&lead.search_id),
            Field::Login => Cow::Borrowed(&lead.login),
            Field::Surname => name_part(|n| &n.surname),
            Field::FirstName => name_part(|n| &n.first_name),
            Field::Patronymic => name_part(|n| &n.patronymic),
            Field::PhoneRaw => Cow::Borrowed(&lead.phone_raw),
            Field::PhoneValid => Cow::Borrowed(if lead.phone_valid { "true" } else { "false" }),
            Field::DialogId => Cow::Borrowed(&lead.dialog_id),
            Field::SourceFile => Cow::Borrowed(&lead.source_file),
            Field::Id => Cow::Owned(lead.id.to_string()),
            Field::CustomData => {
                let mut text = String::new();
                write_custom_data(lead, &mut text);
                Cow::Owned(text)
            }
            Field::ReceivedAt => Cow::Owned(super::russian_datetime(lead.received_at)),
        }
    }
}

/// `customData` in one line, `key=value | key=value`, appended to `out`. Reversible: a `\` or
/// `|` inside a key or value, and an `=` inside a key, get a `\` before them, so that entries
/// split at the `|` and keys at the first `=` that have none (`{"a":"1 | b=2"}` gives
/// `a=1 \| b=2`, `{"a":"1","b":"2"}` gives `a=1 | b=2`).
pub fn write_custom_data(lead: &Lead, out: &mut String) {
    // Room for all of it at once: a million entries grew the text by doubling, every old
    // buffer a copy kept until the allocator gives it back.
    let data = &lead.custom_data;
    out.reserve(data.text_len() + data.len() * " | =".len());
    for (i, (key, value)) in data.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        escape_into(key, &['\\', '|', '='], out);
        out.push('=');
        escape_into(value, &['\\', '|'], out);
    }
}

fn escape_into(text: &str, special: &[char], out: &mut String) {
    let mut rest = text;
    while let Some(at) = rest.find(special) {
        out.push_str(&rest[..at]);
        out.push('\\');
        let c = rest[at..].chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reading documented in docs/1c-import.md, written independently of the writer.
    fn read_custom_data(text: &str) -> Vec<(String, String)> {
        if text.is_empty() {
            return Vec::new();
        }
        let mut entries = vec![(String::new(), String::new(), false)];
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let (key, value, in_value) = entries.last_mut().unwrap();
            let target = if *in_value { value } else { key };
            match c {
                '\\' => target.push(chars.next().unwrap()),
                '=' if !*in_value => *in_value = true,
                '|' => {
                    // The separator is ` | `: drop the space before it and the one after.
                    target.pop();
                    chars.next();
                    entries.push((String::new(), String::new(), false));
                }
                c => target.push(c),
            }
        }
        entries.into_iter().map(|(k, v, _)| (k, v)).collect()
    }

    fn lead(custom_data: Vec<(String, String)>) -> Lead {
        let json = r#"{"clients":[{"phone":"79161234567"}]}"#;
        let payload = crate::payload::read(json.as_bytes()).unwrap();
        let origin = crate::lead::Origin {
            source_file: "hook.json",
            received_at: chrono::NaiveDateTime::default(),
            default_event: "dialog_completed",
        };
        let (mut leads, _) = crate::lead::qualify(payload, &crate::lead::Rules::default(), &origin);
        leads[0].custom_data = custom_data.into_iter().collect();
        leads.remove(0)
    }

    fn written(custom_data: &[(&str, &str)]) -> String {
        let data = custom_data
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut out = String::new();
        write_custom_data(&lead(data), &mut out);
        out
    }

    /// Issue 10: `{"a":"1 | b=2"}` and `{"a":"1","b":"2"}` both gave `a=1 | b=2`.
    #[test]
    fn custom_data_that_looks_like_two_entries_is_told_apart_from_two_entries() {
        assert_eq!(written(&[("a", "1 | b=2")]), r"a=1 \| b=2");
        assert_eq!(written(&[("a", "1"), ("b", "2")]), "a=1 | b=2");
        assert_eq!(written(&[("a=b", "c")]), r"a\=b=c");
        assert_eq!(written(&[("a", "b=c")]), "a=b=c");
        assert_eq!(
            written(&[("another", "one"), ("foo", "bar")]),
            "another=one | foo=bar"
        );
    }

    proptest! {
        #[test]
        fn custom_data_reads_back_as_it_was(
            data in prop::collection::vec(("[a-z=|\\\\ ]{0,6}", "[a-z=|\\\\ ]{0,6}"), 1..5)
        ) {
            let mut out = String::new();
            write_custom_data(&lead(data.clone()), &mut out);
            prop_assert_eq!(read_custom_data(&out), data);
        }
    }
}
