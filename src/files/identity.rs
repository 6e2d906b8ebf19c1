//! Whether two paths name one folder, or one lies inside the other, however they are written:
//! relative or absolute, through `..` or a symbolic link, a mapped drive or its share, and on
//! Windows in any letter case. Folders that do not exist yet (before `init`) compare too.

use std::path::{Component, Path, PathBuf};

/// The path as the system resolves it: its longest existing part canonicalised (links, `..`,
/// the share's own spelling), the rest appended with `.` and `..` resolved by hand; on
/// Windows case-folded, as its file systems compare names.
pub fn identity(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let components: Vec<Component> = absolute.components().collect();
    let (mut resolved, rest) = (0..=components.len())
        .rev()
        .find_map(|existing| {
            let prefix: PathBuf = components[..existing].iter().collect();
            let real = std::fs::canonicalize(&prefix).ok()?;
            Some((real, &components[existing..]))
        })
        .unwrap_or_else(|| (PathBuf::new(), &components[..]));
    for component in rest {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            other => resolved.push(other.as_os_str()),
        }
    }
    case_folded(resolved)
}

#[cfg(windows)]
fn case_folded(path: PathBuf) -> PathBuf {
    PathBuf::from(path.to_string_lossy().to_lowercase())
}

#[cfg(not(windows))]
fn case_folded(path: PathBuf) -> PathBuf {
    path
}

/// Where `inner` is with respect to `outer`, both as [`identity`] gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Same,
    Inside,
    Apart,
}

pub fn relation(inner: &Path, outer: &Path) -> Relation {
    if inner == outer {
        Relation::Same
    } else if inner.starts_with(outer) {
        Relation::Inside
    } else {
        Relation::Apart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_links_and_missing_folders_resolve_to_one_identity() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("ex/inbox")).unwrap();
        let inbox = identity(&root.join("ex/inbox"));
        assert_eq!(identity(&root.join("ex/outbox/../inbox")), inbox);
        assert_eq!(identity(&root.join("ex/./inbox/")), inbox);
        assert_eq!(
            identity(&root.join("ex/new/../inbox")),
            inbox,
            "through a folder that does not exist"
        );
        assert_eq!(
            relation(&identity(&root.join("ex/inbox/later/deeper")), &inbox),
            Relation::Inside
        );
        assert_eq!(
            relation(&identity(&root.join("ex/inbox2")), &inbox),
            Relation::Apart,
            "a common prefix of letters is not a folder inside another"
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("ex/inbox"), root.join("link")).unwrap();
            assert_eq!(identity(&root.join("link")), inbox);
        }
    }
}
