//! Text → payload: strict JSON first (serde_json, what Bachata sends), the tolerant fork when
//! that fails (trailing commas, lone surrogates), which also words every error with its line
//! and column; then the structure is checked.

use serde::Deserializer;

use super::visit::{Clients, Top, TopVisitor};
use super::{ClientChunks, Payload, ReadError, SourceEncoding};

/// Parses the text straight into the payload: the known fields are picked out while the JSON is
/// read, without first building a tree of the whole file (for 50,000 clients that tree was most of
/// the reading time). Structural problems are reported only once the whole text is known to be
/// JSON, so a file that is both truncated and odd is reported as truncated.
pub(super) fn parse_payload(
    text: &[u8],
    encoding: SourceEncoding,
    max_clients: usize,
) -> Result<Payload, ReadError> {
    // Strict JSON, what Bachata sends, first: serde_json reads it a tenth faster than its
    // lenient fork, which reads whatever strict JSON refuses and words every error.
    let top = match parse_strict(text, max_clients, None) {
        Ok(top) => top,
        Err(_) => parse_lenient(text, max_clients)?,
    };
    payload_of(top, encoding, max_clients)
}

/// The payload a parsed top-level value holds, or why it holds none.
pub(super) fn payload_of(
    top: Top,
    encoding: SourceEncoding,
    max_clients: usize,
) -> Result<Payload, ReadError> {
    let object = match top {
        Top::NotAnObject(kind) => return Err(ReadError::NotAnObject(kind)),
        Top::Object(object) => object,
    };
    let clients = match object.clients.take() {
        None | Some(Clients::Other("null")) => return Err(ReadError::NoClients),
        Some(Clients::TooMany(count)) => {
            return Err(ReadError::TooManyClients {
                count,
                limit: max_clients,
            });
        }
        Some(Clients::Array(items)) => items,
        Some(Clients::Streamed) => Vec::new(),
        Some(Clients::Other(kind)) => return Err(ReadError::ClientsNotArray(kind)),
    };
    Ok(Payload {
        event: object.event.text(),
        dialog_id: object.dialog_id.text(),
        date: object.date.text(),
        clients,
        encoding,
    })
}

/// The top-level value of strict JSON, its first `clients` array sent to `stream` if given.
pub(super) fn parse_strict(
    text: &[u8],
    max_clients: usize,
    stream: Option<&ClientChunks>,
) -> Result<Top, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let top = de.deserialize_any(TopVisitor {
        max_clients,
        stream,
    })?;
    de.end().map(|()| top)
}

/// The top-level value, read leniently.
pub(super) fn parse_lenient(text: &[u8], max_clients: usize) -> Result<Top, ReadError> {
    // A lone UTF-16 surrogate (`"\ud83d"`, what JavaScript leaves when it cuts an emoji in
    // half) becomes U+FFFD instead of costing the whole file: found by the hostile-input tests.
    let read = serde_json_lenient::de::SliceRead::new(text, true, false, false, false, false);
    let mut de = serde_json_lenient::Deserializer::new(read);
    // The integration note's own example ends `clients` with `],` before `}`.
    de.set_ignore_trailing_commas(true);
    de.deserialize_any(TopVisitor {
        max_clients,
        stream: None,
    })
    .and_then(|top| de.end().map(|()| top))
    .map_err(json_error)
}

fn json_error(err: serde_json_lenient::Error) -> ReadError {
    let (line, column) = (err.line(), err.column());
    let message = err.to_string();
    if err.is_eof() {
        ReadError::Truncated { line, column }
    } else if message.contains("recursion limit exceeded") {
        ReadError::TooDeep { line, column }
    } else {
        // serde's message ends with " at line L column C"; we say that ourselves.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(head, _)| head)
            .to_string();
        ReadError::Syntax {
            line,
            column,
            message,
        }
    }
}
