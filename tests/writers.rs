//! Property tests over the writers: any client (arbitrary Unicode, control characters, `;`,
//! quotes, line breaks, very long fields) comes back from every output through parsers that
//! are not ours (the csv crate's reader, roxmltree, xmllint, an XLSX reader written from the
//! spec) as the same values, after only the replacements docs/formats.md documents. Failing cases
//! are kept in proptest-regressions/.
mod common;
#[path = "invariants/xlsx.rs"]
mod xlsx;

use std::path::{Component, Path};

use bachata1c::conversion;
use bachata1c::conversion::Settings;
use bachata1c::format::{Format, Layout, TextEncoding};
use chrono::NaiveDate;
use encoding_rs::WINDOWS_1251;
use proptest::prelude::*;

/// Characters that have broken CSV and XML writers somewhere, mixed with any character at all.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        2 => prop::sample::select(vec![
            ';', '"', '\'', ',', '\r', '\n', '\t', ' ', '\u{0}', '\u{1b}', '\u{7f}', '\u{85}',
            '\u{a0}', '\u{2028}', '\u{feff}', '\u{fffe}', '\u{ffff}', '<', '>', '&', ']',
            '=', '|', 'Ё', 'ё', '№', '«', '—', 'é', '€', '🚗', '\u{301}',
        ]),
        2 => prop::char::range('А', 'я'),
    ]
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => prop::collection::vec(hostile_char(), 0..40),
        1 => prop::collection::vec(hostile_char(), 5_000..20_000),
    ]
    .prop_map(|chars| chars.into_iter().collect())
}

#[derive(Debug, Clone)]
struct Client {
    name: String,
    email: String,
    client_id: String,
    search_id: String,
    login: String,
    custom: Vec<(String, String)>,
}

fn client() -> impl Strategy<Value = Client> {
    (
        field(),
        field(),
        field(),
        field(),
        field(),
        prop::collection::vec((field(), field()), 0..3),
    )
        .prop_map(
            |(name, email, client_id, search_id, login, custom)| Client {
                name,
                email,
                client_id,
                search_id,
                login,
                custom,
            },
        )
}

impl Client {
    fn payload(&self) -> Vec<u8> {
        let custom: serde_json::Map<String, serde_json::Value> = self
            .custom
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        serde_json::to_vec(&serde_json::json!({"clients": [{
            "name": self.name, "email": self.email, "clientId": self.client_id,
            "searchId": self.search_id, "login": self.login, "phone": "+7 916 555-12-34",
            "customData": custom,
        }]}))
        .unwrap()
    }

    /// customData as the lead holds it: sorted by key, the last of equal keys, cleaned.
    fn custom_pairs(&self) -> Vec<(String, String)> {
        // serde_json's map sorts keys and keeps the last of equal keys, as the reader sees them.
        let custom: std::collections::BTreeMap<&str, &str> = self
            .custom
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        custom.iter().map(|(k, v)| (clean(k), clean(v))).collect()
    }

    /// Column → value as the lead holds it: only `clean` applied (documented in lead.rs).
    fn expected(&self) -> Vec<(&'static str, String)> {
        let custom: Vec<String> = self
            .custom_pairs()
            .into_iter()
            .map(|(k, v)| {
                // docs/1c-import.md: `\` and `|` escaped in keys and values, `=` in keys too.
                let escape = |text: String| text.replace('\\', r"\\").replace('|', r"\|");
                let key = escape(k).replace('=', r"\=");
                format!("{key}={}", escape(v))
            })
            .collect();
        vec![
            ("Имя", clean(&self.name)),
            ("Email", clean(&self.email)),
            ("ИдКлиента", clean(&self.client_id)),
            ("ИдПоиска", clean(&self.search_id)),
            ("Логин", clean(&self.login)),
            ("ДополнительныеДанные", custom.join(" | ")),
        ]
    }
}

