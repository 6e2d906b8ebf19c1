//! The durable end of a round: what examining staged is journalled, published, recorded and
//! filed away in the order that keeps the contract whatever step a crash interrupts (each step
//! has a `crash_point` the tests abort at). A round that cannot finish is given back whole.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::{Error, Exchange, Fate, Item, filing, hex};
use crate::files::{self, AfterFailure, Published};
use crate::format::encoding::replaced_note;
use crate::ledger::{Entry, Journalled, Outcome};
use crate::report::{Level, plural};
use crate::test_hooks::crash_point;

/// From this many leads on, a round's leads are freed beside the next work.
const FREE_ASIDE_FROM: usize = 1_000;

impl Exchange<'_> {
    /// `--batch`: writes the held inputs' leads as one file and commits them together.
    pub(super) fn write_one_output(&mut self) -> Result<(), Error> {
        let mut items = std::mem::take(&mut self.held);
        let leads: Vec<crate::lead::Lead> = items
            .iter()
            .filter(|item| matches!(item.fate, Fate::Staged(_)))
            .flat_map(|item| item.entry.leads.iter().cloned())
            .collect();
        if !leads.is_empty() {
            let mut hashes: Vec<&str> = items
                .iter()
                .filter(|item| matches!(item.fate, Fate::Staged(_)))
                .map(|item| item.entry.hash.as_str())
                .collect();
            hashes.sort_unstable();
            let name = format!(
                "bachata-batch-{}.{}",
                &hex(&Sha256::digest(hashes.concat().as_bytes()))[..16],
                self.settings.conversion.layout.format.extension()
            );
            let (rendered, first_number) = match self.render_numbered(&leads) {
                Ok(rendered) => rendered,
                Err(err) => return Err(self.bail(&items, err)),
            };
            drop(leads);
            if let Err(err) = self.staging.write(&name, &rendered.bytes) {
                return Err(self.bail(&items, err.into()));
            }
            // Which inputs' characters were replaced is told only by rendering each on its own:
            // done only when some were, which is rare.
            if rendered.replaced_chars > 0 {
                let layout = &self.settings.conversion.layout;
                for item in items
                    .iter_mut()
                    .filter(|i| matches!(i.fate, Fate::Staged(_)))
                {
                    item.replaced = crate::format::render(&item.entry.leads, layout).replaced_chars;
                }
            }
            // The file's numbers, in the order of its leads, input by input.
            let mut next_number = first_number;
            for item in &mut items {
                if let Fate::Staged(output) = &mut item.fate {
                    output.clone_from(&name);
                    item.entry.outputs = vec![name.clone()];
                    item.entry.first_number = next_number;
                    next_number = next_number.map(|n| n + item.entry.leads.len() as u64);
                }
            }
        }
        self.commit(items)
    }

    /// The round's durable steps, in the order that keeps the contract whatever step a crash
    /// interrupts: outputs made durable in staging, journalled in the ledger, published by
    /// renaming, the outbox made durable, the outcomes recorded, the inputs filed away.
    pub(super) fn commit(&mut self, mut items: Vec<Item>) -> Result<(), Error> {
        // From here on the ledger knows these contents (or they go back to the inbox).
        self.uncommitted.clear();
        if items.is_empty() {
            return Ok(());
        }
        let staged: Vec<usize> = (0..items.len())
            .filter(|&i| matches!(items[i].fate, Fate::Staged(_)))
            .collect();
        let mut rows: HashMap<usize, i64> = HashMap::new();
        if !staged.is_empty() {
            if let Err(err) = self.staging.sync() {
                return Err(self.bail(&items, err.into()));
            }
            crash_point("staged");
            let entries: Vec<&Entry> = staged.iter().map(|&i| &items[i].entry).collect();
            let numbers = &self.numbers;
            let journal = match self.ledger.begin_publishing(&self.claim.id, &entries, |h| {
                numbers.cover(h, super::numbers::MARK_AHEAD)
            }) {
                Ok(journal) => journal,
                Err(err) => {
                    let err = super::numbering_error(&self.settings.folders, err);
                    return Err(self.bail(&items, err));
                }
            };
            crash_point("journalled");
            let mut discarded = Vec::new();
            for (&i, result) in staged.iter().zip(journal) {
                match result {
                    Journalled::New(row) => {
                        rows.insert(i, row);
                    }
                    Journalled::TakenAs(earlier) => {
                        if let Fate::Staged(output) = &items[i].fate {
                            discarded.push(output.clone());
                        }
                        items[i].entry.outputs.clear();
                        items[i].fate = Fate::Duplicate(earlier);
                    }
                }
            }
            // Another worker took the same content meanwhile: drop its output, unless it is a
            // --batch file that other inputs need too.
            for output in discarded {
                if !rows
                    .keys()
                    .any(|&i| matches!(&items[i].fate, Fate::Staged(o) if *o == output))
                {
                    self.staging.discard(&output);
                }
            }
        }
        // Publish: the rename is the commit point of each output (shared by all the inputs
        // of a --batch file). The orders file is written from the ledger once the round is
        // recorded. What fails stays staged until the ledger has it as unpublished.
        let mut names: Vec<&str> = Vec::new();
        let mut named = HashSet::new();
        for &i in rows.keys() {
            if let Fate::Staged(output) = &items[i].fate
                && !self.is_orders_file(output)
                && named.insert(output.as_str())
            {
                names.push(output);
            }
        }
        let Published { each, synced } = self.staging.publish_all(&names, AfterFailure::Stop);
        let mut failure: Option<files::Error> = None;
        let mut out: HashSet<&str> = HashSet::new();
        for (name, result) in names.iter().zip(each) {
            match result {
                Some(Ok(_)) => {
                    out.insert(name);
                }
                Some(Err(err)) => failure = Some(err),
                None => {}
            }
        }
        let mut published = Vec::new();
        let mut unpublished = Vec::new();
        let mut orders_file = false;
        for (&i, &row) in &rows {
            let Fate::Staged(output) = &items[i].fate else {
                continue;
            };
            let is_orders_file = self.is_orders_file(output);
            orders_file |= is_orders_file;
            if is_orders_file || out.contains(output.as_str()) {
                published.push(row);
            } else {
                unpublished.push(row);
            }
        }
        self.tally.outputs += out.len() + usize::from(orders_file);
        drop(out);
        if let Err(err) = synced {
            return Err(self.bail(&items, err.into()));
        }
        crash_point("published");
        let others: Vec<(Outcome, &Entry)> = items
            .iter()
            .filter_map(|item| {
                let outcome = match item.fate {
                    Fate::Empty => Outcome::Empty,
                    Fate::Refused => Outcome::Refused,
                    Fate::Duplicate(_) => Outcome::Duplicate,
                    Fate::Staged(_) | Fate::Again => return None,
                };
                Some((outcome, &item.entry))
            })
            .collect();
        if let Err(err) = self
            .ledger
            .finish(&self.claim.id, &published, &unpublished, &others)
        {
            let err = self.ledger_error(err);
            return Err(self.bail(&items, err));
        }
        crash_point("recorded");
        if !published.is_empty()
            && let Some(marker) = &self.settings.done_marker
            && let Err(err) = filing::mark_done(&self.settings.folders, marker)
        {
            self.log.note(Level::Problem, err);
        }
        let mut first_error = None;
        for (i, item) in items.iter().enumerate() {
            let unpublished_here = rows.get(&i).is_some_and(|row| unpublished.contains(row));
            if unpublished_here {
                if let Fate::Staged(output) = &item.fate {
                    self.staging.discard(output);
                }
                let _ = self.claim.give_back(&item.entry.name);
                self.log.file(
                    Level::Problem,
                    &self.settings.folders.inbox.join(&item.entry.name),
                    "not published (see below); left in the inbox to be retried",
                );
                continue;
            }
            if let Err(err) = self.file_away(item) {
                // The outcome is in the ledger: back in the inbox, it is filed as «done before».
                let _ = self.claim.give_back(&item.entry.name);
                first_error.get_or_insert(err);
            }
            crash_point("filed-one");
        }
        let orders_file = if published.is_empty() {
            Ok(())
        } else {
            self.rewrite_orders_file()
        };
        crash_point("rewritten");
        // A big file's leads are freed beside the next work; for a few it would cost more.
        if items
            .iter()
            .map(|item| item.entry.leads.len())
            .sum::<usize>()
            >= FREE_ASIDE_FROM
        {
            crate::parallel::drop_aside(items);
        }
        if let Some(err) = first_error {
            return Err(err);
        }
        orders_file?;
        match failure {
            Some(err) => Err(Error::Unpublished(err)),
            None => Ok(()),
        }
    }

    fn is_orders_file(&self, output: &str) -> bool {
        self.settings
            .orders_file
            .as_ref()
            .is_some_and(|file| file.name == output)
    }

    /// Moves one finished input to archive/ or failed/ and says what happened to it.
    fn file_away(&mut self, item: &Item) -> Result<(), Error> {
        let folders = &self.settings.folders;
        let name = &item.entry.name;
        let shown = folders.inbox.join(name);
        let e = &item.entry;
        let moved = match &item.fate {
            Fate::Refused => {
                let reason = e.reason.as_deref().unwrap_or("refused");
                filing::fail(&item.path, folders, name, reason).map(|to| {
                    self.tally.refused += 1;
                    self.log.file(
                        Level::Problem,
                        &shown,
                        format_args!("refused: {reason}; moved to {}", to.display()),
                    );
                })
            }
            fate => filing::archive(&item.path, folders, name).map(|_| {
                let message = match fate {
                    Fate::Staged(output) => {
                        self.tally.converted += 1;
                        self.tally.exported += e.exported;
                        let format = self.settings.conversion.layout.format;
                        let replaced = replaced_note(format, item.replaced)
                            .map(|note| format!("; {note}"))
                            .unwrap_or_default();
                        format!(
                            "{} → {}{}{replaced}",
                            plural(e.exported, "client"),
                            folders.outbox.join(output).display(),
                            skipped_note(e)
                        )
                    }
                    Fate::Empty => {
                        self.tally.converted += 1;
                        self.tally.without_leads += 1;
                        format!("no qualifying client{}, archived", skipped_note(e))
                    }
                    Fate::Duplicate(earlier) => {
                        self.tally.duplicates += 1;
                        format!(
                            "same content as {earlier}, converted once; archived without output"
                        )
                    }
                    _ => {
                        self.tally.duplicates += 1;
                        "converted before (same name and content, e.g. before an interruption); \
                         archived without a second output"
                            .to_string()
                    }
                };
                if matches!(fate, Fate::Staged(_) | Fate::Empty) {
                    self.tally.add_skipped(&item.skipped);
                }
                self.log.file(Level::File, &shown, message);
            }),
        };
        self.log.tick();
        moved.map_err(Error::from)
    }

    /// A round that cannot be finished: journalled outputs that left staging count as
    /// published, everything else is dropped, and every input goes back to the inbox, where
    /// the ledger tells the next scan which of them are done.
    fn bail(&mut self, items: &[Item], err: Error) -> Error {
        let staging = &self.staging;
        let _ = self
            .ledger
            .resolve_worker(&self.claim.id, |output| staging.staged(output).exists());
        self.give_back_all(items);
        err
    }
}

fn skipped_note(entry: &Entry) -> String {
    if entry.skipped == 0 {
        String::new()
    } else {
        format!("; {} skipped ({})", entry.skipped, entry.skipped_reasons)
    }
}
