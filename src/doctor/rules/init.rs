//! `mode=init`: the exchange parameters, `file_limit` among them.

use super::{bom, describe, finding, is_failure, reason, refused, text, took};
use crate::doctor::address::Address;
use crate::doctor::http::Reply;
use crate::doctor::{Finding, Verdict};
use crate::report::shown;

/// `mode=init`: exactly two lines, `zip=…` and `file_limit=N` (УТ 11 ВыгрузитьНаСайт
/// 6056‑6080). Returns the `file_limit` 1C would take (`-1` when it cannot read one, as 1C
/// sets it), `None` when the answer is refused.
pub fn init(reply: &Reply, address: &Address) -> (Vec<Finding>, Option<i64>) {
    let step = "init";
    let lines_ok = !reply.body.is_empty() && !is_failure(&reply.body);
    if let Some(stop) = refused(step, reply, address, lines_ok) {
        return (vec![stop], None);
    }
    let mut findings: Vec<Finding> = bom(step, &reply.body, "line 1 is not `zip=…` to 1C")
        .into_iter()
        .collect();
    if is_failure(&reply.body) {
        findings.push(finding(
            Verdict::Problem,
            step,
            format!(
                "the server refused (HTTP {}, {}): «{}»; 1C cannot send its orders' statuses back",
                reply.status,
                took(reply),
                reason(&reply.body)
            ),
        ));
        return (findings, None);
    }
    let text = text(&reply.body);
    let lines: Vec<&str> = text.split('\n').collect();
    // The strict reading of СтрЧислоСтрок: a trailing LF is one more, empty, line.
    let count = match lines.as_slice() {
        [_, _] => Verdict::Ok,
        [_, _, ""] => Verdict::Warning,
        _ => Verdict::Problem,
    };
    let zip = lines[0].trim().to_lowercase() == "zip=yes";
    let text = match count {
        Verdict::Ok if zip => format!(
            "zip=yes: 1C would zip what it uploads (ПодготовитьZIPАрхивы); bachata1c never asks \
             that ({})",
            took(reply)
        ),
        Verdict::Ok => format!("two lines, as 1C reads them ({})", took(reply)),
        Verdict::Warning => format!(
            "two lines and a line break after them: how 1C's СтрЧислоСтрок counts it cannot be \
             told from its code, and УТ 11, УНФ 1.6 and SmB take exactly two lines; bachata1c \
             sends none ({})",
            took(reply)
        ),
        Verdict::Problem => format!(
            "{} line(s), {}: УТ 11, УНФ 1.6 and SmB take exactly two (`СтрЧислоСтрок(ОтветСервера) \
             <> 2` → «Параметры обмена не получены», УТ 11 ВыгрузитьНаСайт 6056), so 1C cannot \
             send its orders' statuses back ({})",
            lines.len(),
            describe(&reply.body),
            took(reply)
        ),
    };
    let verdict = if zip && count == Verdict::Ok {
        Verdict::Warning
    } else {
        count
    };
    findings.push(finding(verdict, step, text));
    let limit = file_limit(lines.get(1).copied().unwrap_or(""));
    findings.push(file_limit_finding(
        limit,
        lines.get(1).copied().unwrap_or(""),
    ));
    (findings, Some(limit))
}

/// `Число(СтрЗаменить(СокрЛП(НРег(line2)), "file_limit=", ""))`, `-1` when that throws.
fn file_limit(line: &str) -> i64 {
    let number = line.trim().to_lowercase().replace("file_limit=", "");
    let number = number.trim();
    number
        .parse::<i64>()
        .or_else(|_| number.parse::<f64>().map(|n| n.trunc() as i64))
        .unwrap_or(-1)
}

fn file_limit_finding(limit: i64, line: &str) -> Finding {
    let step = "file_limit";
    match limit {
        ..0 => finding(
            Verdict::Warning,
            step,
            format!(
                "line 2 «{}» is no number after `file_limit=`: 1C logs «Ошибка получения \
                 параметров обмена» and sends its uploads whole (УТ 11 ВыгрузитьНаСайт 6065‑6079)",
                shown::field(line, 80)
            ),
        ),
        0 => finding(
            Verdict::Ok,
            step,
            "0: 1C sends its uploads whole".to_string(),
        ),
        n => finding(
            Verdict::Ok,
            step,
            format!(
                "{n} bytes ({}): 1C cuts what it uploads into parts of at most this",
                crate::limits::ByteSize(n as u64)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn init_is_two_lines_and_file_limit_is_read_as_1c_reads_it() {
        let (findings, limit) = init(&reply(200, b"zip=no\nfile_limit=1048576"), &address());
        assert_eq!(
            verdicts(&findings),
            [(Verdict::Ok, "init"), (Verdict::Ok, "file_limit")]
        );
        assert_eq!(limit, Some(1_048_576));
        let (findings, _) = init(&reply(200, b"zip=no\nfile_limit=0\n"), &address());
        assert_eq!(findings[0].verdict, Verdict::Warning);
        let (findings, _) = init(
            &reply(200, b"zip=no\nfile_limit=0\nsessid=1\nversion=2.09"),
            &address(),
        );
        assert_eq!(findings[0].verdict, Verdict::Problem);
        let (findings, limit) = init(&reply(200, b"zip=yes\nfile_limit=big"), &address());
        assert_eq!(limit, Some(-1));
        assert_eq!(
            verdicts(&findings),
            [(Verdict::Warning, "init"), (Verdict::Warning, "file_limit")]
        );
        assert_eq!(file_limit(" FILE_LIMIT=2000 "), 2000);
    }
}
