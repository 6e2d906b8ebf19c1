//! What must hold for any input bytes, checked by the fuzz target (fuzz/, nightly) and by the
//! stable mutation harness (tests/fuzz_stable.rs): reading and converting to every format,
//! encoding and CSV style never panics, and whatever is produced is readable by 1C's rules.
#![allow(dead_code)]

pub mod xlsx;

use bachata1c::conversion;
use bachata1c::conversion::Settings;
use bachata1c::format::{EnterpriseDataVersion, Format, Layout, TextEncoding};
use bachata1c::lead::Rules;
use bachata1c::limits::Limits;
use encoding_rs::WINDOWS_1251;

/// Every format in each of its variants: CSV in every encoding and style, EnterpriseData in
/// every encoding and version, XLSX once (no encoding, no CSV style), the rest in every encoding.
fn layouts() -> Vec<Layout> {
    let mut layouts = Vec::new();
    for format in &Format::ALL {
        for encoding in &TextEncoding::ALL {
            let layout = Layout {
                encoding: *encoding,
                ..Layout::new(*format)
            };
            match format {
                Format::Xlsx if *encoding != TextEncoding::Utf8 => {}
                Format::Csv => layouts.extend([false, true].map(|csv_quote| Layout {
                    csv_quote,
                    ..layout.clone()
                })),
                Format::Enterprisedata => {
                    for version in &EnterpriseDataVersion::ALL {
                        layouts.push(Layout {
                            enterprisedata_version: *version,
                            ..layout.clone()
                        });
                    }
                }
                _ => layouts.push(layout),
            }
        }
    }
    layouts
}

/// Panics (so the fuzzer or the test reports it) when an invariant is broken.
pub fn check(bytes: &[u8]) {
    let received = chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
        .and_then(|d| d.and_hms_opt(9, 15, 0))
        .expect("a valid time");
    // Small limits keep each run quick; the limit checks themselves are on the path too.
    let limits = Limits {
        max_input_bytes: 1 << 20,
        max_clients: 1000,
    };
    for layout in layouts() {
        let settings = Settings {
            // Export every client, phone or not, so the writers see as much as possible.
            rules: Rules {
                require_phone: false,
                ..Rules::default()
            },
            ..Settings::new(layout.clone())
        };
        let Ok(conversion) =
            conversion::convert_limited(bytes, "fuzz.json", received, &settings, &limits)
        else {
            continue;
        };
        if let Some(output) = &conversion.output {
            check_output(&output.bytes, &layout, conversion.leads.len());
        }
    }
}

fn check_output(bytes: &[u8], layout: &Layout, leads: usize) {
    if layout.format == Format::Xlsx {
        // Read as the spec says: one sheet (the leads are fewer than a sheet's rows), a header
        // and a row per lead, every cell text or blank, all with the Text format.
        let sheets = xlsx::read(bytes);
        assert_eq!(sheets.len(), 1);
        let rows = &sheets[0].rows;
        assert_eq!(rows.len(), leads + 1, "a row per lead and a header");
        for cell in rows.iter().flatten() {
            assert_eq!(cell.number_format(), Some("@"), "{cell:?}");
        }
        return;
    }
    let text = match layout.encoding {
        TextEncoding::Windows1251 => WINDOWS_1251
            .decode_without_bom_handling_and_without_replacement(bytes)
            .expect("output is valid windows-1251")
            .into_owned(),
        TextEncoding::Utf8 => String::from_utf8(bytes.to_vec()).expect("output is valid UTF-8"),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    match layout.format {
        Format::Csv if !layout.csv_quote => {
            // 1C's loader: CRLF lines, `;` fields, no quoting.
            let body = text.strip_suffix("\r\n").expect("CSV ends with CRLF");
            let lines: Vec<&str> = body.split("\r\n").collect();
            assert_eq!(lines.len(), leads + 1, "a line per lead and a header");
            let columns = lines[0].split(';').count();
            for line in lines {
                assert!(!line.contains(['\r', '\n', '"']), "{line:?}");
                assert_eq!(line.split(';').count(), columns, "{line:?}");
            }
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(b';')
                .from_reader(text.as_bytes());
            let columns = reader.headers().expect("a header").len();
            let mut rows = 0;
            for record in reader.records() {
                assert_eq!(record.expect("a CSV record").len(), columns);
                rows += 1;
            }
            assert_eq!(rows, leads);
        }
        _ => {
            let document = roxmltree::Document::parse(text).expect("well-formed XML");
            assert!(document.root_element().children().any(|n| n.is_element()));
            if layout.format == Format::Enterprisedata {
                // БСП reads the objects in the namespace of the version asked for.
                let body = document
                    .root_element()
                    .last_element_child()
                    .expect("a Body");
                let version = layout.enterprisedata_version.as_str();
                assert_eq!(
                    body.tag_name().namespace(),
                    Some(format!("http://v8.1c.ru/edi/edi_stnd/EnterpriseData/{version}").as_str())
                );
            }
        }
    }
}
