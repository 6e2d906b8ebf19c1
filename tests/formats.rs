//! All four formats over every fixture of fixtures/inbox: the plain XML against its own schema
//! (schemas/bachata1c-leads-1.xsd), the CSV read back in windows-1251 by an independent parser;
//! CommerceML and EnterpriseData against the official schemas are in commerceml.rs and
//! enterprisedata.rs.

mod common;

use common::{Workdir, read_csv_1251, run, schema_path, xmllint_validate};

fn convert_inbox(wd: &Workdir, format: &str) -> Vec<String> {
    for name in common::inbox_fixtures() {
        wd.fixture(&format!("inbox/{name}"), &format!("inbox/{name}"));
    }
    let out = format!("out-{format}");
    let (code, stderr) = run(&mut wd.bachata1c(&[
        "convert",
        "inbox",
        "--out",
        &out,
        "--format",
        format,
        "--no-require-phone",
        "--quiet",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let names = wd.list(&out);
    assert_eq!(names.len(), common::inbox_fixtures().len(), "{names:?}");
    names.iter().map(|n| format!("{out}/{n}")).collect()
}

#[test]
fn every_fixture_as_plain_xml_validates_against_its_schema() {
    let wd = Workdir::new();
    for file in convert_inbox(&wd, "xml") {
        xmllint_validate(&schema_path("bachata1c-leads-1.xsd"), &wd.join(&file));
    }
}

#[test]
fn every_fixture_as_csv_reads_back_with_every_column() {
    let wd = Workdir::new();
    for file in convert_inbox(&wd, "csv") {
        let (header, rows) = read_csv_1251(&wd.read(&file));
        assert_eq!(header.len(), 17, "{file}");
        assert!(!rows.is_empty(), "{file}");
        assert!(rows.iter().all(|r| r.len() == header.len()), "{file}");
    }
}

#[test]
fn every_format_is_accepted_and_named_in_the_help() {
    let wd = Workdir::new();
    let output = wd.bachata1c(&["convert", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for format in [
        "csv",
        "xml",
        "commerceml",
        "enterprisedata",
        "xlsx",
        "--cml-version",
        "--config",
    ] {
        assert!(help.contains(format), "{format} in {help}");
    }
}
