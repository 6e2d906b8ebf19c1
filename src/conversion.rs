//! One input's whole way from bytes to an output document, without touching the disk or the
//! clock: the caller passes the file name and the time the webhook was received.

use std::sync::Mutex;

use chrono::NaiveDateTime;

use crate::format::{self, Layout, Rendered};
use crate::lead::{self, Lead, Origin, Rules, Skipped};
use crate::limits::Limits;
use crate::payload::{self, ReadError, SourceEncoding};

/// Event name for webhooks that do not name their event.
pub const DEFAULT_EVENT: &str = "dialog_completed";

/// How one input becomes a document: what decides a conversion's result.
#[derive(Debug, Clone)]
pub struct Settings {
    pub layout: Layout,
    pub rules: Rules,
    /// Event name for payloads that carry none.
    pub default_event: String,
}

impl Settings {
    /// The default rules and event for `layout`.
    pub fn new(layout: Layout) -> Self {
        Settings {
            layout,
            rules: Rules::default(),
            default_event: DEFAULT_EVENT.to_string(),
        }
    }
}

/// The result of converting one readable input.
#[derive(Debug, Clone)]
pub struct Converted {
    pub leads: Vec<Lead>,
    pub skipped: Vec<Skipped>,
    /// `None` when no client qualified: no file is written, and that is not an error.
    pub output: Option<Rendered>,
    pub source_encoding: SourceEncoding,
}

/// Converts one input within the default [`Limits`].
pub fn convert(
    bytes: &[u8],
    source_file: &str,
    received_at: NaiveDateTime,
    settings: &Settings,
) -> Result<Converted, ReadError> {
    convert_limited(
        bytes,
        source_file,
        received_at,
        settings,
        &Limits::default(),
    )
}

/// Converts one input, refusing it when it breaks one of `limits`.
pub fn convert_limited(
    bytes: &[u8],
    source_file: &str,
    received_at: NaiveDateTime,
    settings: &Settings,
    limits: &Limits,
) -> Result<Converted, ReadError> {
    let mut converted = qualify_limited(bytes, source_file, received_at, settings, limits)?;
    converted.output =
        (!converted.leads.is_empty()).then(|| format::render(&converted.leads, &settings.layout));
    Ok(converted)
}

/// Reads one input and qualifies its clients, as [`convert_limited`] does, but renders
/// nothing (`output` is `None`): for a caller that numbers the leads first.
pub fn qualify_limited(
    bytes: &[u8],
    source_file: &str,
    received_at: NaiveDateTime,
    settings: &Settings,
    limits: &Limits,
) -> Result<Converted, ReadError> {
    let origin = Origin {
        source_file,
        received_at,
        default_event: &settings.default_event,
    };
    let (source_encoding, leads, skipped) =
        match read_while_qualifying(bytes, &settings.rules, limits, &origin) {
            Some(read) => read,
            None => {
                let payload = payload::read_limited(bytes, limits)?;
                let source_encoding = payload.encoding;
                // The payload's texts move into the leads: a big file is held once, not twice.
                let (leads, skipped) = lead::qualify(payload, &settings.rules, &origin);
                (source_encoding, leads, skipped)
            }
        };
    Ok(Converted {
        leads,
        skipped,
        output: None,
        source_encoding,
    })
}

