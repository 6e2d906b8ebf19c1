//! `bachata1c leads`: the leads in the ledger and where each is on its way into 1C.

use super::Exit;
use crate::cli::{LeadsArgs, ListFormat};
use crate::ledger::{Ledger, Row};
use crate::report::escape_controls;
use crate::settings;

pub fn run(args: &LeadsArgs) -> Exit {
    let settings = match settings::leads(args) {
        Ok(settings) => settings,
        Err(err) => return super::unusable(err),
    };
    let path = settings.folders.ledger();
    if !path.is_file() {
        crate::say!(
            "bachata1c: {}: no ledger yet (nothing was converted here)",
            path.display()
        );
        return Exit::Unusable;
    }
    let read = Ledger::open(&path).and_then(|ledger| {
        Ok((
            ledger.leads(&settings.filter)?,
            ledger.ignored_reports(IGNORED_SHOWN)?,
        ))
    });
    let (rows, ignored) = match read {
        Ok(read) => read,
        Err(err) => {
            crate::say!("bachata1c: ledger {}: {err}", path.display());
            return Exit::Unusable;
        }
    };
    match settings.format {
        ListFormat::Table => table(&rows),
        ListFormat::Csv => csv(&rows),
        ListFormat::Json => {
            crate::show!(
                "{}",
                serde_json::to_string_pretty(&rows).unwrap_or_default()
            )
        }
    }
    // Below the table; beside CSV and JSON, on stderr, so that what a script reads stays whole.
    match settings.format {
        ListFormat::Table => super::status::show_ignored(&ignored, |text| {
            crate::show!("{}", escape_controls(&text.to_string()))
        }),
        _ => super::status::show_ignored(&ignored, |text| {
            crate::say!("bachata1c: {}", escape_controls(&text.to_string()))
        }),
    }
    Exit::Success
}

/// Reports from 1C on numbers it was never given, listed after the leads.
const IGNORED_SHOWN: usize = 10;

fn flag(value: Option<bool>, word: &str) -> Option<String> {
    value.unwrap_or(false).then(|| word.to_string())
}

/// What 1C made of a lead, in a few words.
fn in_1c(row: &Row) -> String {
    let words: Vec<String> = [
        row.onec_number.as_ref().map(|n| format!("№ {n}")),
        row.onec_date.clone(),
        flag(row.posted, "проведён"),
        flag(row.cancelled, "отменён"),
        flag(row.deletion_mark, "помечен на удаление"),
        row.status.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    words.join(", ")
}

fn table(rows: &[Row]) {
    crate::show!(
        "{:<8} {:<9} {:<19} {:<28} {:<16} in 1C",
        "number",
        "state",
        "received",
        "name",
        "phone"
    );
    for row in rows {
        let name: String = row.name.chars().take(28).collect();
        crate::show!(
            "{:<8} {:<9} {:<19} {:<28} {:<16} {}",
            crate::format::commerceml::number_text(row.number),
            row.state,
            row.received_at,
            name,
            row.phone,
            in_1c(row)
        );
    }
    if rows.is_empty() {
        crate::show!("(no leads)");
    }
}

fn csv(rows: &[Row]) {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record([
        "number",
        "state",
        "received_at",
        "name",
        "phone",
        "email",
        "offered_at",
        "offers",
        "confirmed_at",
        "onec_number",
        "onec_date",
        "posted",
        "deletion_mark",
        "cancelled",
        "status",
        "known_at",
    ]);
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let yes = |value: Option<bool>| value.map(|v| v.to_string()).unwrap_or_default();
    for row in rows {
        let _ = writer.write_record([
            crate::format::commerceml::number_text(row.number),
            row.state.to_string(),
            row.received_at.clone(),
            row.name.clone(),
            row.phone.clone(),
            row.email.clone(),
            text(&row.offered_at),
            row.offers.to_string(),
            text(&row.confirmed_at),
            text(&row.onec_number),
            text(&row.onec_date),
            yes(row.posted),
            yes(row.deletion_mark),
            yes(row.cancelled),
            text(&row.status),
            text(&row.known_at),
        ]);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    crate::show!("{}", String::from_utf8_lossy(&bytes).trim_end());
}
