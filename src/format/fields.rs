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

/// `customData` in one line, `key=value | key=value`, appended to `out`.
pub fn write_custom_data(lead: &Lead, out: &mut String) {
    for (i, (key, value)) in lead.custom_data.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
}
