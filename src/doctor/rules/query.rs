//! `mode=query`: the orders, as one CommerceML document 1C's reader takes.

use super::{BOM, bom, finding, is_failure, reason, refused, took};
use crate::doctor::address::Address;
use crate::doctor::http::Reply;
use crate::doctor::{Finding, Verdict};
use crate::report::shown;

/// `mode=query`: the orders as one CommerceML document. 1C takes it only when it begins with
/// `<?xml` (or `PK` for a zip; УНФ 3 also `<КоммерческаяИнформация`), else «Не удалось
/// прочитать данные, загруженные с сервера.» (УТ 11 ЗагрузитьЗаказыССайта 3913‑3930). Says
/// counts and sizes only: the orders hold clients' names and phones.
pub fn query(
    reply: &Reply,
    address: &Address,
    file_limit: Option<i64>,
    looked: bool,
) -> Vec<Finding> {
    let step = "query";
    let body = &reply.body;
    let framed = body.starts_with(b"<?xml");
    if let Some(stop) = refused(step, reply, address, framed || body.starts_with(BOM)) {
        return vec![stop];
    }
    let mut findings = Vec::new();
    let unreadable = "1C says «Не удалось прочитать данные, загруженные с сервера.» (УТ 11 \
                      ЗагрузитьЗаказыССайта 3913‑3930) and imports nothing";
    let after_bom = body.strip_prefix(BOM).unwrap_or(body);
    if body.is_empty() {
        findings.push(finding(
            Verdict::Problem,
            step,
            format!(
                "an empty answer (HTTP {}, {}): 1C logs «Получен пустой ответ сервера» (УТ 11 \
                 ПолучитьДанныеССервера 6496) and imports nothing",
                reply.status,
                took(reply)
            ),
        ));
        return findings;
    }
    if is_failure(body) {
        findings.push(finding(
            Verdict::Problem,
            step,
            format!(
                "the server refused (HTTP {}, {}): «{}»; {unreadable}",
                reply.status,
                took(reply),
                reason(body)
            ),
        ));
        return findings;
    }
    if body.starts_with(b"PK") {
        findings.push(finding(
            Verdict::Problem,
            step,
            format!(
                "a ZIP archive ({} bytes): 1C writes the answer it decoded as text back to a file \
                 and opens that as the archive (РаспаковатьZIPАрхив), which no binary survives",
                body.len()
            ),
        ));
        return findings;
    }
    if !after_bom.starts_with(b"<?xml") {
        let root = "<КоммерческаяИнформация".as_bytes();
        if after_bom.starts_with(root) {
            findings.push(finding(
                Verdict::Warning,
                step,
                "no `<?xml …?>` declaration: only УНФ 3 also takes a document that begins with \
                 <КоммерческаяИнформация (ЗагрузитьЗаказыССайта 3244‑3256); УТ 11 and SmB \
                 refuse it"
                    .to_string(),
            ));
        } else {
            findings.push(finding(
                Verdict::Problem,
                step,
                format!(
                    "does not begin with `<?xml` but with {} (HTTP {}, {} bytes, {}): {unreadable}",
                    before_xml(after_bom),
                    reply.status,
                    body.len(),
                    took(reply)
                ),
            ));
            return findings;
        }
    }
    findings.extend(bom(
        step,
        body,
        "the answer does not begin with `<?xml` to 1C, which then imports nothing",
    ));
    findings.extend(document(reply, after_bom, file_limit, looked));
    findings
}

