//! The qualifying rules and their use: each client becomes a lead or is skipped with the
//! reason, in file order; a big payload's clients on every core, or chunk by chunk while the
//! payload is still being read.

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use super::clean::{clean_custom_data, clean_owned, cleaned};
use super::{Lead, Origin, clean, split_full_name, stable_id};
use crate::payload::{Client, ClientEntry, Payload};
use crate::phone;

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

/// A chunk of clients qualified: the index of its first client, its leads and skipped clients.
pub type QualifiedChunk = (usize, Vec<Lead>, Vec<Skipped>);

/// Qualifies clients that arrive in chunks while their payload is still being read (see
/// `payload::read_streaming`), on as many threads as call [`Chunks::drain`]. The payload's
/// event and dialog id are known only once it is read: [`Chunks::finish`] sets them.
pub struct Chunks<'a> {
    shared: Shared<'a>,
}

impl<'a> Chunks<'a> {
    /// `None` when the rules depend on the payload's event (allowed events), which is not
    /// known before the whole payload is read.
    pub fn new(rules: &'a Rules, origin: &Origin) -> Option<Self> {
        rules.allowed_events.is_empty().then(|| Chunks {
            shared: Shared::new(Arc::from(""), Arc::from(""), rules, origin),
        })
    }

    /// Qualifies chunks from `chunks` until it is closed and empty.
    pub fn drain(
        &self,
        chunks: &Mutex<Receiver<(usize, Vec<ClientEntry>)>>,
    ) -> Vec<QualifiedChunk> {
        let mut done = Vec::new();
        loop {
            let next = match chunks.lock() {
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

    /// The leads and skipped clients of every chunk in file order, the leads with the
    /// payload's event and dialog id: what [`qualify`] gives for the whole payload.
    pub fn finish(
        &self,
        mut chunks: Vec<QualifiedChunk>,
        payload: &Payload,
        origin: &Origin,
    ) -> (Vec<Lead>, Vec<Skipped>) {
        chunks.sort_unstable_by_key(|(first, _, _)| *first);
        let (mut leads, skipped) = join(
            chunks
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
        custom_data: clean_custom_data(client.custom_data),
        source_file: shared.source_file.clone(),
        received_at: shared.received_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
