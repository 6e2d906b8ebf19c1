//! Leads: clients normalised for 1C (phone in E.164, name split into parts, text cleaned of
//! characters XML cannot carry) and the rules that decide which clients qualify.

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use uuid::Uuid;

use crate::payload::{Client, ClientEntry, Payload};
use crate::phone;

/// A qualifying client, ready for any output format.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    /// Stable 1C identifier: the same Bachata client always gets the same one.
    pub id: Uuid,
    /// Shared by every lead of a payload rather than copied into each.
    pub event: Arc<str>,
    pub client_id: String,
    pub search_id: String,
    pub login: String,
    pub name: String,
    pub full_name: Option<FullName>,
    /// E.164 (`+79165551234`) when the number is recognised, else its digits as typed.
    pub phone: String,
    pub phone_raw: String,
    pub phone_valid: bool,
    pub email: String,
    pub dialog_id: Arc<str>,
    pub custom_data: Vec<(String, String)>,
    pub source_file: Arc<str>,
    pub received_at: NaiveDateTime,
}

/// Surname, first name and patronymic of a Russian full name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName {
    pub surname: String,
    pub first_name: String,
    pub patronymic: String,
}

/// Which clients become leads. The defaults follow the integration note: «Мобильный телефон: не пустое».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub require_phone: bool,
    pub require_valid_phone: bool,
    pub require_email: bool,
    /// Events that are exported; empty means every event.
    pub allowed_events: Vec<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            require_phone: true,
            require_valid_phone: false,
            require_email: false,
            allowed_events: Vec::new(),
        }
    }
}

/// Why a client did not become a lead.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    NoPhone,
    InvalidPhone,
    NoEmail,
    EventNotAllowed(String),
    NotAnObject(&'static str),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::NoPhone => f.write_str("no phone"),
            SkipReason::InvalidPhone => f.write_str("phone not a valid number"),
            SkipReason::NoEmail => f.write_str("no e-mail"),
            SkipReason::EventNotAllowed(event) => write!(f, "event {event} not allowed"),
            SkipReason::NotAnObject(kind) => write!(f, "entry is {kind}, not a client object"),
        }
    }
}

/// A client that did not qualify, with what is needed to find it in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Position in `clients`, counted from 1 as a person would.
    pub position: usize,
    pub client_id: Option<String>,
    pub reason: SkipReason,
}

impl Skipped {
    /// `client 3f69…` or `client #2` where the client has no id.
    pub fn label(&self) -> String {
        match &self.client_id {
            Some(id) => format!("client {id}"),
            None => format!("client #{}", self.position),
        }
    }
}

/// What is known about a payload besides its content.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    pub source_file: &'a str,
    pub received_at: NaiveDateTime,
    /// The event name for payloads that carry none.
    pub default_event: &'a str,
}

/// From this many clients on, a payload's clients are qualified on every core: normalising a
/// phone with libphonenumber costs microseconds, which adds up in a file of 50,000 clients.
const PARALLEL_FROM: usize = 2_000;

/// What every lead of one payload shares, cleaned once.
struct Shared<'a> {
    event: Arc<str>,
    dialog_id: Arc<str>,
    source_file: Arc<str>,
    received_at: NaiveDateTime,
    rules: &'a Rules,
}

impl<'a> Shared<'a> {
    fn new(event: Arc<str>, dialog_id: Arc<str>, rules: &'a Rules, origin: &Origin) -> Self {
        Shared {
            event,
            dialog_id,
            source_file: clean(origin.source_file).into(),
            received_at: origin.received_at,
            rules,
        }
    }

    fn event(payload: &Payload, origin: &Origin) -> Arc<str> {
        clean(payload.event.as_deref().unwrap_or(origin.default_event)).into()
    }

    fn dialog_id(payload: &Payload) -> Arc<str> {
        clean(payload.dialog_id.as_deref().unwrap_or("")).into()
    }
}

