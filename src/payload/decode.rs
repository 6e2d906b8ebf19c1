//! Bytes → text: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, and
//! windows-1251 only when it is recognisably that; anything else is refused with the offset of
//! the first byte that does not fit.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};

use super::{ReadError, SourceEncoding};

pub(super) fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, SourceEncoding), ReadError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty);
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        if encoding == UTF_8 {
            return decode_utf8(body, bytes).map(|text| (text, SourceEncoding::Utf8Bom));
        }
        return encoding
            .decode_without_bom_handling_and_without_replacement(body)
            .map(|text| (text, SourceEncoding::Utf16))
            .ok_or(ReadError::BadUtf16(encoding.name()));
    }
    decode_utf8(bytes, bytes)
        .map(|text| (text, SourceEncoding::Utf8))
        .or_else(|err| match err {
            ReadError::UnknownEncoding { byte, offset, .. } => decode_legacy(bytes, byte, offset),
            other => Err(other),
        })
}

pub(super) fn decode_utf8<'a>(body: &'a [u8], whole: &[u8]) -> Result<Cow<'a, str>, ReadError> {
    if let Some(offset) = memchr_nul(whole) {
        return Err(ReadError::Binary { offset });
    }
    std::str::from_utf8(body).map(Cow::Borrowed).map_err(|err| {
        let offset = err.valid_up_to();
        ReadError::UnknownEncoding {
            byte: body[offset],
            offset: offset + (whole.len() - body.len()),
            guess: String::new(),
        }
    })
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    // `contains` on bytes is a vectorised memchr; `position` walks byte by byte, which was a
    // measurable part of reading a 16 MB file. Nearly every file has no NUL at all.
    if !bytes.contains(&0) {
        return None;
    }
    bytes.iter().position(|&b| b == 0)
}

/// Old Windows tools save JSON in windows-1251. We accept it only when chardetng (the detector
/// Firefox uses) agrees that the bytes are windows-1251, so KOI8-R or CP866 text is refused
/// instead of being turned into mojibake.
fn decode_legacy(
    bytes: &[u8],
    byte: u8,
    offset: usize,
) -> Result<(Cow<'_, str>, SourceEncoding), ReadError> {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"ru"), chardetng::Utf8Detection::Deny);
    if guess == WINDOWS_1251
        && let Some(text) = WINDOWS_1251.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Ok((Cow::Owned(text.into_owned()), SourceEncoding::Windows1251));
    }
    Err(ReadError::UnknownEncoding {
        byte,
        offset,
        guess: format!(" (it looks like {})", guess.name()),
    })
}