/// What stands before `<?xml` in an answer, in words that carry none of its content (the
/// answer may hold clients' data).
fn before_xml(body: &[u8]) -> String {
    let start = String::from_utf8_lossy(&body[..body.len().min(512)]).to_lowercase();
    let trimmed = start.trim_start();
    if let Some(at) = body.windows(5).position(|w| w == b"<?xml") {
        if body[..at].iter().all(u8::is_ascii_whitespace) {
            return format!(
                "{at} byte(s) of white space before it: the server prints a line break or space first"
            );
        }
        if trimmed.starts_with("warning")
            || trimmed.starts_with("notice")
            || trimmed.starts_with("deprecated")
            || trimmed.contains("<b>")
        {
            return format!("{at} byte(s) of a PHP message before it");
        }
        return format!("{at} byte(s) of something else before it");
    }
    if trimmed.starts_with("<!doctype html") || trimmed.starts_with("<html") {
        return "an HTML page".to_string();
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return "JSON".to_string();
    }
    "no XML at all".to_string()
}

/// The document: well-formed, the root 1C's XDTO reads, how many orders, in which encoding.
fn document(reply: &Reply, body: &[u8], file_limit: Option<i64>, looked: bool) -> Vec<Finding> {
    let step = "query";
    let mut findings = Vec::new();
    // УТ 11 decodes by Content-Type's charset, else UTF-8 (ПолучитьТелоКакСтроку, 6494).
    let charset = reply
        .content_type
        .as_deref()
        .and_then(|ct| {
            ct.split(';')
                .find_map(|part| part.trim().strip_prefix("charset="))
        })
        .map(|c| c.trim_matches('"').to_string());
    let encoding = charset
        .as_deref()
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let (decoded, malformed) = encoding.decode_without_bom_handling(body);
    let declared = declared_encoding(&decoded);
    if let Some(declared) = &declared
        && encoding_rs::Encoding::for_label(declared.as_bytes()) != Some(encoding)
    {
        findings.push(finding(
            Verdict::Warning,
            step,
            format!(
                "the XML says encoding=\"{}\" but the answer is sent as {}: УТ 11 decodes it by \
                 the Content-Type's charset (ПолучитьТелоКакСтроку, ПолучитьДанныеССервера 6494)",
                shown::field(declared, 40),
                charset
                    .as_deref()
                    .map_or("UTF-8 (no charset given)".to_string(), |c| {
                        shown::field(c, 40).into_owned()
                    })
            ),
        ));
    }
    if malformed {
        findings.push(finding(
            Verdict::Warning,
            step,
            format!(
                "bytes that are not {}: 1C reads them as �, in names too",
                encoding.name()
            ),
        ));
    }
    match count_orders(&decoded) {
        Err(err) => findings.push(finding(
            Verdict::Problem,
            step,
            format!(
                "not well-formed XML ({err}; {} bytes): 1C's ФабрикаXDTO.ПрочитатьXML fails and \
                 nothing is imported",
                body.len()
            ),
        )),
        Ok(Orders { root, .. }) if root != "КоммерческаяИнформация" => {
            findings.push(finding(
                Verdict::Problem,
                step,
                format!(
                    "the root element is <{}>, not <КоммерческаяИнформация>, which 1C's XDTO \
                 reads",
                    shown::field(&root, 60)
                ),
            ))
        }
        Ok(Orders {
            documents, version, ..
        }) => {
            let over =
                file_limit.filter(|&limit| limit > 0 && documents > 1 && body.len() as i64 > limit);
            let version = version.map_or(String::new(), |v| {
                format!(", ВерсияСхемы {}", shown::field(&v, 10))
            });
            let look = if looked {
                "; a doctor's look: bachata1c marked nothing offered"
            } else {
                ""
            };
            let waiting = match documents {
                0 => "no order waiting: 1C says «Нет документов для обработки.» and confirms"
                    .to_string(),
                n => format!("{n} order(s) for 1C in this answer"),
            };
            findings.push(finding(
                if over.is_some() {
                    Verdict::Warning
                } else {
                    Verdict::Ok
                },
                step,
                format!(
                    "{waiting}: {} bytes of CommerceML{version}{}{look} ({})",
                    body.len(),
                    match over {
                        Some(limit) => format!(", more than the file_limit={limit} init gave"),
                        None => String::new(),
                    },
                    took(reply)
                ),
            ));
        }
    }
    findings
}

