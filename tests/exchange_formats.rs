//! `run` and `watch` write every format `convert` does, with the dealer's [mapping]: the
//! exchange folder's outputs validated against the official 1C schemas.
mod common;

use std::path::PathBuf;

use common::{
    Workdir, enterprisedata_validate, run, schema_path, validate_official, xmllint_validate,
};

fn exchange_with_fixtures() -> Workdir {
    let wd = Workdir::new();
    for name in [
        "note-example.json",
        "dialog-2026-11-26-sales.json",
        "saved-by-windows-1251.json",
    ] {
        wd.fixture(&format!("inbox/{name}"), &format!("inbox/{name}"));
    }
    wd
}

fn outputs(wd: &Workdir, extension: &str) -> Vec<PathBuf> {
    wd.list("outbox")
        .into_iter()
        .filter(|name| name.ends_with(extension) && !name.starts_with('.'))
        .map(|name| wd.join(&format!("outbox/{name}")))
        .collect()
}

#[test]
fn run_writes_every_format_and_each_validates_against_its_schema() {
    let cases: [(&str, &[&str]); 4] = [
        ("csv", &[]),
        ("xml", &["--encoding", "windows-1251"]),
        ("commerceml", &["--cml-version", "2.08"]),
        ("enterprisedata", &["--enterprisedata-version", "1.6"]),
    ];
    for (format, extra) in cases {
        let wd = exchange_with_fixtures();
        let mut args = vec!["run", "--dir", ".", "--settle", "0", "--format", format];
        args.extend_from_slice(extra);
        let (code, stderr) = run(&mut wd.bachata1c(&args));
        assert_eq!(code, 0, "{format}: {stderr}");
        let extension = if format == "csv" { ".csv" } else { ".xml" };
        let files = outputs(&wd, extension);
        assert_eq!(files.len(), 3, "{format}: {files:?}");
        for file in &files {
            match format {
                "xml" => xmllint_validate(&schema_path("bachata1c-leads-1.xsd"), file),
                "commerceml" => validate_official("commerceml_2_08.xsd", file),
                _ => {}
            }
        }
        if format == "enterprisedata" {
            enterprisedata_validate("1.6", &files);
        }
    }
}

#[test]
fn run_applies_the_mapping_from_the_exchange_folders_config() {
    let wd = exchange_with_fixtures();
    wd.write(
        "bachata1c.toml",
        "[output]\nformat = \"csv\"\n\n[mapping.csv]\ncolumns = [\"phone\", \"name\", \"customData.Модель\"]\n",
    );
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", ".", "--settle", "0"]));
    assert_eq!(code, 0, "{stderr}");
    let kodiaq = outputs(&wd, ".csv")
        .iter()
        .map(|file| common::read_csv_1251(&std::fs::read(file).unwrap()))
        .find(|(_, rows)| rows.len() == 2)
        .expect("the sales webhook's output");
    assert_eq!(kodiaq.0.len(), 3, "{:?}", kodiaq.0);
    assert_eq!(kodiaq.1[0][2], "Kodiaq");
}
