//! What 1C's «Обмен с сайтом» client accepts as an answer, each rule as 1C's own code reads
//! it (line numbers from the sources of docs/site-exchange-protocol.md §0: УТ 11 =
//! evlahov-igor/UT11 @ 302d05cb4370, `CommonModules/ОбменССайтом`; БСП = 1c-syntax/ssl_3_1 @
//! 2572466ea7fb), and what to do when an answer breaks one. Pure: an answer in, findings out.
//!
//! Where 1C's code cannot settle a point (protocol note §7: a BOM, a CR before the LF, a
//! trailing LF), the finding is a WARNING that says so; a PROBLEM is what 1C's code refuses.

use std::borrow::Cow;
use std::time::Duration;

use super::address::Address;
use super::http::{ONEC_TIMEOUT, Reply};
use super::{Finding, Verdict};
use crate::report::shown;
use crate::site;

mod init;
mod login;
mod query;

pub use init::init;
pub use login::{Login, checkauth};
pub use query::query;

pub(super) const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(super) fn finding(verdict: Verdict, step: &'static str, text: String) -> Finding {
    Finding::new(verdict, step, text)
}

pub(super) fn took(reply: &Reply) -> String {
    format!("{} ms", reply.took.as_millis())
}

/// The answer as text, a BOM left off: the lines 1C compares.
pub(super) fn text(body: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(body.strip_prefix(BOM).unwrap_or(body))
}

/// An answer that is not what 1C looks for, described without repeating much of it.
pub(super) fn describe(body: &[u8]) -> String {
    if body.is_empty() {
        return "an empty answer".to_string();
    }
    let text = text(body);
    let page = text.trim_start();
    // ASCII case only, so that positions in `lower` are positions in `page`.
    let lower = page.to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        let title = lower.find("<title>").and_then(|at| {
            let from = at + "<title>".len();
            let to = from + lower[from..].find("</title>")?;
            Some(format!(" «{}»", shown::field(page[from..to].trim(), 80)))
        });
        return format!("an HTML page{}", title.unwrap_or_default());
    }
    let first = text.lines().next().unwrap_or("");
    format!("«{}»", shown::field(first, 80))
}

/// The server's reason after `failure` (line 2), as 1C shows it.
pub(super) fn reason(body: &[u8]) -> String {
    let text = text(body);
    let reason = text.lines().nth(1).unwrap_or("").trim();
    if reason.is_empty() {
        "no reason given".to_string()
    } else {
        shown::field(reason, 200).into_owned()
    }
}

/// `failure` on line 1, as 1C compares it (`СокрЛП(НРег(…))`).
pub(super) fn is_failure(body: &[u8]) -> bool {
    first_line(body) == "failure"
}

/// Line 1 as 1C compares it: `СокрЛП(НРег(СтрПолучитьСтроку(ОтветСервера, 1)))`.
pub(super) fn first_line(body: &[u8]) -> String {
    text(body)
        .split('\n')
        .next()
        .unwrap_or("")
        .trim()
        .to_lowercase()
}

/// An answer 1C stops at before reading its lines, or `None` when its body is to be read.
/// 1C reads the body whatever the status (УТ 11 ПолучитьДанныеССервера 6489‑6496: a status
/// other than 200 is only logged), so a status alone stops nothing; what comes with it does.
pub(super) fn refused(
    step: &'static str,
    reply: &Reply,
    address: &Address,
    body_fits: bool,
) -> Option<Finding> {
    if body_fits {
        return None;
    }
    let problem = |text: String| Some(finding(Verdict::Problem, step, text));
    match reply.status {
        301 | 302 | 303 | 307 | 308 => problem(redirect(reply, address)),
        401 => problem(login_refused(reply)),
        429 => problem(format!(
            "HTTP 429 ({}): too many wrong passwords came from this address, and bachata1c \
             answers its logins 429 for {} s; wait, then run doctor again with the right password",
            took(reply),
            reply
                .retry_after
                .as_deref()
                .map_or("a while".to_string(), |s| {
                    shown::field(s, 20).into_owned()
                })
        )),
        404 => problem(format!(
            "nothing at /{} (HTTP 404, {}): {}. bachata1c answers 1C on /1c_exchange.php \
             ([site_exchange] path) and /bitrix/admin/1c_exchange.php; behind nginx each \
             needs its location (deploy/nginx/bachata1c.conf)",
            shown::field(&address.script, 200),
            took(reply),
            describe(&reply.body)
        )),
        502..=504 => problem(format!(
            "HTTP {} ({}): {}: the proxy in front gets no answer from bachata1c. Is serve \
             running (systemctl status bachata1c-serve), listening where proxy_pass points?",
            reply.status,
            took(reply),
            describe(&reply.body)
        )),
        _ => None,
    }
}