fn declared_encoding(text: &str) -> Option<String> {
    let declaration = text.strip_prefix("<?xml")?.split("?>").next()?;
    let (_, rest) = declaration.split_once("encoding")?;
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    Some(rest[1..].split(quote).next()?.to_string())
}

struct Orders {
    root: String,
    version: Option<String>,
    documents: usize,
}

/// Reads the whole document: its root, `ВерсияСхемы`, and the `Документ` elements under the
/// root. Only names are looked at, never a value.
fn count_orders(text: &str) -> Result<Orders, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut orders = Orders {
        root: String::new(),
        version: None,
        documents: 0,
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|err| format!("at byte {}: {err}", reader.error_position()))?;
        let start = match &event {
            Event::Start(e) | Event::Empty(e) => Some(e),
            _ => None,
        };
        if let Some(e) = start {
            let name = e.local_name().as_ref().to_string();
            if depth == 0 {
                if !orders.root.is_empty() {
                    return Err("more than one root element".to_string());
                }
                orders.version = e
                    .try_get_attribute("ВерсияСхемы")
                    .ok()
                    .flatten()
                    .map(|a| a.value.into_owned());
                orders.root = name;
            } else if depth == 1 && name == "Документ" {
                orders.documents += 1;
            }
        }
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => break,
            _ => {}
        }
    }
    if orders.root.is_empty() {
        return Err("no element".to_string());
    }
    if depth != 0 {
        return Err("it ends before its elements are closed".to_string());
    }
    Ok(orders)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn query_must_begin_with_the_xml_declaration() {
        let document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<КоммерческаяИнформация ВерсияСхемы=\"2.08\"><Документ><Ид>1</Ид></Документ><Документ/></КоммерческаяИнформация>";
        let findings = query(
            &reply(200, document.as_bytes()),
            &address(),
            Some(1 << 20),
            true,
        );
        assert_eq!(verdicts(&findings), [(Verdict::Ok, "query")]);
        assert!(
            findings[0]
                .text
                .starts_with("2 order(s) for 1C in this answer"),
            "{}",
            findings[0].text
        );
        assert!(findings[0].text.contains("ВерсияСхемы 2.08"));
        let with_space = format!("\n{document}");
        let findings = query(&reply(200, with_space.as_bytes()), &address(), None, false);
        assert_eq!(findings[0].verdict, Verdict::Problem);
        assert!(
            findings[0].text.contains("white space"),
            "{}",
            findings[0].text
        );
        let with_bom = format!("\u{FEFF}{document}");
        let findings = query(&reply(200, with_bom.as_bytes()), &address(), None, false);
        assert_eq!(
            verdicts(&findings),
            [(Verdict::Warning, "query"), (Verdict::Ok, "query")]
        );
        let findings = query(
            &reply(200, b"<?xml version=\"1.0\"?><a><b></a>"),
            &address(),
            None,
            false,
        );
        assert_eq!(findings[0].verdict, Verdict::Problem);
        for body in [
            &b""[..],
            b"PK\x03\x04",
            b"failure\nledger",
            b"<html>Error</html>",
            b"Warning: x in y.php\n<?xml?>",
        ] {
            let findings = query(&reply(200, body), &address(), None, false);
            assert_eq!(
                findings.last().unwrap().verdict,
                Verdict::Problem,
                "{body:?}"
            );
        }
        // The orders' content never appears.
        let named = "<?xml version=\"1.0\"?><КоммерческаяИнформация><Документ><Наименование>Иван +79160000001</Наименование></Документ></КоммерческаяИнформация>";
        for f in query(&reply(200, named.as_bytes()), &address(), None, false) {
            assert!(
                !f.text.contains("Иван") && !f.text.contains("7916"),
                "{}",
                f.text
            );
        }
    }
}
