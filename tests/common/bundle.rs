//! A support bundle read back by an independent reader: Python's zipfile, which also checks
//! every entry's CRC.

use std::collections::BTreeMap;
use std::path::Path;

/// The bundle's files and their text, as Python's zipfile reads them; `None` (the test
/// recorded as skipped) without python3.
pub fn unzip(path: &Path) -> Option<BTreeMap<String, String>> {
    if !super::have_tool("python3", "Debian package python3") {
        return None;
    }
    let script = "import json, sys, zipfile\n\
                  with zipfile.ZipFile(sys.argv[1]) as z:\n\
                  \x20   assert z.testzip() is None, z.testzip()\n\
                  \x20   files = {i.filename: z.read(i).decode('utf-8') for i in z.infolist()}\n\
                  print(json.dumps(files))\n";
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "Python's zipfile cannot read {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("JSON from python"))
}

/// Every place in the bundle where one of `values` appears: (file, value).
pub fn found<'a>(files: &BTreeMap<String, String>, values: &[&'a str]) -> Vec<(String, &'a str)> {
    let mut found = Vec::new();
    for (name, text) in files {
        let lower = text.to_lowercase();
        for value in values {
            if lower.contains(&value.to_lowercase()) {
                found.push((name.clone(), *value));
            }
        }
    }
    found
}
