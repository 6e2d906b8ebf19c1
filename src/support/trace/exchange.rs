//! One request of 1C's and its answer, as a line of the trace keeps it: what was asked
//! (method, path, query, headers), what was answered (status, headers), both bodies cut at
//! [`BODY_LIMIT`] with their whole length and line ends, and the time it took. Credentials,
//! cookie values, `sessid` and the session token `checkauth` hands out are hidden here, before
//! anything is written.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BODY_LIMIT, HIDDEN};

/// One request of 1C's and its answer: a line of the exchange file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// When the request arrived, and how long it took to answer.
    pub at: DateTime<Utc>,
    pub ms: u64,
    pub client: String,
    pub method: String,
    pub path: String,
    /// With `sessid`'s value hidden.
    pub query: String,
    pub request: Message,
    pub status: u16,
    pub response: Message,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Names and values, credentials and cookie values hidden.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// The whole body's length (a request's: what was read of it).
    pub bytes: u64,
    /// `CRLF`, `LF` or `none`: what the recorded part ends its lines with (1C splits lines).
    pub lines: String,
    /// The first [`BODY_LIMIT`] bytes as text (invalid UTF-8 shown as U+FFFD).
    pub text: String,
    /// Whether the body was longer than what is recorded of it.
    pub cut: bool,
}

impl Body {
    /// `first`: at most [`BODY_LIMIT`] bytes of a body of `bytes` in all.
    pub fn new(first: &[u8], bytes: u64) -> Body {
        let first = &first[..first.len().min(BODY_LIMIT)];
        let lines = if first.windows(2).any(|pair| pair == b"\r\n") {
            "CRLF"
        } else if first.contains(&b'\n') {
            "LF"
        } else {
            "none"
        };
        Body {
            bytes,
            lines: lines.to_string(),
            text: String::from_utf8_lossy(first).into_owned(),
            cut: bytes > BODY_LIMIT as u64,
        }
    }
}

/// A request of 1C's as it arrived, before it is handled.
#[derive(Debug)]
pub struct Seen {
    at: DateTime<Utc>,
    started: Instant,
    client: String,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    pub fn new(client: IpAddr, request: &http::request::Parts) -> Seen {
        Seen {
            at: Utc::now(),
            started: Instant::now(),
            client: client.to_string(),
            method: request.method.to_string(),
            path: crate::report::shown::field(request.uri.path(), 200).into_owned(),
            query: request.uri.query().unwrap_or("").to_string(),
            headers: headers(&request.headers),
        }
    }

    /// The exchange, once answered: what was read of the request's body, the answer.
    pub fn answered(
        self,
        read: &Copied,
        response: &http::response::Parts,
        answer: &[u8],
    ) -> Exchange {
        let request_body = match read.0.lock() {
            Ok(copy) => Body::new(&copy.0, copy.1),
            Err(_) => Body::default(),
        };
        Exchange {
            at: self.at,
            ms: self.started.elapsed().as_millis() as u64,
            client: self.client,
            method: self.method,
            path: self.path,
            query: hidden_query(&self.query),
            request: Message {
                headers: self.headers,
                body: request_body,
            },
            status: response.status.as_u16(),
            response: Message {
                headers: headers(&response.headers),
                body: Body::new(&hidden_answer(&self.query, answer), answer.len() as u64),
            },
        }
    }
}

fn headers(map: &http::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            (name.to_string(), hidden_header(name.as_str(), &value))
        })
        .collect()
}

/// The first [`BODY_LIMIT`] bytes of a request's body and its length so far, copied as the
/// handler reads it (a body left unread stays unread).
#[derive(Debug, Clone, Default)]
pub struct Copied(Arc<Mutex<(Vec<u8>, u64)>>);

