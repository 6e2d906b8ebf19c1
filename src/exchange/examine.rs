//! One claimed input examined: read within the limits, hashed, checked against what the ledger
//! and this round already hold (a duplicate is not converted twice), converted, and its output
//! written into staging. Nothing here is durable yet: [`super::commit`] makes the round so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

use super::scan::{self, Candidate};
use super::{Error, Exchange, Fate, Item, NAMED_AFTER, hex, item, numbering_error};
use crate::conversion::{self, Converted};
use crate::files;
use crate::format::commerceml::{self, Framing, Order};
use crate::format::{self, Format, Rendered};
use crate::lead::Lead;
use crate::ledger::Entry;
use crate::payload::ReadError;
use crate::report::{Level, tally};

impl Exchange<'_> {
    /// Renders leads as the output format has them. CommerceML orders carry the queue numbers
    /// their leads get in the ledger, set aside now: so an order has one `Номер` whichever way
    /// 1C takes it (this file, the orders file, the HTTP exchange), and never another lead's.
    /// Returns the first number set aside.
    pub(super) fn render_numbered(
        &mut self,
        leads: &[Lead],
    ) -> Result<(Rendered, Option<u64>), Error> {
        let layout = &self.settings.conversion.layout;
        if layout.format != Format::Commerceml {
            return Ok((format::render(leads, layout), None));
        }
        let numbers = &self.numbers;
        let first = self
            .ledger
            .reserve_numbers(leads.len(), |highest| {
                numbers.cover(highest, super::numbers::MARK_AHEAD)
            })
            .map_err(|e| numbering_error(&self.settings.folders, e))?;
        let orders: Vec<Order> = (first..)
            .zip(leads)
            .map(|(number, lead)| Order { lead, number })
            .collect();
        let rendered = commerceml::render_orders(&orders, layout, Framing::File);
        Ok((rendered, Some(first)))
    }

    /// Reads, hashes and converts one claimed input; `None` when it went back to the inbox.
    pub(super) fn examine(
        &mut self,
        candidate: &Candidate,
        path: PathBuf,
    ) -> Result<Option<Item>, Error> {
        let name = candidate.name.clone();
        let shown = self.settings.folders.inbox.join(&name);
        // With --settle, the second look at size and time, now that no one else can take the
        // file. Without it, a file is complete when it parses as a whole, whatever its writer
        // still touches (trailing whitespace); one that does not parse goes back below.
        if self.settings.settle.is_some() && scan::stat(&path, &name).as_ref() != Some(candidate) {
            self.not_ready(
                &name,
                Level::Detail,
                "still being written; left in the inbox",
            );
            return Ok(None);
        }
        let bytes = match files::read_at_most(&path, self.settings.limits.max_input_bytes) {
            Ok(bytes) => bytes,
            Err(err) => {
                let entry = Entry {
                    name,
                    reason: Some(err.source.to_string()),
                    ..Entry::default()
                };
                return Ok(Some(item(path, entry, Fate::Refused)));
            }
        };
        let received = modified_or_now(&path);
        let hash = hex(&Sha256::digest(&bytes));
        let mut entry = Entry {
            hash: hash.clone(),
            name: name.clone(),
            received_at: received.format("%Y-%m-%d %H:%M:%S").to_string(),
            ..Entry::default()
        };
        if let Some(earlier) = self.uncommitted.get(&hash) {
            return Ok(Some(item(path, entry, Fate::Duplicate(earlier.clone()))));
        }
        let done_as = self
            .ledger
            .done_as(&hash)
            .map_err(|e| self.ledger_error(e))?;
        if let Some(earlier) = done_as {
            let fate = if earlier == name {
                Fate::Again
            } else {
                Fate::Duplicate(earlier)
            };
            return Ok(Some(item(path, entry, fate)));
        }
        let converted = match convert(self.settings, &bytes, &name, received) {
            Ok(converted) => converted,
            Err(err) => {
                let age = SystemTime::now()
                    .duration_since(candidate.modified)
                    .unwrap_or(Duration::ZERO);
                if err.may_be_incomplete() && age < self.settings.give_up_after {
                    self.not_complete(candidate, age, &err);
                    self.deferred
                        .insert(name, (candidate.clone(), Instant::now()));
                    return Ok(None);
                }
                entry.reason = Some(err.to_string());
                return Ok(Some(item(path, entry, Fate::Refused)));
            }
        };
        let mut skipped = BTreeMap::new();
        for s in &converted.skipped {
            *skipped.entry(s.reason.to_string()).or_insert(0) += 1;
            self.log.file(
                Level::Detail,
                &shown,
                format_args!("{} skipped: {}", s.label(), s.reason),
            );
        }
        entry.exported = converted.leads.len();
        entry.skipped = converted.skipped.len();
        entry.skipped_reasons = tally::reasons(&skipped);
        self.uncommitted.insert(hash.clone(), name.clone());
        let (fate, replaced) = self.stage(converted, &hash, &mut entry, &shown)?;
        Ok(Some(Item {
            path,
            entry,
            fate,
            skipped,
            replaced,
        }))
    }

    /// Renders a converted input's output and writes it into staging (or, with `--batch`,
    /// holds its leads for the run's one output file, whose name is known once the run's inputs
    /// are; with `--commerceml-file`, leaves them to the ledger, from which that file is made).
    /// Returns its fate and how many characters its output could not hold (known here for an
    /// output of its own; `--batch` counts when it writes the run's file).
    fn stage(
        &mut self,
        converted: Converted,
        hash: &str,
        entry: &mut Entry,
        shown: &Path,
    ) -> Result<(Fate, usize), Error> {
        if converted.leads.is_empty() {
            return Ok((Fate::Empty, 0));
        }
        // The leads go into the ledger's queue for 1C with the input's journal entry.
        entry.leads = converted.leads;
        if self.settings.one_output_per_run {
            return Ok((Fate::Staged(String::new()), 0));
        }
        // Its leads reach the orders file from the ledger once the round is recorded.
        if let Some(file) = &self.settings.orders_file {
            entry.outputs = vec![file.name.clone()];
            return Ok((Fate::Staged(file.name.clone()), 0));
        }
        let output_name = format!(
            "bachata-{}.{}",
            &hash[..16],
            self.settings.conversion.layout.format.extension()
        );
        let output = match self.render_numbered(&entry.leads) {
            Ok((output, first_number)) => {
                entry.first_number = first_number;
                output
            }
            Err(err) => {
                let _ = self.claim.give_back(&entry.name);
                return Err(err);
            }
        };
        if let Err(source) = self.staging.write(&output_name, &output.bytes) {
            let _ = self.claim.give_back(&entry.name);
            return Err(Error::Unstaged {
                source,
                input: shown.to_path_buf(),
            });
        }
        entry.outputs = vec![output_name.clone()];
        Ok((Fate::Staged(output_name), output.replaced_chars))
    }
}

