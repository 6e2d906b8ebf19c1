//! Helpers for the exchange-folder tests: webhook bodies, and what the outbox and the archive
//! hold, read back independently of the code under test.

use std::collections::BTreeMap;

use super::{Workdir, cell, read_csv_1251};

/// Where `BACHATA1C_CRASH_AT` aborts a round, in the order the round passes them
/// (`crash_point` in src/exchange/commit.rs): random kills rarely land in the narrow windows
/// between the durable steps, so the tests crash exactly there.
pub const CRASH_STEPS: [&str; 7] = [
    "staged",
    "journalled",
    "published-one",
    "published",
    "recorded",
    "filed-one",
    "rewritten",
];

/// `bachata1c leads --dir DIR --format json`, as a script reads it.
pub fn leads_json(wd: &Workdir, dir: &str) -> Vec<serde_json::Value> {
    let output = wd
        .bachata1c(&["leads", "--dir", dir, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A webhook with one client per (clientId, phone); an empty phone does not qualify.
pub fn webhook(clients: &[(&str, &str)]) -> String {
    let clients: Vec<String> = clients
        .iter()
        .map(|(id, phone)| {
            format!(
                r#"{{"searchId":"1/1","login":"v_{id}","clientId":"{id}","name":"Иван Петров","phone":"{phone}","email":"","customData":{{"source":"test"}}}}"#
            )
        })
        .collect();
    format!(r#"{{"clients":[{}]}}"#, clients.join(","))
}

/// Every exported client id in the outbox's CSV files, with how often it appears.
pub fn outbox_clients(wd: &Workdir) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for name in wd.list("outbox") {
        if name.starts_with('.') {
            continue;
        }
        assert!(
            name.ends_with(".csv"),
            "unexpected file in the outbox: {name}"
        );
        let (header, rows) = read_csv_1251(&wd.read(&format!("outbox/{name}")));
        for row in rows {
            *seen
                .entry(cell(&header, &row, "ИдКлиента").to_string())
                .or_insert(0) += 1;
        }
    }
    seen
}

/// Names of the files in archive/'s dated subfolders.
pub fn archived(wd: &Workdir) -> Vec<String> {
    let mut names = Vec::new();
    for day in wd.list("archive") {
        names.extend(wd.list(&format!("archive/{day}")));
    }
    names.sort();
    names
}

/// Writes `files` webhooks of two clients each (one without a phone, so skipped) and
/// `duplicates` copies of some of them under other names; returns the ids that qualify.
pub fn fill_inbox(wd: &Workdir, files: usize, duplicates: usize) -> Vec<String> {
    let mut expected = Vec::new();
    for i in 0..files {
        let (a, b, c) = (format!("f{i}a"), format!("f{i}b"), format!("f{i}c"));
        let body = webhook(&[
            (&a, &format!("+7916{:07}", 2 * i)),
            (&b, &format!("+7916{:07}", 2 * i + 1)),
            (&c, ""),
        ]);
        wd.write(&format!("inbox/hook-{i:05}.json"), &body);
        if i < duplicates {
            wd.write(&format!("inbox/retry-{i:05}.json"), &body);
        }
        expected.extend([a, b]);
    }
    expected.sort();
    expected
}

/// The contract: every input in archive/ (none refused here), nothing left in the inbox or in a
/// worker's folder, no half-written file visible in the outbox, every qualifying client
/// exactly once.
pub fn assert_contract(wd: &Workdir, expected: &[String], inputs: usize) {
    let inbox = wd.list("inbox");
    assert_eq!(inbox, vec![".bachata1c-work"], "inbox not empty");
    for worker in wd.list("inbox/.bachata1c-work") {
        let left = wd.list(&format!("inbox/.bachata1c-work/{worker}"));
        assert!(
            left.iter().all(|n| n.starts_with('.')),
            "claimed files left in {worker}: {left:?}"
        );
    }
    assert!(wd.list("failed").is_empty(), "{:?}", wd.list("failed"));
    assert_eq!(archived(wd).len(), inputs, "every input archived once");
    let clients = outbox_clients(wd);
    let twice: Vec<_> = clients.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "clients exported more than once: {twice:?}"
    );
    let got: Vec<String> = clients.keys().cloned().collect();
    assert_eq!(got.len(), expected.len(), "clients missing from the outbox");
    assert_eq!(got, expected);
}
