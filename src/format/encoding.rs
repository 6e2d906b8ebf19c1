//! Text encodings of output files and what happens to characters they cannot hold.
//!
//! windows-1251 has no emoji, no Latin letters with accents beyond a few, no CJK. Such a
//! character never aborts a file:
//! - in CSV it becomes `?` (1C would show an entity as literal text);
//! - in XML it becomes a numeric character reference (`&#128663;`), which every XML reader,
//!   1C's ЧтениеXML included, turns back into the character: nothing is lost.
//!
//! Both are counted and reported in the summary. `ё`/`Ё`, `№`, `«»` and dashes exist in
//! windows-1251 and pass unchanged.

use encoding_rs::{EncoderResult, WINDOWS_1251};

/// The text encoding of an output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum TextEncoding {
    /// Cyrillic Windows code page; what old 1C setups expect.
    #[serde(rename = "windows-1251", alias = "cp1251")]
    Windows1251,
    /// UTF-8 (CSV gets a byte-order mark so that 1C and Excel recognise it).
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
}

impl TextEncoding {
    pub const ALL: [TextEncoding; 2] = [TextEncoding::Windows1251, TextEncoding::Utf8];

    /// The name the config file (and the command line) gives the encoding.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Windows1251 => "windows-1251",
            TextEncoding::Utf8 => "utf-8",
        }
    }

    /// The name used in an XML declaration.
    pub fn xml_name(self) -> &'static str {
        match self {
            TextEncoding::Windows1251 => "windows-1251",
            TextEncoding::Utf8 => "UTF-8",
        }
    }
}

/// What to write instead of a character the encoding cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmappable {
    QuestionMark,
    XmlCharRef,
}

impl Unmappable {
    /// Appends what stands for `c`, a character windows-1251 cannot hold.
    fn write(self, c: char, out: &mut Vec<u8>) {
        match self {
            Unmappable::QuestionMark => out.push(b'?'),
            Unmappable::XmlCharRef => {
                out.extend_from_slice(format!("&#{};", u32::from(c)).as_bytes())
            }
        }
    }
}

/// What a file's line says of the `replaced` characters of its output in `format`, if any:
/// `?` in CSV is a character lost, a reference in XML is not, a cut in XLSX is (the cell's
/// limit, see `xlsx.rs`). The lead is written either way.
pub fn replaced_note(format: super::Format, replaced: usize) -> Option<String> {
    use super::Format;
    if replaced == 0 {
        return None;
    }
    let characters = crate::report::plural(replaced, "character");
    Some(match format {
        Format::Csv => format!("{characters} not in windows-1251 written as ?"),
        Format::Xlsx => format!("{characters} past a cell's 32,767 cut off"),
        Format::Xml | Format::Commerceml | Format::Enterprisedata => {
            format!("{characters} not in windows-1251 written as &#N; references")
        }
    })
}

/// Encodes `text`, returning the bytes and how many characters had to be replaced.
pub fn encode(text: &str, target: TextEncoding, unmappable: Unmappable) -> (Vec<u8>, usize) {
    match target {
        TextEncoding::Utf8 => (text.as_bytes().to_vec(), 0),
        TextEncoding::Windows1251 => encode_1251(text, unmappable),
    }
}

fn encode_1251(text: &str, unmappable: Unmappable) -> (Vec<u8>, usize) {
    // encoding_rs's `Encoding::encode` would silently write `&#N;` and only raise a flag;
    // driving the encoder ourselves lets each format choose its replacement and count it.
    // It encodes into a small fixed buffer rather than into the output's spare capacity:
    // `encode_from_utf8_to_vec_*` touches every page of that capacity on each call, and it is
    // called again after every unmappable character, which made a 50,000-lead file with an
    // emoji per lead take seconds instead of milliseconds.
    let mut encoder = WINDOWS_1251.new_encoder();
    let mut out = Vec::with_capacity(text.len());
    let mut chunk = [0u8; 16 * 1024];
    let mut replaced = 0;
    let mut rest = text;
    loop {
        let (result, read, written) =
            encoder.encode_from_utf8_without_replacement(rest, &mut chunk, true);
        out.extend_from_slice(&chunk[..written]);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => return (out, replaced),
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(c) => {
                replaced += 1;
                unmappable.write(c, &mut out);
            }
        }
    }
}