impl Exchange<'_> {
    /// Leaves a file that does not parse (yet) in the inbox. One that has not changed for a
    /// while is most likely broken: it is named as a problem, with its error and when it goes
    /// to failed/, once (per run; for `watch`, until it changes), so that `run -q` in a
    /// scheduled task names it in its log too; the other looks at it are details.
    fn not_complete(&mut self, candidate: &Candidate, age: Duration, err: &ReadError) {
        let why = format!("not complete yet? {err}; left in the inbox");
        if age >= NAMED_AFTER && self.told_unparseable.is_news(candidate) {
            let left = (self.settings.give_up_after - age).as_secs_f64().ceil();
            let what = format!("{why}, will be moved to failed/ in {left} s if it does not change");
            self.not_ready(&candidate.name, Level::Problem, &what);
        } else {
            self.not_ready(&candidate.name, Level::Detail, &why);
        }
    }
}

/// Reads and qualifies; the output is rendered when it is staged.
fn convert(
    settings: &super::Settings,
    bytes: &[u8],
    name: &str,
    received: chrono::NaiveDateTime,
) -> Result<Converted, ReadError> {
    conversion::qualify_limited(
        bytes,
        name,
        received,
        &settings.conversion,
        &settings.limits,
    )
}

/// When the webhook was saved, as 1C should show it; now, if the file system cannot tell.
fn modified_or_now(path: &Path) -> chrono::NaiveDateTime {
    files::modified_local(path).unwrap_or_else(|_| chrono::Local::now().naive_local())
}
