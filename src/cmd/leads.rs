//! `bachata1c leads`: the leads in the ledger and where each is on its way into 1C.
//!
//! Names and what 1C reported («Номер по 1С», «Статус заказа») are text from outside: the
//! table shows them escaped ([`crate::report::shown`]); CSV is exact when written to a file or
//! a pipe and escaped on a terminal, where a person reads it; JSON is exact and escapes what a
//! terminal would act on as `\uXXXX`, which every JSON reader reads back as the same text.

use std::io::IsTerminal;

use super::Exit;
use crate::cli::LeadsArgs;
use crate::exchange::folders;
use crate::ledger::{Ledger, Row};
use crate::report::escape_controls;
use crate::report::shown::is_unshowable;
use crate::settings::{self, ListFormat};

pub fn run(args: &LeadsArgs) -> Exit {
    let settings = match settings::leads(args) {
        Ok(settings) => settings,
        Err(err) => return super::unusable(err),
    };
    let path = settings.folders.ledger();
    if !path.is_file() {
        // A mistyped folder, or the inbox given for the exchange folder, is not one where
        // nothing was converted yet.
        let why = folders::missing_part_hint(&settings.folders.state).unwrap_or_else(|| {
            "no ledger yet (nothing was converted here; `run`, `watch` or `serve --convert` \
             make it)"
                .to_string()
        });
        crate::say!("bachata1c: {}: {why}", path.display());
        return Exit::Unusable;
    }
    let filter = &settings.filter;
    let listed = Ledger::open(&path).and_then(|ledger| {
        let rows = ledger.leads(filter)?;
        // Only a list cut at its limit left any out.
        let total = match filter.limit {
            Some(limit) if rows.len() >= limit => ledger.count_leads(filter)?,
            _ => rows.len() as u64,
        };
        Ok((rows, total, ledger.ignored_reports(IGNORED_SHOWN)?))
    });
    let (rows, total, ignored) = match listed {
        Ok(listed) => listed,
        Err(err) => {
            crate::say!("bachata1c: ledger {}: {err}", path.display());
            return Exit::Unusable;
        }
    };
    match settings.format {
        ListFormat::Table => table(&rows),
        ListFormat::Csv => csv(&rows, std::io::stdout().is_terminal()),
        ListFormat::Json => crate::show!("{}", json(&rows)),
    }
    let shown = rows.len() as u64;
    if total > shown {
        let note =
            format!("{shown} of {total} leads shown, newest first; --limit {total} shows them all");
        // Below a table, for the person reading it; CSV and JSON stay whole for their reader.
        match settings.format {
            ListFormat::Table => crate::show!("({note})"),
            _ => crate::say!("bachata1c: {note}"),
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
        let name: String = match &row.personal_data_removed_at {
            // Its name, phone and e-mail are empty: say why.
            Some(at) => format!("(removed {})", at.get(..10).unwrap_or(at)),
            None => escape_controls(&row.name).chars().take(28).collect(),
        };
        let line = format!(
            "{:<8} {:<9} {:<19} {:<28} {:<16} {}",
            crate::format::commerceml::number_text(row.number),
            row.state,
            row.received_at,
            name,
            row.phone,
            in_1c(row)
        );
        crate::show!("{}", escape_controls(&line));
    }
    if rows.is_empty() {
        crate::show!("(no leads)");
    }
}

/// `on_terminal`: a person reads it, so text from outside is shown escaped.
fn csv(rows: &[Row], on_terminal: bool) {
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
        "personal_data_removed_at",
    ]);
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let yes = |value: Option<bool>| value.map(|v| v.to_string()).unwrap_or_default();
    for row in rows {
        let record = [
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
            text(&row.personal_data_removed_at),
        ];
        let _ = match on_terminal {
            true => writer.write_record(record.iter().map(|v| escape_controls(v).into_owned())),
            false => writer.write_record(&record),
        };
    }
    let bytes = writer.into_inner().unwrap_or_default();
    crate::show!("{}", String::from_utf8_lossy(&bytes).trim_end());
}

/// The rows as JSON, every character a terminal would act on written as a `\u` escape (JSON's
/// writer escapes only C0 controls), so the same text whoever reads it.
fn json(rows: &[Row]) -> String {
    let text = serde_json::to_string_pretty(rows).unwrap_or_default();
    // Outside its strings pretty JSON holds only spaces and line breaks.
    if !text.chars().any(|c| c != '\n' && is_unshowable(c)) {
        return text;
    }
    let mut shown = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c == '\n' || !is_unshowable(c) {
            shown.push(c);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            shown.push_str(&format!("\\u{unit:04x}"));
        }
    }
    shown
}
