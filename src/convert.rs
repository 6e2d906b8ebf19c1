//! One input's whole way from bytes to an output document, without touching the disk or the
//! clock: the caller passes the file name and the time the webhook was received.

use chrono::NaiveDateTime;

use crate::format::{self, Layout, Rendered};
use crate::lead::{self, Lead, Origin, Rules, Skipped};
use crate::limits::Limits;
use crate::payload::{self, ReadError, SourceEncoding};

/// Everything that decides what a conversion produces.
#[derive(Debug, Clone)]
pub struct Settings {
    pub layout: Layout,
    pub rules: Rules,
    /// Event name for payloads that carry none.
    pub default_event: String,
}

impl Settings {
    pub fn new(layout: Layout) -> Self {
        Settings {
            layout,
            rules: Rules::default(),
            default_event: "dialog_completed".to_string(),
        }
    }
}

/// The result of converting one readable input.
#[derive(Debug, Clone)]
pub struct Conversion {
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
) -> Result<Conversion, ReadError> {
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
) -> Result<Conversion, ReadError> {
    let payload = payload::read_limited(bytes, limits)?;
    let origin = Origin {
        source_file,
        received_at,
        default_event: &settings.default_event,
    };
    let source_encoding = payload.encoding;
    // The payload's texts move into the leads: a big file is held once, not twice.
    let (leads, skipped) = lead::qualify(payload, &settings.rules, &origin);
    let output = (!leads.is_empty()).then(|| format::render(&leads, &settings.layout));
    Ok(Conversion {
        leads,
        skipped,
        output,
        source_encoding,
    })
}
