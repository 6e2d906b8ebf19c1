//! Phone numbers against the reference: Python's `phonenumbers` (a port of Google's Java
//! libphonenumber, the same metadata version as the Rust crate) decides for thousands of
//! numbers in the spellings people type, every Russian and Kazakh three-digit code among them,
//! whether each is valid, its E.164 form and its international grouping. Both of bachata1c's
//! paths are held to it: its own parser for country code 7 and the crate for the rest.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use bachata1c::phone;

/// Deterministic digits, so that a failure can be reproduced.
struct Digits(u64);

impl Digits {
    fn next(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                char::from(b'0' + (self.0 % 10) as u8)
            })
            .collect()
    }
}

/// A ten-digit national number in one of the ways people write it.
fn spelled(national: &str, style: usize) -> String {
    let (a, b, c, d) = (
        &national[..3],
        &national[3..6],
        &national[6..8],
        &national[8..],
    );
    match style % 10 {
        0 => format!("8 ({a}) {b}-{c}-{d}"),
        1 => format!("+7 {a} {b} {c} {d}"),
        2 => format!("7{national}"),
        3 => format!("8{national}"),
        4 => national.to_string(),
        5 => format!("+7({a}){b}-{c}-{d}"),
        6 => format!("8-{a}-{b}-{c}-{d}"),
        7 => format!("+7\u{a0}{a}\u{a0}{b}\u{a0}{c}{d}"),
        8 => format!("8 {a} {b}\u{2013}{c}\u{2013}{d}"),
        _ => format!("+7.{a}.{b}.{c}.{d}"),
    }
}

fn inputs() -> Vec<String> {
    let mut digits = Digits(0x9E37_79B9_7F4A_7C15);
    let mut inputs = Vec::new();
    for code in 0..1000 {
        for style in [code, code + 3, code + 7] {
            inputs.push(spelled(&format!("{code:03}{}", digits.next(7)), style));
        }
    }
    // A few codes in every spelling, with extensions and with a digit too few or too many.
    for code in [
        "916", "812", "800", "495", "700", "727", "336", "341", "804", "555",
    ] {
        for style in 0..10 {
            let number = spelled(&format!("{code}{}", digits.next(7)), style);
            for extension in [
                " доб. 12",
                " доб 5",
                "доб.123",
                " ext. 7",
                " x12",
                " #45",
                " Доб. 3",
            ] {
                inputs.push(format!("{number}{extension}"));
            }
            inputs.push(format!("{number}{}", digits.next(1)));
            inputs.push(number[..number.len() - 1].to_string());
            inputs.push(number);
        }
    }
    // Every region's example number of every type, from the metadata, with its last digits
    // changed, written with `+`, dialled from Russia and run together.
    for meta in phonenumber::metadata::DATABASE.iter() {
        let d = meta.descriptors();
        let examples = [
            d.fixed_line(),
            d.mobile(),
            d.toll_free(),
            d.premium_rate(),
            d.shared_cost(),
            d.personal_number(),
            d.voip(),
            d.pager(),
            d.uan(),
            d.voicemail(),
        ]
        .into_iter()
        .flatten()
        .filter_map(|desc| desc.example());
        for (i, example) in examples.enumerate() {
            let code = meta.country_code();
            let keep = example.len().saturating_sub(2);
            let national = format!("{}{}", &example[..keep], digits.next(example.len() - keep));
            let (head, tail) = national.split_at(national.len() / 2);
            inputs.push(match i % 4 {
                0 => format!("+{code} {head} {tail}"),
                1 => format!("8 10 {code} {head}-{tail}"),
                2 => format!("+{code}{national}"),
                _ => format!("+{code} ({head}) {tail}"),
            });
        }
    }
    for foreign in [
        "+375 29 955-59-65",
        "+375 (17) 123-45-67",
        "+380 44 123 4567",
        "+380 67 123 45 67",
        "+998 90 123 45 67",
        "+996 555 123 456",
        "+374 10 123456",
        "+995 555 12 34 56",
        "+49 30 1234567",
        "+1 212 555 0123",
        "+86 138 0013 8000",
        "+44 20 7946 0958",
        // National prefixes that are rewritten, not removed (Argentina's mobile 15, Brazil's
        // carrier codes) and Italy's leading zero.
        "+54 011 15 2345-6789",
        "+54 0 341 15 234 5678",
        "+54 9 11 2345 6789",
        "+55 0 21 2345 6789",
        "+55 0 15 21 2345 6789",
        "+55 (11) 96123-4567",
        "+81 03-1234-5678",
        "+39 06 6982 1234",
        "+39 333 123 4567",
        "8 10 375 29 955-59-65",
        "810 49 30 1234567",
        "8 800 555-35-35 доб. 1",
        "555-12-34",
        "12345",
    ] {
        inputs.push(foreign.to_string());
    }
    inputs
}

/// The reference's answers: (valid, E.164, international form) per input.
fn reference(inputs: &[String]) -> Vec<(bool, Option<String>, Option<String>)> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/phone_oracle.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 installed");
    let mut stdin = child.stdin.take().unwrap();
    let lines: String = inputs
        .iter()
        .map(|raw| serde_json::to_string(raw).unwrap() + "\n")
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(lines.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "the reference failed (pip install phonenumbers==9.0.33):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<_> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers.len(), inputs.len());
    answers
}

#[test]
fn every_number_is_read_as_libphonenumber_reads_it() {
    if !common::have_python_module("phonenumbers") {
        return;
    }
    let inputs = inputs();
    let answers = reference(&inputs);
    let mut differences = Vec::new();
    for (raw, (valid, e164, international)) in inputs.iter().zip(&answers) {
        let ours = phone::normalize(raw).expect("every input has digits");
        let ours_e164 = ours.valid.then_some(ours.number.clone());
        let ours_international = ours_e164
            .as_deref()
            .and_then(phone::parts)
            .map(|parts| parts.international);
        if (ours.valid, &ours_e164, &ours_international) != (*valid, e164, international) {
            differences.push(format!(
                "{raw:?}: ours {ours_e164:?} {ours_international:?}, reference {e164:?} {international:?}"
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} numbers differ, first ones:\n{}",
        differences.len(),
        inputs.len(),
        differences[..differences.len().min(30)].join("\n")
    );
    // The corpus is not trivially all-valid or all-invalid.
    let valid = answers.iter().filter(|answer| answer.0).count();
    assert!(valid > inputs.len() / 3 && valid < inputs.len(), "{valid}");
}
