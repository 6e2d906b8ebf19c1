//! Said once: the inbox files a line was written about, in the state they were in, so that
//! `watch` tells of a file left in the inbox once, not on every scan, and again only when it
//! changes. A fresh `run` tells each once.

use std::collections::HashMap;
use std::path::Path;

use super::scan::Candidate;

#[derive(Default)]
pub struct Told {
    said: HashMap<String, Candidate>,
}

impl Told {
    /// Whether `file`, in its size and time now, was not told of yet; remembered as told.
    pub fn is_news(&mut self, file: &Candidate) -> bool {
        if self.said.get(&file.name) == Some(file) {
            return false;
        }
        self.said.insert(file.name.clone(), file.clone());
        true
    }

    /// Forgets the files no longer in `dir` (taken, refused, renamed or removed): one that
    /// comes back under the same name is news again, and the memory stays as small as the
    /// files told of.
    pub fn forget_gone(&mut self, dir: &Path) {
        self.said
            .retain(|name, _| dir.join(name).symlink_metadata().is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn file(name: &str, size: u64) -> Candidate {
        Candidate {
            name: name.to_string(),
            size,
            modified: SystemTime::UNIX_EPOCH + Duration::from_secs(1),
        }
    }

    #[test]
    fn a_file_is_news_once_per_state_and_again_after_it_went() {
        let dir = tempfile::tempdir().unwrap();
        let mut told = Told::default();
        assert!(told.is_news(&file("a.json.txt", 1)));
        assert!(!told.is_news(&file("a.json.txt", 1)));
        assert!(told.is_news(&file("a.json.txt", 2)), "changed");
        assert!(!told.is_news(&file("a.json.txt", 2)));
        std::fs::write(dir.path().join("b.txt"), "").unwrap();
        assert!(told.is_news(&file("b.txt", 0)));
        told.forget_gone(dir.path());
        assert!(!told.is_news(&file("b.txt", 0)), "still there");
        assert!(told.is_news(&file("a.json.txt", 2)), "gone, then back");
    }
}
