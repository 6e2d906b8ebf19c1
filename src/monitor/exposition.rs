//! A snapshot in the Prometheus text format (version 0.0.4), for `serve`'s `/metrics`: the
//! same figures `status` shows, and serve's own count of webhook answers. Counts and times
//! only: no lead's data.

use std::fmt::Write;

use super::{Snapshot, seconds_since};

/// The format's media type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The exposition of `snapshot`, with `webhooks` (answers to webhook requests since serve
/// started, by HTTP status).
pub fn render(snapshot: &Snapshot, webhooks: &[(u16, u64)]) -> String {
    let mut text = String::new();
    let totals = snapshot.queue.map(|q| q.totals).unwrap_or_default();
    family(
        &mut text,
        "bachata1c_leads",
        "gauge",
        "Leads in the queue for 1C's exchange, by state: waiting, offered (not confirmed), \
         confirmed, known (1C reported its order).",
        &[
            ("state=\"waiting\"", totals.waiting.to_string()),
            ("state=\"offered\"", totals.offered.to_string()),
            ("state=\"confirmed\"", totals.confirmed.to_string()),
            ("state=\"known\"", totals.known.to_string()),
        ],
    );
    let age = snapshot
        .queue
        .and_then(|q| q.oldest_waiting)
        .map_or(0, |oldest| seconds_since(oldest, snapshot.taken_at));
    family(
        &mut text,
        "bachata1c_oldest_waiting_lead_age_seconds",
        "gauge",
        "Seconds since the oldest lead 1C has not confirmed was received; 0 when none waits.",
        &[("", age.to_string())],
    );
    let time = |at: Option<chrono::DateTime<chrono::Utc>>| -> Vec<(&str, String)> {
        at.map(|at| ("", at.timestamp().to_string()))
            .into_iter()
            .collect()
    };
    family(
        &mut text,
        "bachata1c_last_1c_request_timestamp_seconds",
        "gauge",
        "When 1C's exchange last made a request here (Unix time); absent until it has.",
        &time(snapshot.last_1c_request),
    );
    family(
        &mut text,
        "bachata1c_last_webhook_timestamp_seconds",
        "gauge",
        "When the last webhook was received (Unix time); absent until one has been.",
        &time(snapshot.last_webhook),
    );
    let codes: Vec<(String, String)> = webhooks
        .iter()
        .map(|(code, n)| (format!("code=\"{code}\""), n.to_string()))
        .collect();
    family(
        &mut text,
        "bachata1c_webhooks_total",
        "counter",
        "Webhook requests answered since serve started, by HTTP status.",
        &codes
            .iter()
            .map(|(l, v)| (l.as_str(), v.clone()))
            .collect::<Vec<_>>(),
    );
    let outcomes: Vec<(String, String)> = snapshot
        .inputs
        .iter()
        .map(|(outcome, n)| (format!("outcome=\"{}\"", label(outcome)), n.to_string()))
        .collect();
    family(
        &mut text,
        "bachata1c_inputs_total",
        "counter",
        "Inputs the ledger records, by outcome: converted, empty (no qualifying client), \
         refused, duplicate.",
        &outcomes
            .iter()
            .map(|(l, v)| (l.as_str(), v.clone()))
            .collect::<Vec<_>>(),
    );
    family(
        &mut text,
        "bachata1c_failed_inputs",
        "gauge",
        "Refused inputs in failed/ now, each waiting for a person.",
        &[("", snapshot.refused.to_string())],
    );
    if let Some(disk) = &snapshot.disk {
        family(
            &mut text,
            "bachata1c_disk_free_bytes",
            "gauge",
            "Bytes free on the disk of the exchange folder's part that has the least.",
            &[(
                &format!("part=\"{}\"", disk.part),
                disk.available.to_string(),
            )],
        );
    }
    text
}

/// One metric family: its HELP and TYPE lines and its samples (`labels` without braces).
fn family(text: &mut String, name: &str, kind: &str, help: &str, samples: &[(&str, String)]) {
    let _ = writeln!(text, "# HELP {name} {help}");
    let _ = writeln!(text, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(text, "{name} {value}");
        } else {
            let _ = writeln!(text, "{name}{{{labels}}} {value}");
        }
    }
}

/// A label value as the format escapes it.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