/// Appends one short text (a CSV field) in windows-1251 to `out`, returning how many
/// characters had to be replaced. For short texts only: the encoder fills `out`'s spare
/// capacity before writing, which costs nothing in a small, reused buffer and a page fault
/// per page in a big one (see `encode_1251`).
pub fn encode_1251_into(text: &str, unmappable: Unmappable, out: &mut Vec<u8>) -> usize {
    if text.is_ascii() {
        out.extend_from_slice(text.as_bytes());
        return 0;
    }
    let mut encoder = WINDOWS_1251.new_encoder();
    let mut replaced = 0;
    let mut rest = text;
    loop {
        out.reserve(rest.len());
        let (result, read) = encoder.encode_from_utf8_to_vec_without_replacement(rest, out, true);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => return replaced,
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(c) => {
                replaced += 1;
                unmappable.write(c, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_s_line_says_how_its_characters_were_replaced() {
        use super::super::Format;
        assert_eq!(replaced_note(Format::Csv, 0), None);
        assert_eq!(
            replaced_note(Format::Csv, 1).as_deref(),
            Some("1 character not in windows-1251 written as ?")
        );
        assert!(replaced_note(Format::Xml, 2).unwrap().contains("&#N;"));
        assert!(replaced_note(Format::Xlsx, 3).unwrap().contains("cut off"));
    }

    #[test]
    fn cyrillic_with_yo_survives_windows_1251() {
        let (bytes, replaced) = encode(
            "Ёлкин ёж №5 «да»",
            TextEncoding::Windows1251,
            Unmappable::QuestionMark,
        );
        assert_eq!(replaced, 0);
        let (back, _, errors) = WINDOWS_1251.decode(&bytes);
        assert!(!errors);
        assert_eq!(back, "Ёлкин ёж №5 «да»");
    }

    #[test]
    fn emoji_become_question_marks_in_csv_and_char_refs_in_xml() {
        let (bytes, replaced) = encode(
            "да🚗👍",
            TextEncoding::Windows1251,
            Unmappable::QuestionMark,
        );
        assert_eq!(
            (WINDOWS_1251.decode(&bytes).0.as_ref(), replaced),
            ("да??", 2)
        );
        let (bytes, replaced) = encode("да🚗", TextEncoding::Windows1251, Unmappable::XmlCharRef);
        assert_eq!(
            (WINDOWS_1251.decode(&bytes).0.as_ref(), replaced),
            ("да&#128663;", 1)
        );
    }

    #[test]
    fn long_text_crossing_the_chunk_size_keeps_every_character() {
        let line = "Ёлкин 🚗 ж;\r\n";
        let text = line.repeat(10_000);
        let (bytes, replaced) = encode(&text, TextEncoding::Windows1251, Unmappable::QuestionMark);
        assert_eq!(replaced, 10_000);
        let expected = "Ёлкин ? ж;\r\n".repeat(10_000);
        assert_eq!(WINDOWS_1251.decode(&bytes).0, expected);
    }

    #[test]
    fn a_field_encodes_as_the_whole_text_does() {
        for text in [
            "",
            "plain ascii",
            "Ёлкин ёж №5 «да» 🚗👍 ok",
            &"ж🚗".repeat(5_000),
        ] {
            let mut out = b"prefix".to_vec();
            let replaced = encode_1251_into(text, Unmappable::QuestionMark, &mut out);
            let (whole, whole_replaced) =
                encode(text, TextEncoding::Windows1251, Unmappable::QuestionMark);
            assert_eq!((&out[6..], replaced), (whole.as_slice(), whole_replaced));
        }
    }

    #[test]
    fn utf8_passes_everything() {
        assert_eq!(
            encode("🚗", TextEncoding::Utf8, Unmappable::QuestionMark),
            ("🚗".as_bytes().to_vec(), 0)
        );
    }
}
