//! `mode=checkauth`: 1C's connection test and login.

use super::{bom, describe, finding, first_line, is_failure, reason, refused, text, took};
use crate::doctor::address::Address;
use crate::doctor::http::Reply;
use crate::doctor::{Finding, Verdict};
use crate::site;

/// What a `checkauth` that succeeded gave: the session 1C goes on with.
#[derive(Debug, Clone)]
pub struct Login {
    /// `Cookie: name=value` (УТ 11 ЗагрузитьЗаказыССайта 3886‑3889).
    pub cookie: String,
    /// `СтрЗаменить(line4, "sessid=", "")` (УТ 11 ВыполнитьАвторизациюДляСоединения 5991).
    pub sessid: String,
    /// The cookie is bachata1c serve's.
    pub bachata1c: bool,
}

/// `mode=checkauth`: line 1 `success`, lines 2 and 3 the cookie 1C builds its `Cookie` header
/// from, line 4 `sessid=…` or nothing. `connection_test`: the `type=catalog` login every
/// scheduled exchange starts with, which cancels the whole exchange when it fails (УТ11‑С
/// ВыполнитьОбмен 121 → УТ 11 ВыполнитьТестовоеПодключениеКСайту 21).
pub fn checkauth(
    step: &'static str,
    reply: &Reply,
    address: &Address,
    connection_test: bool,
) -> (Vec<Finding>, Option<Login>) {
    let success = first_line(&reply.body) == "success";
    if let Some(stop) = refused(step, reply, address, success) {
        return (vec![stop], None);
    }
    let mut findings: Vec<Finding> = bom(step, &reply.body, "line 1 is not `success` to 1C")
        .into_iter()
        .collect();
    if !success {
        let consequence = if connection_test {
            "1C stops with «Авторизация не выполнена.» (УТ 11 ВыполнитьАвторизациюДляСоединения \
             5981) and cancels the whole exchange, orders included"
        } else {
            "1C stops with «Авторизация не выполнена.» (УТ 11 ВыполнитьАвторизациюДляСоединения \
             5981)"
        };
        let text = if is_failure(&reply.body) {
            format!(
                "the server refused (HTTP {}, {}): «{}»; {consequence}",
                reply.status,
                took(reply),
                reason(&reply.body)
            )
        } else {
            format!(
                "line 1 is not `success` but {} (HTTP {}, {}): {consequence}",
                describe(&reply.body),
                reply.status,
                took(reply)
            )
        };
        findings.push(finding(Verdict::Problem, step, text));
        return (findings, None);
    }
    let text = text(&reply.body);
    let lines: Vec<&str> = text.split('\n').collect();
    // 1C pastes lines 2 and 3 raw (`КукиИмя`, `КукиЗначение`); a CR before the LF is the
    // line-endings finding's, not this one's.
    let line = |n: usize| {
        lines
            .get(n)
            .map_or("", |l| l.strip_suffix('\r').unwrap_or(l))
    };
    let (name, value) = (line(1), line(2));
    let unfit = |part: &str| {
        part.is_empty()
            || part
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || ";,=".contains(c))
    };
    if unfit(name) || value.is_empty() || value.chars().any(|c| c.is_control() || ";, ".contains(c))
    {
        findings.push(finding(
            Verdict::Problem,
            step,
            format!(
                "`success`, but lines 2 and 3 are no cookie name and value 1C can send \
                 (`Cookie: <line 2>=<line 3>`, УТ 11 ЗагрузитьЗаказыССайта 3886‑3889) ({}): \
                 every later request of 1C's session would come without its session",
                took(reply)
            ),
        ));
        return (findings, None);
    }
    let bachata1c = name == site::COOKIE;
    let status = if reply.status == 200 {
        String::new()
    } else {
        format!(" (though HTTP {}: 1C reads only the body)", reply.status)
    };
    let what = if connection_test {
        "1C's connection test passes"
    } else {
        "logged in"
    };
    let who = if bachata1c { ", from bachata1c" } else { "" };
    findings.push(finding(
        if reply.status == 200 {
            Verdict::Ok
        } else {
            Verdict::Warning
        },
        step,
        format!(
            "{what}: session cookie {name}{who}{status} ({})",
            took(reply)
        ),
    ));
    let login = Login {
        cookie: format!("{name}={value}"),
        sessid: line(3).replace("sessid=", ""),
        bachata1c,
    };
    (findings, Some(login))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn checkauth_is_success_with_a_cookie_1c_can_send() {
        let (findings, login) = checkauth(
            "checkauth",
            &reply(200, b"success\nbachata1c_session\nabc123"),
            &address(),
            false,
        );
        assert_eq!(verdicts(&findings), [(Verdict::Ok, "checkauth")]);
        let login = login.unwrap();
        assert_eq!(login.cookie, "bachata1c_session=abc123");
        assert!(login.bachata1c);
        // 1C's comparison: trimmed and lower-cased; line 4 without `sessid=`.
        let (_, login) = checkauth(
            "checkauth",
            &reply(200, b" Success \nPHPSESSID\nx\nsessid=42\n"),
            &address(),
            false,
        );
        assert_eq!(login.unwrap().sessid, "42");
        for body in [
            &b"failure\nwrong"[..],
            b"",
            b"<html><title>Login</title>",
            b"success\n\n",
        ] {
            let (findings, login) = checkauth("checkauth", &reply(200, body), &address(), true);
            assert!(login.is_none());
            assert_eq!(findings.last().unwrap().verdict, Verdict::Problem);
        }
        // A BOM: 1C may or may not see `success`.
        let (findings, login) = checkauth(
            "checkauth",
            &reply(200, b"\xEF\xBB\xBFsuccess\nc\nv"),
            &address(),
            false,
        );
        assert!(login.is_some());
        assert_eq!(findings[0].verdict, Verdict::Warning);
    }

    #[test]
    fn refusals_say_what_stood_in_the_way() {
        let mut moved = reply(301, b"<html><title>301 Moved Permanently</title></html>");
        moved.location =
            Some("https://leads.example.ru/1c_exchange.php?type=catalog&mode=checkauth".into());
        let (findings, _) = checkauth("checkauth", &moved, &address(), true);
        assert!(
            findings[0]
                .text
                .contains("type https://leads.example.ru/1c_exchange.php into 1C's node"),
            "{}",
            findings[0].text
        );
        let stripped = format!("failure\n{}", site::NO_CREDENTIALS);
        let (findings, _) = checkauth(
            "checkauth",
            &reply(401, stripped.as_bytes()),
            &address(),
            true,
        );
        assert!(
            findings[0].text.contains("removes the header"),
            "{}",
            findings[0].text
        );
        let wrong = format!("failure\n{}", site::WRONG_CREDENTIALS);
        let (findings, _) = checkauth("checkauth", &reply(401, wrong.as_bytes()), &address(), true);
        assert!(
            findings[0].text.starts_with("wrong user or password"),
            "{}",
            findings[0].text
        );
        // Another server's 401: without a challenge, a 1C that waits for one never logs in.
        let mut other = reply(
            401,
            b"<html><title>401 Authorization Required</title></html>",
        );
        let (findings, _) = checkauth("checkauth", &other, &address(), true);
        assert!(
            findings[0].text.contains("no WWW-Authenticate"),
            "{}",
            findings[0].text
        );
        other.challenge = true;
        let (findings, _) = checkauth("checkauth", &other, &address(), true);
        assert!(
            !findings[0].text.contains("WWW-Authenticate"),
            "{}",
            findings[0].text
        );
        assert!(findings[0].text.contains("401 Authorization Required"));
    }
}