/// Splits a payload's clients into leads and skipped clients, in file order. The payload's
/// texts move into the leads rather than being copied.
pub fn qualify(payload: Payload, rules: &Rules, origin: &Origin) -> (Vec<Lead>, Vec<Skipped>) {
    let event = Shared::event(&payload, origin);
    let shared = Shared::new(event, Shared::dialog_id(&payload), rules, origin);
    let mut entries = payload.clients;
    let parts = crate::parallel::map_chunks_mut(&mut entries, PARALLEL_FROM, |first, part| {
        qualify_part(part, first, &shared)
    });
    join(parts)
}

/// The parts' leads and skipped clients, each in the parts' order.
fn join(parts: Vec<(Vec<Lead>, Vec<Skipped>)>) -> (Vec<Lead>, Vec<Skipped>) {
    // The first part grows to hold the others, rather than all of them being copied anew.
    let count: usize = parts.iter().map(|(part, _)| part.len()).sum();
    let mut parts = parts.into_iter();
    let (mut leads, mut skipped) = parts.next().unwrap_or_default();
    leads.reserve(count - leads.len());
    for (part_leads, part_skipped) in parts {
        leads.extend(part_leads);
        skipped.extend(part_skipped);
    }
    (leads, skipped)
}

/// A batch of clients qualified: the index of its first client, its leads and skipped clients.
pub type QualifiedBatch = (usize, Vec<Lead>, Vec<Skipped>);

/// Qualifies clients that arrive in batches while their payload is still being read (see
/// `payload::read_streaming`), on as many threads as call [`Batches::drain`]. The payload's
/// event and dialog id are known only once it is read: [`Batches::finish`] sets them.
pub struct Batches<'a> {
    shared: Shared<'a>,
}

impl<'a> Batches<'a> {
    /// `None` when the rules depend on the payload's event (allowed events), which is not
    /// known before the whole payload is read.
    pub fn new(rules: &'a Rules, origin: &Origin) -> Option<Self> {
        rules.allowed_events.is_empty().then(|| Batches {
            shared: Shared::new(Arc::from(""), Arc::from(""), rules, origin),
        })
    }

    /// Qualifies batches from `batches` until it is closed and empty.
    pub fn drain(
        &self,
        batches: &Mutex<Receiver<(usize, Vec<ClientEntry>)>>,
    ) -> Vec<QualifiedBatch> {
        let mut done = Vec::new();
        loop {
            let next = match batches.lock() {
                Ok(receiver) => receiver.recv(),
                Err(_) => return done,
            };
            let Ok((first, mut entries)) = next else {
                return done;
            };
            let (leads, skipped) = qualify_part(&mut entries, first, &self.shared);
            done.push((first, leads, skipped));
        }
    }

    /// The leads and skipped clients of every batch in file order, the leads with the
    /// payload's event and dialog id: what [`qualify`] gives for the whole payload.
    pub fn finish(
        &self,
        mut batches: Vec<QualifiedBatch>,
        payload: &Payload,
        origin: &Origin,
    ) -> (Vec<Lead>, Vec<Skipped>) {
        batches.sort_unstable_by_key(|(first, _, _)| *first);
        let (mut leads, skipped) = join(
            batches
                .into_iter()
                .map(|(_, leads, skipped)| (leads, skipped))
                .collect(),
        );
        let (event, dialog_id) = (Shared::event(payload, origin), Shared::dialog_id(payload));
        for lead in &mut leads {
            lead.event = Arc::clone(&event);
            lead.dialog_id = Arc::clone(&dialog_id);
        }
        (leads, skipped)
    }
}

/// Qualifies `entries`, the part of the payload's clients that starts at index `first`.
fn qualify_part(
    entries: &mut [ClientEntry],
    first: usize,
    shared: &Shared,
) -> (Vec<Lead>, Vec<Skipped>) {
    let mut leads = Vec::with_capacity(entries.len());
    let mut skipped = Vec::new();
    for (index, entry) in (first..).zip(entries.iter_mut().map(std::mem::take)) {
        let skip = |client_id: Option<String>, reason| Skipped {
            position: index + 1,
            client_id: client_id.map(clean_owned),
            reason,
        };
        match entry {
            ClientEntry::NotAnObject(kind) => {
                skipped.push(skip(None, SkipReason::NotAnObject(kind)))
            }
            ClientEntry::Client(mut client) => match check(&client, shared) {
                Ok(phone) => leads.push(to_lead(client, phone, shared)),
                Err(reason) => skipped.push(skip(client.client_id.take(), reason)),
            },
        }
    }
    (leads, skipped)
}

