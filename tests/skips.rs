//! A check that cannot run on this machine says what it lacks and where to get it (issue 18,
//! item 17: a test skipped for want of the official schemas named only the folders it looked
//! in). The BSL analyzer's skip names `scripts/check-bsl --install` (tests/bsl.rs).
mod common;

use std::path::{Path, PathBuf};

use common::{OFFICIAL_SCHEMAS, Workdir, find_official_xsd};

/// Every official schema a test asks for by name, read from the tests' own sources.
fn schemas_the_tests_use() -> Vec<String> {
    let asked = regex::Regex::new(
        r#"(?:official_xsd|validate_official)\(\s*"([^"]+\.xsd)"|=> "([^"]+\.xsd)""#,
    )
    .unwrap();
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&tests)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    sources.push(tests.join("common/mod.rs"));
    let mut names: Vec<String> = sources
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            asked
                .captures_iter(&text)
                .filter_map(|c| c.get(1).or(c.get(2)).map(|m| m.as_str().to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn a_missing_official_schema_says_where_to_download_it_and_where_to_put_it() {
    let used = schemas_the_tests_use();
    for name in [
        "commerceml_2_10.xsd",
        "EnterpriseData_1_8_6.xsd",
        "ExchangeMessage.xsd",
    ] {
        assert!(
            used.iter().any(|u| u == name),
            "{name} not found in {used:?}"
        );
    }
    let wd = Workdir::new();
    let empty = wd.join("xsd");
    std::fs::create_dir_all(&empty).unwrap();
    for name in &used {
        let reason = find_official_xsd(name, std::slice::from_ref(&empty)).unwrap_err();
        let url = common::official_xsd_source(name)
            .unwrap_or_else(|| panic!("{name}: no source in OFFICIAL_SCHEMAS"));
        assert!(
            url.starts_with("https://raw.githubusercontent.com/") && reason.contains(&url),
            "{reason}"
        );
        let destination = format!("as {name} into {}", empty.display());
        assert!(reason.contains(&destination), "{reason}");
        assert!(reason.contains("BACHATA1C_XSD_DIR"), "{reason}");
    }
    // Found where it is put.
    let put = wd.write("xsd/commerceml_2_10.xsd", "<schema/>");
    assert_eq!(find_official_xsd("commerceml_2_10.xsd", &[empty]), Ok(put));
}

/// The sources named here are those of ../shared/xsd/SOURCE.md, where the schemas CI uses
/// were taken from, with the checks done on them.
#[test]
fn the_schema_sources_are_those_of_the_shared_folder() {
    let Some(source_md) = common::official_xsd_folders()
        .into_iter()
        .map(|dir| dir.join("SOURCE.md"))
        .find(|path| path.is_file())
    else {
        common::skip(
            "../shared/xsd/SOURCE.md not found (the official schemas' folder beside the clone)",
        );
        return;
    };
    let text = std::fs::read_to_string(&source_md).unwrap();
    for (name, repository, path, commit) in OFFICIAL_SCHEMAS {
        let row = text
            .lines()
            .find(|line| line.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("{}: no row for {name}", source_md.display()));
        for part in [repository, path, commit] {
            assert!(row.contains(part), "{name}: {part} is not in {row}");
        }
    }
}