/// The documented cleaning, written again here: control characters other than tab and line
/// breaks go, and so do U+FFFE/U+FFFF; then the value is trimmed.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .filter(|&c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// The documented CSV replacements for 1C's naive loader: `;`→`,`, `"`→`'`, each line break
/// (CRLF counts as one) and tab → a space; then what windows-1251 lacks → `?`.
fn csv_expected(value: &str, encoding: TextEncoding) -> String {
    let value = value.replace("\r\n", " ");
    value
        .chars()
        .map(|c| match c {
            ';' => ',',
            '"' => '\'',
            '\r' | '\n' | '\t' => ' ',
            c if encoding == TextEncoding::Windows1251 && !in_1251(c) => '?',
            c => c,
        })
        .collect()
}

fn in_1251(c: char) -> bool {
    let (_, _, unmappable) = WINDOWS_1251.encode(c.encode_utf8(&mut [0; 4]));
    !unmappable
}

fn decode(bytes: &[u8], encoding: TextEncoding) -> String {
    match encoding {
        TextEncoding::Windows1251 => WINDOWS_1251
            .decode_without_bom_handling_and_without_replacement(bytes)
            .expect("valid windows-1251")
            .into_owned(),
        TextEncoding::Utf8 => String::from_utf8(bytes.to_vec()).expect("valid UTF-8"),
    }
}

fn render(client: &Client, layout: Layout) -> Vec<u8> {
    let received = NaiveDate::from_ymd_opt(2026, 11, 26)
        .unwrap()
        .and_hms_opt(9, 15, 0)
        .unwrap();
    let conversion = conversion::convert(
        &client.payload(),
        "hook.json",
        received,
        &Settings::new(layout),
    )
    .expect("a JSON we wrote ourselves reads");
    conversion.output.expect("the client has a phone").bytes
}

fn check_csv(client: &Client, encoding: TextEncoding) -> Result<(), TestCaseError> {
    let layout = Layout {
        encoding,
        ..Layout::new(Format::Csv)
    };
    let bytes = render(client, layout);
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = decode(bytes, encoding);
    // 1C's loader: split lines on CRLF, fields on `;`, no quoting.
    let lines: Vec<&str> = text.strip_suffix("\r\n").unwrap().split("\r\n").collect();
    prop_assert_eq!(lines.len(), 2);
    let columns = lines[0].split(';').count();
    for line in &lines {
        prop_assert!(!line.contains(['\r', '\n']));
        prop_assert_eq!(line.split(';').count(), columns, "{}", line);
    }
    let (header, rows) = common::read_csv_text(&text);
    for (column, value) in client.expected() {
        prop_assert_eq!(
            common::cell(&header, &rows[0], column),
            csv_expected(&value, encoding),
            "{}",
            column
        );
    }
    Ok(())
}

fn check_xml(client: &Client, encoding: TextEncoding) -> Result<(), TestCaseError> {
    let layout = Layout {
        encoding,
        ..Layout::new(Format::Xml)
    };
    let bytes = render(client, layout);
    let text = decode(&bytes, encoding);
    let document = roxmltree::Document::parse(&text)
        .map_err(|e| TestCaseError::fail(format!("not well-formed: {e}")))?;
    let lead = document
        .root_element()
        .children()
        .find(|n| n.has_tag_name("Лид"))
        .expect("one Лид");
    let child = |name: &str| lead.children().find(|n| n.tag_name().name() == name);
    for (element, value) in client.expected() {
        let got = if element == "ДополнительныеДанные" {
            // XML keeps customData apart, one element per key, with no escaping.
            let fields: Vec<(String, String)> = child(element)
                .unwrap()
                .children()
                .filter(|n| n.is_element())
                .map(|n| {
                    let key = n.attribute("Имя").unwrap().to_string();
                    (key, n.text().unwrap_or("").to_string())
                })
                .collect();
            prop_assert_eq!(fields, client.custom_pairs(), "customData");
            continue;
        } else {
            child(element).unwrap().text().unwrap_or("").to_string()
        };
        // XML carries every character exactly: windows-1251 lacks go as &#N; references.
        prop_assert_eq!(got, value, "{}", element);
    }
    let wd = common::Workdir::new();
    let path = wd.write("leads.xml", &bytes);
    common::xmllint_validate(&common::schema_path("bachata1c-leads-1.xsd"), &path);
    Ok(())
}