/// Applies the rules to a client: its phone as 1C stores it, or why it is skipped.
fn check(client: &Client, shared: &Shared) -> Result<phone::Phone, SkipReason> {
    let rules = shared.rules;
    if !rules.allowed_events.is_empty()
        && !rules
            .allowed_events
            .iter()
            .any(|e| e.as_str() == &*shared.event)
    {
        return Err(SkipReason::EventNotAllowed(shared.event.to_string()));
    }
    let phone = phone::normalize(&cleaned(client.phone.as_deref().unwrap_or("")));
    match &phone {
        None if rules.require_phone || rules.require_valid_phone => {
            return Err(SkipReason::NoPhone);
        }
        Some(p) if rules.require_valid_phone && !p.valid => return Err(SkipReason::InvalidPhone),
        _ => {}
    }
    let has_email = client
        .email
        .as_deref()
        .is_some_and(|email| cleaned(email).contains('@'));
    if rules.require_email && !has_email {
        return Err(SkipReason::NoEmail);
    }
    Ok(phone.unwrap_or_default())
}

fn to_lead(client: Client, phone: phone::Phone, shared: &Shared) -> Lead {
    let text = |field: Option<String>| field.map(clean_owned).unwrap_or_default();
    let name = text(client.name);
    let client_id = text(client.client_id);
    Lead {
        id: stable_id(&client_id, &phone.number),
        event: shared.event.clone(),
        search_id: text(client.search_id),
        login: text(client.login),
        full_name: split_full_name(&name),
        name,
        client_id,
        phone: phone.number,
        phone_raw: text(client.phone),
        phone_valid: phone.valid,
        email: text(client.email),
        dialog_id: shared.dialog_id.clone(),
        custom_data: client
            .custom_data
            .into_iter()
            .map(|(k, v)| (clean_owned(k), clean_owned(v)))
            .collect(),
        source_file: shared.source_file.clone(),
        received_at: shared.received_at,
    }
}

/// Namespace of bachata1c's name-based UUIDs (itself UUIDv5 of the project URL in the URL namespace).
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_3b9e_0c5d_5e4a_9f7b_2d8c_41e6_b0a3);

/// The same Bachata client gets the same identifier in every file and format, so importing
/// twice updates one 1C counterparty instead of creating two.
pub fn stable_id(client_id: &str, phone: &str) -> Uuid {
    let key = if client_id.is_empty() {
        format!("phone:{phone}")
    } else {
        format!("client:{client_id}")
    };
    Uuid::new_v5(&ID_NAMESPACE, key.as_bytes())
}

/// Splits «Фамилия Имя Отчество» (or «Имя Отчество Фамилия», «Имя Отчество») when the name is
/// recognisably a Russian full name: Cyrillic words and a patronymic ending. Anything else is
/// left whole in `name`, because guessing wrong would misfile a surname.
pub fn split_full_name(name: &str) -> Option<FullName> {
    let words: Vec<&str> = name.split_whitespace().collect();
    if !words.iter().all(|w| is_cyrillic_word(w)) {
        return None;
    }
    let full = |surname: &str, first: &str, patronymic: String| {
        Some(FullName {
            surname: surname.to_string(),
            first_name: first.to_string(),
            patronymic,
        })
    };
    match words.as_slice() {
        [s, f, p] if is_patronymic(p) => full(s, f, p.to_string()),
        [f, p, s] if is_patronymic(p) => full(s, f, p.to_string()),
        [f, p] if is_patronymic(p) => full("", f, p.to_string()),
        // «Алиев Рашид Ахмед оглы»: Turkic patronymics are two words.
        [s, f, p, suffix] if is_turkic_suffix(suffix) => full(s, f, format!("{p} {suffix}")),
        _ => None,
    }
}