/// 1C does not follow redirects: `HTTPСоединение.Получить` hands a 3xx back (БСП's own
/// downloader follows `Location` by hand: ПолучениеФайловИзИнтернетаСлужебный
/// ПолучитьФайлИзИнтернет 403‑441), and the exchange reads its page as the answer (УТ 11
/// ПолучитьДанныеССервера 6489‑6496), which is no `success`.
fn redirect(reply: &Reply, address: &Address) -> String {
    let location = reply.location.as_deref().unwrap_or("").trim();
    let target = location.split('?').next().unwrap_or("");
    let typed = if target.starts_with("http://") || target.starts_with("https://") {
        target.to_string()
    } else if target.starts_with('/') {
        let scheme = if address.tls { "https" } else { "http" };
        format!("{scheme}://{}:{}{target}", address.host, address.port)
    } else {
        String::new()
    };
    let advice = if typed.is_empty() {
        "type the final address into 1C's node".to_string()
    } else {
        format!(
            "type {} into 1C's node (its «Адрес сайта»)",
            shown::field(&typed, 200)
        )
    };
    format!(
        "HTTP {} redirect to {} ({}): 1C does not follow redirects (its HTTPСоединение hands \
         the {} back; БСП follows Location by hand in ПолучитьФайлИзИнтернет, \
         ПолучениеФайловИзИнтернетаСлужебный 403‑441) and reads the redirect's page as the \
         answer (УТ 11 ПолучитьДанныеССервера 6489‑6496), so it stops with «Авторизация не \
         выполнена.»: {advice}",
        reply.status,
        if location.is_empty() {
            "nowhere (no Location header)".to_string()
        } else {
            shown::field(location, 200).into_owned()
        },
        took(reply),
        reply.status
    )
}

/// A refused login: bachata1c says whether the `Authorization` header came at all.
fn login_refused(reply: &Reply) -> String {
    let line2 = text(&reply.body)
        .lines()
        .nth(1)
        .unwrap_or("")
        .trim()
        .to_string();
    if line2.starts_with(site::NO_CREDENTIALS) {
        format!(
            "no Authorization header reached bachata1c, though doctor sent one (HTTP 401, {}): \
             a proxy in front of it removes the header, the most frequent trouble of these \
             exchanges. nginx passes it unless told otherwise: remove `proxy_set_header \
             Authorization \"\"` (or a `more_clear_input_headers`) from the location; Apache \
             passes it to a proxied server, but to PHP or CGI only with `CGIPassAuth On`. \
             Reload it and run doctor again",
            took(reply)
        )
    } else if line2.starts_with(site::WRONG_CREDENTIALS) {
        format!(
            "wrong user or password (HTTP 401, {}): bachata1c expects its [site_exchange] user \
             and password (else serve's --user and --password-file); type the same into 1C's \
             node («Имя пользователя», «Пароль»), and give them to doctor",
            took(reply)
        )
    } else {
        let challenge = if reply.challenge {
            ""
        } else {
            " (and it sent no WWW-Authenticate: whether 1C sends its login before being \
             challenged cannot be told from its code, and if it waits, it never sends it here)"
        };
        format!(
            "the login was refused (HTTP 401, {}): {}{challenge}. Either the user or password \
             is wrong, or a proxy in front drops the Authorization header doctor sent",
            took(reply),
            describe(&reply.body)
        )
    }
}