/// The documented XLSX cut: at most 32,767 UTF-16 code units, never half a character.
fn xlsx_expected(value: &str) -> (String, usize) {
    let mut units = 0;
    let kept: String = value
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= 32_767
        })
        .collect();
    let cut = value.chars().count() - kept.chars().count();
    (kept, cut)
}

fn check_xlsx(client: &Client) -> Result<(), TestCaseError> {
    let received = NaiveDate::from_ymd_opt(2026, 11, 26)
        .unwrap()
        .and_hms_opt(9, 15, 0)
        .unwrap();
    let settings = Settings::new(Layout::new(Format::Xlsx));
    let conversion = conversion::convert(&client.payload(), "hook.json", received, &settings)
        .expect("a JSON we wrote ourselves reads");
    let output = conversion.output.expect("the client has a phone");
    let sheets = xlsx::read(&output.bytes);
    prop_assert_eq!(sheets.len(), 1);
    prop_assert_eq!(&sheets[0].name, "Лиды");
    let rows = &sheets[0].rows;
    prop_assert_eq!(rows.len(), 2);
    for cell in rows.iter().flatten() {
        prop_assert_eq!(cell.number_format(), Some("@"), "{:?}", cell);
    }
    let text = |row: &Vec<xlsx::Cell>| -> Vec<String> {
        row.iter()
            .map(|cell| cell.text().expect("text cells").to_string())
            .collect()
    };
    let (header, row) = (text(&rows[0]), text(&rows[1]));
    let mut cut_total = 0;
    // Spreadsheet cells carry every character as it is: no CSV replacements, no encoding.
    for (column, value) in client.expected() {
        let (kept, cut) = xlsx_expected(&value);
        cut_total += cut;
        prop_assert_eq!(common::cell(&header, &row, column), kept, "{}", column);
    }
    // Only the columns above can be long enough to be cut.
    prop_assert_eq!(output.replaced_chars, cut_total);
    Ok(())
}

/// Formats added later are at least checked for being readable text and, if XML, well-formed.
fn check_other(client: &Client, format: Format) -> Result<(), TestCaseError> {
    for encoding in &TextEncoding::ALL {
        let layout = Layout {
            encoding: *encoding,
            ..Layout::new(format)
        };
        let text = decode(&render(client, layout), *encoding);
        if text.trim_start_matches('\u{feff}').starts_with("<?xml") {
            roxmltree::Document::parse(&text)
                .map_err(|e| TestCaseError::fail(format!("{format:?}: not well-formed: {e}")))?;
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        // Kept in the repository's proptest-regressions/ and replayed before new cases.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "proptest-regressions/writers.txt",
            ),
        )),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_format_reads_back_to_the_client_it_was_given(client in client()) {
        for format in &Format::ALL {
            match format {
                Format::Csv => {
                    check_csv(&client, TextEncoding::Windows1251)?;
                    check_csv(&client, TextEncoding::Utf8)?;
                }
                Format::Xml => {
                    check_xml(&client, TextEncoding::Windows1251)?;
                    check_xml(&client, TextEncoding::Utf8)?;
                }
                Format::Xlsx => check_xlsx(&client)?,
                #[allow(unreachable_patterns)] // formats landing on other branches
                other => check_other(&client, *other)?,
            }
        }
    }

    #[test]
    fn output_names_never_leave_the_output_folder(
        stem in prop::collection::vec(hostile_char().prop_filter("no separator", |c| *c != '/'), 0..20),
        dots in "[.]{0,3}",
    ) {
        let stem: String = stem.into_iter().collect();
        let input = format!("{dots}{stem}.json");
        for format in &Format::ALL {
            let name = bachata1c::cmd::convert::output_name(Path::new(&input), format.extension());
            let components: Vec<Component> = Path::new(&name).components().collect();
            prop_assert!(
                matches!(components.as_slice(), [Component::Normal(_)]),
                "{:?} → {:?}", input, name
            );
            let extension = format!(".{}", format.extension());
            prop_assert!(name.ends_with(&extension), "{:?}", name);
        }
    }
}