/// A big file's clients qualified on another core while the file is still being read, then
/// on every core: what reading and qualifying one after the other gives, sooner. `None` when
/// the file is small or does not read that way (see `payload::read_streaming`).
fn read_while_qualifying(
    bytes: &[u8],
    rules: &Rules,
    limits: &Limits,
    origin: &Origin,
) -> Option<(SourceEncoding, Vec<Lead>, Vec<Skipped>)> {
    if !payload::worth_streaming(bytes, limits) {
        return None;
    }
    let chunks = lead::Chunks::new(rules, origin)?;
    // Unbounded: reading is faster than qualifying, and must not wait for it. The chunks
    // hold what the payload would hold anyway.
    let (sender, receiver) = std::sync::mpsc::channel();
    let receiver = Mutex::new(receiver);
    // The reading (which ends the stream) goes first: with one core, the helper's draining runs
    // after it and finds the stream closed, rather than waiting for it first.
    let ((payload, mut qualified), helped) = crate::parallel::both(
        || {
            let payload = payload::read_streaming(bytes, limits, sender);
            (payload, chunks.drain(&receiver))
        },
        || chunks.drain(&receiver),
    );
    qualified.extend(helped);
    let payload = payload?;
    let (leads, skipped) = chunks.finish(qualified, &payload, origin);
    Some((payload.encoding, leads, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Format, Layout};

    /// Over a megabyte: clients of every kind, the event and dialog after `clients`.
    fn big_payload(before: &str, after: &str) -> String {
        let clients: Vec<String> = (0..12_000)
            .map(|i| match i % 7 {
                0 => "7".to_string(),
                1 => format!(r#"{{"clientId":"c{i}","phone":" - "}}"#),
                2 => format!(r#"{{"clientId":"c{i}","phone":"+375 29 955-{:04}"}}"#, i % 10_000),
                _ => format!(
                    r#"{{"clientId":"c{i}","name":"Иванов Иван Иванович","phone":"8 (812) 555-{:04}","customData":{{"n":{i},"utm":{{"s":"y"}}}}}}"#,
                    i % 10_000
                ),
            })
            .collect();
        format!(r#"{{{before}"clients":[{}]{after}}}"#, clients.join(","))
    }

    fn origin() -> Origin<'static> {
        Origin {
            source_file: "big.json",
            received_at: NaiveDateTime::default(),
            default_event: "dialog_completed",
        }
    }

    #[test]
    fn a_big_file_qualified_while_it_is_read_gives_what_one_step_after_the_other_gives() {
        let json = big_payload("", r#","dialogId":"d-1","event":"e-1""#);
        assert!(json.len() > 1 << 20);
        let (rules, limits) = (Rules::default(), Limits::default());
        let (encoding, leads, skipped) =
            read_while_qualifying(json.as_bytes(), &rules, &limits, &origin()).expect("streams");
        let payload = payload::read_limited(json.as_bytes(), &limits).unwrap();
        assert_eq!(encoding, payload.encoding);
        let (expected_leads, expected_skipped) = lead::qualify(payload, &rules, &origin());
        assert_eq!(leads.len(), expected_leads.len());
        assert!(leads == expected_leads, "the leads differ");
        assert_eq!(skipped, expected_skipped);
        assert_eq!(&*leads[0].event, "e-1");
        assert_eq!(&*leads[0].dialog_id, "d-1");
    }

    #[test]
    fn what_cannot_be_qualified_while_read_is_read_first() {
        let limits = Limits::default();
        let read = |json: &str, rules: &Rules| {
            read_while_qualifying(json.as_bytes(), rules, &limits, &origin()).is_some()
        };
        let rules = Rules::default();
        assert!(read(&big_payload("", ""), &rules));
        // Two `clients` arrays, lenient JSON, an allowed-events rule, a small file.
        assert!(!read(&big_payload(r#""Clients":[],"#, ""), &rules));
        assert!(!read(&big_payload("", r#","x":[1,],"#), &rules));
        let only_some_events = Rules {
            allowed_events: vec!["dialog_completed".into()],
            ..Rules::default()
        };
        assert!(!read(&big_payload("", ""), &only_some_events));
        assert!(!read(r#"{"clients":[{"phone":"89161234567"}]}"#, &rules));
        // And converting any of them gives what reading first gives.
        let settings = Settings::new(Layout::new(Format::Csv));
        for json in [big_payload(r#""Clients":[],"#, ""), big_payload("", "")] {
            let converted = convert(
                json.as_bytes(),
                "big.json",
                NaiveDateTime::default(),
                &settings,
            )
            .unwrap();
            let payload = payload::read(json.as_bytes()).unwrap();
            let (leads, _) = lead::qualify(payload, &settings.rules, &origin());
            assert!(converted.leads == leads);
        }
    }
}