fn is_cyrillic_word(word: &str) -> bool {
    word.chars()
        .all(|c| c == '-' || matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
}

fn is_patronymic(word: &str) -> bool {
    // Compared from the end, letter by letter in lower case: no lower-case copy of each word.
    let ends_with = |ending: &str| {
        let mut tail = word.chars().rev().flat_map(char::to_lowercase);
        ending
            .chars()
            .rev()
            .all(|letter| tail.next() == Some(letter))
    };
    word.chars().count() > 4 && ["ич", "овна", "евна", "ична"].into_iter().any(ends_with)
}

fn is_turkic_suffix(word: &str) -> bool {
    matches!(word.to_lowercase().as_str(), "оглы" | "кызы")
}

/// Removes what no output can carry: control characters other than tab and line breaks
/// (XML 1.0 forbids them) and the non-characters U+FFFE/U+FFFF. Done once here so that
/// no writer has to remember it. Leading and trailing whitespace goes too.
pub fn clean(text: &str) -> String {
    match already_clean(text) {
        Some(clean) => clean.to_string(),
        None => clean_slowly(text),
    }
}

/// [`clean`] of an owned text, which nearly always is clean already and is then kept as is.
fn clean_owned(text: String) -> String {
    match already_clean(&text) {
        Some(clean) if clean.len() == text.len() => text,
        Some(clean) => clean.to_string(),
        None => clean_slowly(&text),
    }
}

/// [`clean`] for a look at a text, copied only when something must go.
fn cleaned(text: &str) -> std::borrow::Cow<'_, str> {
    match already_clean(text) {
        Some(clean) => clean.into(),
        None => clean_slowly(text).into(),
    }
}

/// The trimmed text when nothing else needs removing.
fn already_clean(text: &str) -> Option<&str> {
    let trimmed = text.trim();
    trimmed.chars().all(keeps).then_some(trimmed)
}

fn clean_slowly(text: &str) -> String {
    text.chars()
        .filter(|&c| keeps(c))
        .collect::<String>()
        .trim()
        .to_string()
}