impl Copied {
    pub fn tee(body: axum::body::Body) -> (axum::body::Body, Copied) {
        use http_body_util::BodyExt;
        let copied = Copied::default();
        let copy = copied.0.clone();
        let body = axum::body::Body::new(body.map_frame(move |frame| {
            if let (Some(data), Ok(mut copy)) = (frame.data_ref(), copy.lock()) {
                let room = BODY_LIMIT.saturating_sub(copy.0.len());
                copy.0.extend_from_slice(&data[..data.len().min(room)]);
                copy.1 += data.len() as u64;
            }
            frame
        }));
        (body, copied)
    }
}

/// A query string with the value of `sessid` (1C's session token, checkauth's line 4) hidden.
pub fn hidden_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("sessid") => format!("{key}={HIDDEN}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A header as the trace keeps it: credentials without their value (the scheme stays, to
/// tell Basic from another), cookies with their names only.
pub fn hidden_header(name: &str, value: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "authorization" | "proxy-authorization" => match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} {HIDDEN}"),
            None => HIDDEN.to_string(),
        },
        "cookie" => value
            .split(';')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) => format!("{}={HIDDEN}", name.trim()),
                None => HIDDEN.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        "set-cookie" => match value.split_once(';') {
            Some((pair, attributes)) => format!("{};{attributes}", hidden_header("cookie", pair)),
            None => hidden_header("cookie", value),
        },
        _ => crate::report::shown::field(value, 500).into_owned(),
    }
}

/// A `checkauth` answer keeps `success` and the cookie's name; its value (line 3) and any
/// line after it are the session's credentials.
pub fn hidden_answer(query: &str, body: &[u8]) -> Vec<u8> {
    let checkauth = query
        .split('&')
        .any(|pair| pair.eq_ignore_ascii_case("mode=checkauth"));
    if !checkauth || !body.starts_with(b"success") {
        return body.to_vec();
    }
    let text = String::from_utf8_lossy(body);
    text.split('\n')
        .enumerate()
        .map(|(i, line)| if i < 2 { line } else { HIDDEN })
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_cookies_and_the_session_token_are_hidden() {
        assert_eq!(
            hidden_header("Authorization", "Basic YmFjaGF0YTpzM2NyZXQ="),
            "Basic (hidden)"
        );
        assert_eq!(hidden_header("authorization", "garbage"), "(hidden)");
        assert_eq!(
            hidden_header("Cookie", "bachata1c_session=abc; other=def"),
            "bachata1c_session=(hidden); other=(hidden)"
        );
        assert_eq!(
            hidden_header("set-cookie", "s=abc; Path=/; HttpOnly"),
            "s=(hidden); Path=/; HttpOnly"
        );
        assert_eq!(
            hidden_header("User-Agent", "1C+Enterprise/8.3"),
            "1C+Enterprise/8.3"
        );
        assert_eq!(
            hidden_query("type=sale&mode=query&sessid=0123abc&version=2.10"),
            "type=sale&mode=query&sessid=(hidden)&version=2.10"
        );
        let answer = hidden_answer(
            "type=sale&mode=checkauth",
            b"success\nbachata1c_session\n0123456789abcdef\nsessid=42",
        );
        assert_eq!(
            String::from_utf8(answer).unwrap(),
            "success\nbachata1c_session\n(hidden)\n(hidden)"
        );
        assert_eq!(
            hidden_answer("type=sale&mode=init", b"zip=no\nfile_limit=1"),
            b"zip=no\nfile_limit=1"
        );
    }

    #[test]
    fn a_body_keeps_its_length_its_line_ends_and_its_first_bytes() {
        let body = Body::new(b"success\r\n", 9);
        assert_eq!((body.lines.as_str(), body.cut), ("CRLF", false));
        let long = vec![b'x'; BODY_LIMIT * 2];
        let body = Body::new(&long, long.len() as u64);
        assert_eq!(body.text.len(), BODY_LIMIT);
        assert!(body.cut);
        assert_eq!(body.bytes, (BODY_LIMIT * 2) as u64);
    }
}
