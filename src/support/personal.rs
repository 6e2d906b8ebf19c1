//! Where a support bundle learns which names, phones and e-mails are personal data: the leads
//! in the ledger and the clients of the webhooks waiting in the inbox and refused in failed/.
//! A webhook too broken to read still gives the values of its `name`, `phone` and `email` keys.

use std::path::Path;

use regex::Regex;

use super::redact::{Kind, Known};
use crate::exchange::folders::Folders;
use crate::ledger::{Filter, Ledger};
use crate::payload::{self, ClientEntry};

/// The newest leads of the ledger taken.
pub const KNOWN_LEADS: usize = 100_000;
/// The newest files of the inbox and of failed/ read, each up to [`KNOWN_FILE_LIMIT`].
pub const KNOWN_FILES: usize = 1_000;
pub const KNOWN_FILE_LIMIT: u64 = 4 << 20;

/// Adds every name, phone and e-mail found to `known`; what could not be read is said in the
/// returned notes.
pub fn gather(folders: &Folders, known: &mut Known) -> Vec<String> {
    let mut notes = Vec::new();
    let ledger = folders.ledger();
    if ledger.is_file() {
        let filter = Filter {
            limit: Some(KNOWN_LEADS),
            ..Filter::default()
        };
        match Ledger::open(&ledger).and_then(|ledger| ledger.leads(&filter)) {
            Ok(rows) => {
                for row in rows {
                    known.client(Some(&row.name), Some(&row.phone), Some(&row.email));
                }
            }
            Err(err) => notes.push(format!(
                "the ledger {} could not be read for the leads' names: {err}",
                ledger.display()
            )),
        }
    }
    let keyed =
        Regex::new(r#""(name|phone|email)"\s*:\s*"((?:[^"\\]|\\.)*)""#).expect("a valid pattern");
    for folder in [&folders.inbox, &folders.failed] {
        for path in newest_json(folder) {
            let Ok(bytes) = crate::files::read_at_most(&path, KNOWN_FILE_LIMIT) else {
                continue;
            };
            if let Ok(read) = payload::read(&bytes) {
                for entry in &read.clients {
                    if let ClientEntry::Client(client) = entry {
                        known.client(
                            client.name.as_deref(),
                            client.phone.as_deref(),
                            client.email.as_deref(),
                        );
                    }
                }
            }
            for found in keyed.captures_iter(&String::from_utf8_lossy(&bytes)) {
                let kind = match &found[1] {
                    "name" => Kind::Name,
                    "phone" => Kind::Phone,
                    _ => Kind::Email,
                };
                known.add(kind, &found[2]);
            }
        }
    }
    notes
}

/// The newest [`KNOWN_FILES`] `*.json` files of `folder`.
fn newest_json(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<(std::time::SystemTime, std::path::PathBuf)> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .to_ascii_lowercase()
                .ends_with(".json")
        })
        .filter_map(|entry| {
            let modified = entry.metadata().ok()?.modified().ok()?;
            Some((modified, entry.path()))
        })
        .collect();
    found.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    found.truncate(KNOWN_FILES);
    found.into_iter().map(|(_, path)| path).collect()
}