/// An answer that began with a BOM: whether 1C's `ПолучитьТелоКакСтроку()` drops it cannot be
/// told from its code (protocol note §7).
pub(super) fn bom(step: &'static str, body: &[u8], otherwise: &str) -> Option<Finding> {
    body.starts_with(BOM).then(|| {
        finding(
            Verdict::Warning,
            step,
            format!(
                "the answer begins with a byte order mark (EF BB BF): whether 1C's \
                 ПолучитьТелоКакСтроку drops it cannot be told from its code; if it does not, \
                 {otherwise}. bachata1c sends none: is something in front adding it?"
            ),
        )
    })
}

/// The text answers' line breaks: 1C splits them at LF (`СтрПолучитьСтроку`); whether a CR
/// before it is dropped cannot be told from its code, and a CR left on line 3 goes into the
/// `Cookie` header 1C builds (protocol note §1.2).
pub fn line_endings(answers: &[(&str, &[u8])]) -> Finding {
    let with_cr: Vec<&str> = answers
        .iter()
        .filter(|(_, body)| body.windows(2).any(|w| w == b"\r\n"))
        .map(|(step, _)| *step)
        .collect();
    if with_cr.is_empty() {
        finding(
            Verdict::Ok,
            "line endings",
            format!(
                "{}: bare LF, as 1C splits lines (СтрПолучитьСтроку)",
                answers
                    .iter()
                    .map(|(step, _)| *step)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    } else {
        finding(
            Verdict::Warning,
            "line endings",
            format!(
                "{}: CR LF. 1C splits lines at LF (СтрПолучитьСтроку), and whether it drops the \
                 CR cannot be told from its code; a CR left on checkauth's line 3 goes into the \
                 Cookie header 1C builds. bachata1c sends bare LF",
                with_cr.join(", ")
            ),
        )
    }
}

/// Each request's time against the shortest wait of 1C's clients.
pub fn timing(steps: &[(&str, Duration)]) -> Finding {
    let listed = steps
        .iter()
        .map(|(step, took)| format!("{step} {} ms", took.as_millis()))
        .collect::<Vec<_>>()
        .join(", ");
    let slowest = steps.iter().max_by_key(|(_, took)| *took);
    match slowest {
        Some((step, took)) if *took > ONEC_TIMEOUT / 2 => finding(
            Verdict::Warning,
            "timing",
            format!(
                "{listed}: {step} took more than half of the {} s УТ 11 waits for an answer \
                 (СоединениеССервером 5949); a busier day may pass it",
                ONEC_TIMEOUT.as_secs()
            ),
        ),
        _ => finding(
            Verdict::Ok,
            "timing",
            format!(
                "{listed}; УТ 11 waits {} s for each (СоединениеССервером 5949)",
                ONEC_TIMEOUT.as_secs()
            ),
        ),
    }
}

#[cfg(test)]
pub(super) mod testing {
    use super::*;

    pub fn reply(status: u16, body: &[u8]) -> Reply {
        Reply {
            status,
            body: body.to_vec(),
            ..Reply::default()
        }
    }

    pub fn address() -> Address {
        Address::parse("https://leads.example.ru/1c_exchange.php").unwrap()
    }

    pub fn verdicts(findings: &[Finding]) -> Vec<(Verdict, &'static str)> {
        findings.iter().map(|f| (f.verdict, f.step)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_and_timing() {
        assert_eq!(
            line_endings(&[("init", b"zip=no\nfile_limit=0")]).verdict,
            Verdict::Ok
        );
        assert_eq!(
            line_endings(&[("init", b"zip=no\r\nfile_limit=0")]).verdict,
            Verdict::Warning
        );
        assert_eq!(
            timing(&[("query", Duration::from_millis(5))]).verdict,
            Verdict::Ok
        );
        assert_eq!(
            timing(&[("query", Duration::from_secs(100))]).verdict,
            Verdict::Warning
        );
    }
}