fn keeps(c: char) -> bool {
    (!c.is_control() || matches!(c, '\t' | '\n' | '\r')) && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_names_are_split_only_when_recognisably_russian() {
        let n = split_full_name("Иванов Иван Иванович").unwrap();
        assert_eq!(
            (
                n.surname.as_str(),
                n.first_name.as_str(),
                n.patronymic.as_str()
            ),
            ("Иванов", "Иван", "Иванович")
        );
        let n = split_full_name("Анна Сергеевна Петрова").unwrap();
        assert_eq!(
            (n.surname.as_str(), n.first_name.as_str()),
            ("Петрова", "Анна")
        );
        let n = split_full_name("Алёна Ильинична").unwrap();
        assert_eq!(
            (n.surname.as_str(), n.patronymic.as_str()),
            ("", "Ильинична")
        );
        let n = split_full_name("Алиев Рашид Ахмед оглы").unwrap();
        assert_eq!(n.patronymic, "Ахмед оглы");
        // Typed in capitals, and the short words that merely end like a patronymic.
        let n = split_full_name("ПЕТРОВ ПЁТР ИЛЬИЧ").unwrap();
        assert_eq!(n.patronymic, "ИЛЬИЧ");
        for name in [
            "Анна Вич",
            "Анна Ична",
            "Yvan",
            "Иван",
            "Иванов Иван",
            "John Smith Jr",
            "Иван Петров Сидоров",
            "",
        ] {
            assert_eq!(split_full_name(name), None, "{name}");
        }
    }

    #[test]
    fn clean_strips_what_xml_cannot_carry_and_keeps_the_rest() {
        assert_eq!(clean(" a\u{0}b\u{1b}c\td\ne\u{FFFF} "), "abc\td\ne");
        assert_eq!(clean("Ёж 🚗"), "Ёж 🚗");
        // Control characters at the ends go with the surrounding whitespace.
        assert_eq!(clean("\u{b} a \u{c}\u{0}"), "a");
        assert_eq!(clean("\u{85}Ёж\u{0} "), "Ёж");
    }

    #[test]
    fn stable_id_depends_on_client_id_first_then_phone() {
        assert_eq!(stable_id("abc", "+7"), stable_id("abc", "+8"));
        assert_ne!(stable_id("abc", "+7"), stable_id("abd", "+7"));
        assert_eq!(stable_id("", "+79165551234"), stable_id("", "+79165551234"));
        assert_ne!(stable_id("", "+79165551234"), stable_id("", "+79165551235"));
    }

    fn payload(json: &str) -> Payload {
        crate::payload::read(json.as_bytes()).unwrap()
    }

    fn origin() -> Origin<'static> {
        Origin {
            source_file: "hook.json",
            received_at: NaiveDateTime::default(),
            default_event: "dialog_completed",
        }
    }

    #[test]
    fn default_rules_skip_clients_without_a_phone_and_say_why() {
        let p = payload(
            r#"{"clients":[{"clientId":"a","phone":""},{"clientId":"b","phone":"89161234567"},{"phone":" - "},7]}"#,
        );
        let (leads, skipped) = qualify(p, &Rules::default(), &origin());
        assert_eq!(leads.len(), 1);
        assert_eq!(leads[0].client_id, "b");
        let reasons: Vec<String> = skipped
            .iter()
            .map(|s| format!("{}: {}", s.label(), s.reason))
            .collect();
        assert_eq!(
            reasons,
            [
                "client a: no phone",
                "client #3: no phone",
                "client #4: entry is a number, not a client object"
            ]
        );
    }

    #[test]
    fn stricter_rules_are_applied_in_order() {
        let p = payload(
            r#"{"event":"chat_started","clients":[{"phone":"12345"},{"phone":"89161234567"}]}"#,
        );
        let rules = Rules {
            require_valid_phone: true,
            require_email: true,
            ..Rules::default()
        };
        let (leads, skipped) = qualify(p.clone(), &rules, &origin());
        assert!(leads.is_empty());
        assert_eq!(skipped[0].reason, SkipReason::InvalidPhone);
        assert_eq!(skipped[1].reason, SkipReason::NoEmail);
        let rules = Rules {
            allowed_events: vec!["dialog_completed".into()],
            ..Rules::default()
        };
        let (_, skipped) = qualify(p, &rules, &origin());
        assert_eq!(
            skipped[0].reason,
            SkipReason::EventNotAllowed("chat_started".into())
        );
    }

    #[test]
    fn a_large_payload_qualified_in_parallel_keeps_file_order_and_positions() {
        let clients: Vec<String> = (0..PARALLEL_FROM * 2 + 7)
            .map(|i| match i % 3 {
                0 => format!(r#"{{"clientId":"c{i}","phone":""}}"#),
                1 => format!(r#"{{"clientId":"c{i}","phone":"8916{i:07}"}}"#),
                _ => "null".to_string(),
            })
            .collect();
        let p = payload(&format!(r#"{{"clients":[{}]}}"#, clients.join(",")));
        let (leads, skipped) = qualify(p, &Rules::default(), &origin());
        let expected: Vec<String> = (0..clients.len())
            .filter(|i| i % 3 == 1)
            .map(|i| format!("c{i}"))
            .collect();
        let got: Vec<&str> = leads.iter().map(|l| l.client_id.as_str()).collect();
        assert_eq!(got, expected);
        let positions: Vec<usize> = skipped.iter().map(|s| s.position).collect();
        let expected: Vec<usize> = (0..clients.len())
            .filter(|i| i % 3 != 1)
            .map(|i| i + 1)
            .collect();
        assert_eq!(positions, expected);
        assert_eq!(leads[1].phone, "+79160000004");
    }

    #[test]
    fn the_event_comes_from_the_payload_or_the_default() {
        let (leads, _) = qualify(
            payload(r#"{"clients":[{"phone":"89161234567"}]}"#),
            &Rules::default(),
            &origin(),
        );
        assert_eq!(&*leads[0].event, "dialog_completed");
    }
}
