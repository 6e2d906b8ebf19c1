//! What one request of 1C's «Обмен с сайтом» may cost `serve` (issue 17, points 5 and 6): a
//! query costs what it answers, not the leads waiting behind it; an upload is written to the
//! state folder, bounded per session and in total, and a malformed one is refused with its
//! reason. The real `bachata1c serve` on the loopback, spoken to as 1C speaks
//! (docs/site-exchange-protocol.md).
mod common;

use std::io::{Read, Write};

use common::exchange::{leads_json, webhook};
use common::onec::statuses::{self, OrderStatus};
use common::onec::{Profile, UploadStyle};
use common::server::{PASSWORD, Server};
use common::{Workdir, run, validate_official};

const USER: &str = "bachata";

/// An exchange folder with `config`, `webhooks` converted into its queue, and `serve`
/// answering 1C on it.
fn exchange_with(work: &Workdir, webhooks: &[String], config: &str) -> Server {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    work.write("exchange/bachata1c.toml", config);
    for (i, body) in webhooks.iter().enumerate() {
        work.write(&format!("exchange/inbox/hook-{i:05}.json"), body);
    }
    let (code, stderr) = run(&mut work.bachata1c(&["run", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    serve(work)
}

fn serve(work: &Workdir) -> Server {
    Server::start(
        work,
        &[
            "--dir",
            "exchange",
            "--user",
            USER,
            "--password-env",
            "BACHATA1C_TEST_PASSWORD",
        ],
    )
}

/// 1C's session spoken raw: `checkauth` with Basic credentials, then the cookie it gave.
struct OneC {
    agent: ureq::Agent,
    address: String,
    cookie: String,
}

impl OneC {
    fn login(server: &Server) -> OneC {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let address = server.url("/1c_exchange.php");
        let auth = format!(
            "Basic {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!("{USER}:{PASSWORD}")
            )
        );
        let answer = agent
            .get(format!("{address}?type=sale&mode=checkauth"))
            .header("Authorization", &auth)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        let lines: Vec<&str> = answer.split('\n').collect();
        assert_eq!(lines[0], "success", "{answer}");
        let cookie = format!("{}={}", lines[1], lines[2]);
        OneC {
            agent,
            address,
            cookie,
        }
    }

    /// `POST …?<query>` with `body`: the answer's text.
    fn post(&self, query: &str, body: &[u8]) -> String {
        self.agent
            .post(format!("{}?{query}", self.address))
            .header("Cookie", &self.cookie)
            .send(body)
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    }

    /// A file uploaded as SmB and УНФ 1.6 upload their report (no `import` follows): `init`
    /// for `file_limit`, then the parts `РазделитьФайл` cuts, one POST each (protocol note
    /// §1.3 D, rule 17). Every part's answer.
    /// 1C's query and its success: the leads are 1C's now, so its reports on them count (a
    /// report on a number 1C was never given changes nothing: issue 17, point 1).
    /// Every waiting lead, in as many queries as `file_limit` takes.
    fn take_orders(&self) {
        loop {
            let orders = self.get("type=sale&mode=query");
            assert!(orders.contains("КоммерческаяИнформация"), "{orders}");
            let confirmed = self.get("type=sale&mode=success");
            assert!(confirmed.starts_with("success"), "{confirmed}");
            if !orders.contains("<Документ>") {
                break;
            }
        }
    }

    fn upload(&self, name: &str, document: &[u8]) -> Vec<String> {
        let init = self.get("type=sale&mode=init");
        let limit: i64 = init
            .split('\n')
            .nth(1)
            .and_then(|line| line.strip_prefix("file_limit="))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{init}"));
        statuses::parts(document, limit)
            .into_iter()
            .map(|part| self.post(&format!("type=sale&mode=file&filename={name}"), part))
            .collect()
    }

    fn get(&self, query: &str) -> String {
        self.agent
            .get(format!("{}?{query}", self.address))
            .header("Cookie", &self.cookie)
            .call()
            .unwrap()
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_string()
            .unwrap()
    }
}

/// The server's peak resident memory so far (VmHWM), in KiB.
#[cfg(target_os = "linux")]
fn peak_kib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A mebibyte of customData notes: Cyrillic and ASCII, so a cut that counts bytes for
/// characters shows.
fn long_notes(i: usize) -> String {
    let unit = format!("заметка {i}: клиент спрашивал про комплектацию; ");
    unit.repeat(1024 * 1024 / unit.len())
}

/// `count` webhooks of one client each, with a mebibyte of customData.
fn long_leads(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            format!(
                r#"{{"event":"dialog_completed","dialogId":"d{i}","clients":[{{"clientId":"c{i}","name":"Клиент Номер {i}","phone":"+7916{i:07}","customData":{{"VIN":"XTA{i:08}","notes":"{}"}}}}]}}"#,
                long_notes(i)
            )
        })
        .collect()
}

#[cfg(target_os = "linux")]
fn child<'a, 'input>(node: roxmltree::Node<'a, 'input>, name: &str) -> roxmltree::Node<'a, 'input> {
    node.children()
        .find(|n| n.has_tag_name(name))
        .unwrap_or_else(|| panic!("no <{name}>"))
}

/// The `<Документ>`s of a query answer: (Номер, the customData «notes» value 1C reads).
#[cfg(target_os = "linux")]
fn orders(text: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|err| panic!("{err}"));
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name("Документ"))
        .map(|order| {
            let number = child(order, "Номер").text().unwrap().to_string();
            let notes = child(order, "ЗначенияРеквизитов")
                .children()
                .find(|pair| {
                    pair.children()
                        .any(|n| n.has_tag_name("Наименование") && n.text() == Some("notes"))
                })
                .map(|pair| {
                    let values: Vec<&str> = pair
                        .children()
                        .filter(|n| n.has_tag_name("Значение"))
                        .map(|n| n.text().unwrap_or(""))
                        .collect();
                    assert_eq!(values.len(), 1, "1C reads one Значение");
                    values[0].to_string()
                })
                .unwrap_or_default();
            (number, notes)
        })
        .collect()
}

/// Forty leads of a mebibyte of customData each wait: one query gives them all (their orders
/// are small: 1C reads one `Значение` of at most 1,000 characters), and costs `serve` what it
/// answers, not the forty mebibytes behind it. Before, every query read and rendered every
/// waiting lead whole (issue 17 point 5: 60 such leads took 362 MiB and 25 s per query).
#[cfg(target_os = "linux")]
#[test]
fn a_query_costs_what_it_answers_not_the_long_leads_waiting() {
    const LEADS: usize = 40;
    let work = Workdir::new();
    let server = exchange_with(&work, &long_leads(LEADS), "");
    let onec = OneC::login(&server);
    let before = peak_kib(&server);
    let text = onec.get("type=sale&mode=query");
    let grown = (peak_kib(&server) - before) / 1024;
    let orders = orders(&text);
    assert_eq!(orders.len(), LEADS, "{}", &text[..text.len().min(2000)]);
    let mut leads: Vec<usize> = orders
        .iter()
        .map(|(number, notes)| {
            let i = notes["заметка ".len()..].split(':').next().unwrap();
            let i = i.parse().unwrap_or_else(|_| panic!("order {number}: {i}"));
            let expected: String = long_notes(i).chars().take(1000).collect();
            assert_eq!(notes, &expected, "order {number}: cut at 1,000 characters");
            i
        })
        .collect();
    leads.sort();
    assert_eq!(leads, (0..LEADS).collect::<Vec<_>>());
    assert!(text.len() < 1024 * 1024, "{} bytes", text.len());
    assert!(
        grown < 24,
        "serve grew by {grown} MiB for a query of {} KiB",
        text.len() / 1024
    );
}

/// One webhook of `count` clients, every 50th with 6,000 characters of customData, the others
/// short: leads of one input journalled over several statements.
fn mixed_clients(count: usize) -> String {
    let clients: Vec<String> = (0..count)
        .map(|i| {
            let notes = if i % 50 == 0 {
                long_notes(i).chars().take(6000).collect()
            } else {
                format!("коротко {i}")
            };
            format!(
                r#"{{"clientId":"m{i}","name":"Смешанный {i}","phone":"+7926{i:07}","customData":{{"notes":"{notes}"}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"event":"dialog_completed","dialogId":"m","clients":[{}]}}"#,
        clients.join(",")
    )
}

/// The `<Документ>…</Документ>` texts of a CommerceML document, as written.
fn fragments(text: &str) -> Vec<&str> {
    text.match_indices("<Документ>")
        .map(|(start, _)| {
            let end = text[start..].find("</Документ>").unwrap() + start;
            &text[start..end + "</Документ>".len()]
        })
        .collect()
}

/// The ledger keeps a long lead as its order carries it, and the orders 1C's query gives are
/// those of the whole leads, byte for byte: the same `<Документ>` as the outbox's CommerceML
/// files, which were written from the whole leads as they were converted. The schema version
/// 1C asks for frames the same orders, and both documents validate against their official
/// schema.
#[test]
fn the_orders_of_long_leads_are_those_of_the_whole_leads_in_either_schema_version() {
    const LONG: usize = 6;
    const MIXED: usize = 130;
    let work = Workdir::new();
    let mut webhooks = long_leads(LONG);
    webhooks.push(mixed_clients(MIXED));
    let server = exchange_with(&work, &webhooks, "[output]\nformat = \"commerceml\"\n");
    let mut written: Vec<String> = Vec::new();
    for name in work.list("exchange/outbox") {
        if name.ends_with(".xml") {
            let text = String::from_utf8(work.read(&format!("exchange/outbox/{name}"))).unwrap();
            written.extend(fragments(&text).into_iter().map(String::from));
        }
    }
    written.sort();
    assert_eq!(written.len(), LONG + MIXED);

    let onec = OneC::login(&server);
    let newer = onec.get("type=sale&mode=query&cmlVersion=2.10");
    let older = onec.get("type=sale&mode=query&cmlVersion=2.08");
    let mut offered: Vec<&str> = fragments(&newer);
    offered.sort();
    assert_eq!(offered, written, "the query's orders are the outbox's");
    assert_eq!(fragments(&older), fragments(&newer));
    for (text, version) in [(&newer, "2.10"), (&older, "2.08")] {
        assert!(
            text.contains(&format!("ВерсияСхемы=\"{version}\"")),
            "{version}"
        );
        // The query answer has no namespace (protocol note §3.1); the schema's is put back to
        // validate it.
        let typed = text.replacen(
            "<КоммерческаяИнформация ",
            "<КоммерческаяИнформация xmlns=\"urn:1C.ru:commerceml_2\" ",
            1,
        );
        let path = work.write(&format!("query-{version}.xml"), typed);
        validate_official(
            &format!("commerceml_{}.xsd", version.replace('.', "_")),
            &path,
        );
    }
    // What the ledger keeps of a lead of a mebibyte of customData: what its order carries.
    let ledger = rusqlite::Connection::open(work.join("exchange/state/ledger.sqlite")).unwrap();
    let longest: i64 = ledger
        .query_row("SELECT MAX(length(lead)) FROM leads", [], |row| row.get(0))
        .unwrap();
    assert!(longest < 2000, "{longest} characters");
}

/// Five leads converted, `serve` answering 1C with `config`.
fn five_leads(work: &Workdir, config: &str) -> Server {
    let webhooks: Vec<String> = (1..=5)
        .map(|i| webhook(&[(&format!("c{i}"), &format!("+7916000000{i}"))]))
        .collect();
    exchange_with(work, &webhooks, config)
}

/// 1C's report on the orders numbered `numbers` (posted in 1C), as УНФ 3 writes it, with
/// `padding` more orders that are not from bachata1c: some 700 bytes each.
fn report(numbers: &[u64], padding: usize) -> (Vec<OrderStatus>, Vec<u8>) {
    let mut orders: Vec<OrderStatus> = numbers
        .iter()
        .map(|n| {
            let mut order = OrderStatus::new(&format!("{n:06}"), &format!("СА-{n:08}"));
            order.posted = true;
            order
        })
        .collect();
    orders
        .extend((0..padding).map(|i| OrderStatus::new(&format!("ИМ-{i}"), &format!("СА-9{i:07}"))));
    let document = statuses::document(
        Profile::Unf3Other,
        false,
        UploadStyle::default(),
        "2024-05-02T10:00:00",
        &orders,
    );
    (orders, document)
}

fn states(work: &Workdir) -> Vec<(u64, String)> {
    let mut states: Vec<(u64, String)> = leads_json(work, "exchange")
        .iter()
        .map(|lead| {
            (
                lead["number"].as_u64().unwrap(),
                lead["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    states.sort();
    states
}

/// The files the state folder holds for uploads in progress, with their sizes.
fn uploads(work: &Workdir) -> Vec<u64> {
    work.list("exchange/state/uploads")
        .iter()
        .map(|name| {
            std::fs::metadata(work.join(&format!("exchange/state/uploads/{name}")))
                .unwrap()
                .len()
        })
        .collect()
}

/// A report that is no whole CommerceML document is refused with the reason, which 1C writes
/// into its exchange log («Произошла ошибка на стороне сервера. Файл не отправлен.» and the
/// answer: УТ11 ВыгрузитьНаСайт 6140‑6160, УНФ3 11226‑11245). SmB and УНФ 1.6 never send
/// `import`, so the answer to the part that ends the file is their only word: before, a
/// malformed file was answered `success` (taken for more parts to come) and 1C believed it
/// taken (issue 17 point 6). A part shorter than `file_limit` is the file's last: 1C cuts
/// every other part at exactly `file_limit` (`РазделитьФайл`, УТ11 РазделитьФайлыНаФрагменты
/// 6319, УНФ3 12761, SmB SplitFilesToFragments 6176).
#[test]
fn a_malformed_report_is_refused_with_its_reason() {
    let work = Workdir::new();
    let server = five_leads(&work, "");
    let onec = OneC::login(&server);
    let (_, whole) = report(&[1, 2], 0);
    let text = String::from_utf8(whole).unwrap();
    let cut = &text[..text.find("</Документ>").unwrap()];
    let broken = text.replacen("</Номер>", "</Ном>", 1);
    for (name, document, reason) in [
        ("orders-cut.xml", cut, "cut short"),
        ("orders-broken.xml", broken.as_str(), "not well-formed XML"),
        (
            "orders-text.xml",
            "Номер;Статус\n000001;В работе\n",
            "КоммерческаяИнформация",
        ),
    ] {
        let answers = onec.upload(name, document.as_bytes());
        let last = answers.last().unwrap();
        let lines: Vec<&str> = last.split('\n').collect();
        assert_eq!(lines[0], "failure", "{name}: {last}");
        assert!(
            lines[1].contains(name) && lines[1].contains(reason),
            "{name}: {last}"
        );
        // УТ11 asks for the import after the parts: the same refusal.
        let import = onec.get(&format!("type=sale&mode=import&filename={name}"));
        assert_eq!(&import, last, "{name}");
    }
    assert!(states(&work).iter().all(|(_, state)| state == "waiting"));
    assert!(uploads(&work).is_empty(), "a refused file is not kept");
    let (_, log) = server.stop();
    assert!(
        log.iter()
            .any(|line| line.contains("orders-cut.xml") && line.contains("cut short")),
        "{log:?}"
    );
}

/// A report whose size is a multiple of `file_limit` ends with a part of exactly
/// `file_limit` bytes: the part after which the document ends is its last, and the report is
/// taken there, with no `import` to wait for (SmB, УНФ 1.6).
#[test]
fn a_report_cut_into_full_parts_is_taken_at_its_last_part() {
    const LIMIT: usize = 4096;
    let work = Workdir::new();
    let server = five_leads(&work, &format!("[site_exchange]\nfile_limit = {LIMIT}\n"));
    let onec = OneC::login(&server);
    onec.take_orders();
    let (mut orders, _) = report(&[2, 4], 3);
    // A comment that brings the document to a multiple of the limit.
    let length = |orders: &[OrderStatus]| {
        statuses::document(
            Profile::Unf3Other,
            false,
            UploadStyle::default(),
            "2024-05-02T10:00:00",
            orders,
        )
    };
    orders[0].comment = "x".to_string();
    let short = LIMIT - length(&orders).len() % LIMIT;
    orders[0].comment = "x".repeat(1 + short);
    let document = length(&orders);
    assert_eq!(document.len() % LIMIT, 0);
    let answers = onec.upload("orders-full.xml", &document);
    assert!(answers.len() > 1);
    for answer in &answers[..answers.len() - 1] {
        assert!(answer.starts_with("success\n"), "{answer}");
    }
    assert!(answers.last().unwrap().starts_with("success\n"));
    let known: Vec<u64> = states(&work)
        .into_iter()
        .filter(|(_, state)| state == "known")
        .map(|(number, _)| number)
        .collect();
    assert_eq!(known, [2, 4], "{answers:?}");
    assert!(uploads(&work).is_empty());
}

/// A report of 24 MiB in parts of 256 KiB goes to the state folder part by part (one file,
/// growing), never into memory, and is read when whole; its file goes then. Before, each part
/// was appended in memory and the whole copied on every part (issue 17 point 6).
#[cfg(target_os = "linux")]
#[test]
fn a_large_report_goes_to_disk_part_by_part_not_into_memory() {
    const LIMIT: usize = 256 * 1024;
    let work = Workdir::new();
    let server = five_leads(&work, &format!("[site_exchange]\nfile_limit = {LIMIT}\n"));
    let onec = OneC::login(&server);
    onec.take_orders();
    let (_, document) = report(&[3], 36_000);
    assert!(document.len() > 24 << 20, "{}", document.len());
    let before = peak_kib(&server);
    let parts = statuses::parts(&document, LIMIT as i64);
    let name = "orders-large.xml";
    let mut halfway = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let answer = onec.post(&format!("type=sale&mode=file&filename={name}"), part);
        assert!(answer.starts_with("success\n"), "part {i}: {answer}");
        if i == parts.len() / 2 {
            halfway = uploads(&work);
        }
    }
    let grown = (peak_kib(&server) - before) / 1024;
    assert!(
        grown < 12,
        "serve grew by {grown} MiB for an upload of {} MiB",
        document.len() >> 20
    );
    assert_eq!(halfway, [((parts.len() / 2 + 1) * LIMIT) as u64]);
    assert!(uploads(&work).is_empty());
    assert!(states(&work).contains(&(3, "known".to_string())));
}

/// `POST` with a body written by another thread as the server reads it (so that the answer
/// is read even when the server stops reading early): `declared` as Content-Length, or
/// chunked; the answer's body.
fn post_streaming(
    server: &Server,
    cookie: &str,
    query: &str,
    declared: Option<u64>,
    body: u64,
) -> String {
    let mut stream = std::net::TcpStream::connect(server.address).unwrap();
    let framing = match declared {
        Some(length) => format!("Content-Length: {length}"),
        None => "Transfer-Encoding: chunked".to_string(),
    };
    write!(
        stream,
        "POST /1c_exchange.php?{query} HTTP/1.1\r\nHost: bachata1c\r\nCookie: {cookie}\r\n{framing}\r\n\r\n"
    )
    .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let chunked = declared.is_none();
    let sender = std::thread::spawn(move || {
        let chunk = vec![b' '; 1 << 20];
        let mut sent = 0;
        while sent < body {
            let written = if chunked {
                write!(writer, "{:x}\r\n", chunk.len())
                    .and_then(|()| writer.write_all(&chunk))
                    .and_then(|()| writer.write_all(b"\r\n"))
            } else {
                writer.write_all(&chunk)
            };
            if written.is_err() {
                break;
            }
            sent += chunk.len() as u64;
        }
    });
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let _ = stream.shutdown(std::net::Shutdown::Both);
    sender.join().unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or(answer)
}

/// A session may upload 64 MiB at most, however large `file_limit` is (which once set the
/// body's limit too: `file_limit = "100GiB"` let a POST be read into memory up to that): a
/// part announced past the bound is refused unread, one past it as it arrives is refused
/// there and taken back out of its file. 1C is told why.
#[test]
fn uploads_past_the_session_bound_are_refused_whatever_file_limit_says() {
    let work = Workdir::new();
    let server = five_leads(&work, "[site_exchange]\nfile_limit = \"100GiB\"\n");
    let onec = OneC::login(&server);
    let query = "type=sale&mode=file&filename=orders-huge.xml";
    let answer = post_streaming(&server, &onec.cookie, query, Some(65 << 20), 0);
    assert!(
        answer.starts_with("failure\norders-huge.xml: more than 64 MiB uploaded in one session"),
        "{answer}"
    );
    let answer = post_streaming(&server, &onec.cookie, query, None, 80 << 20);
    assert!(
        answer.starts_with("failure\norders-huge.xml: more than 64 MiB uploaded in one session"),
        "{answer}"
    );
    assert!(
        uploads(&work).iter().all(|size| *size == 0),
        "{:?}",
        uploads(&work)
    );
    // The session goes on: 1C's query still works in it.
    assert!(onec.get("type=sale&mode=query").starts_with("<?xml"));
}

/// Unfinished uploads go with their session: all of them when `serve` stops, and those a
/// killed `serve` left when the next one starts.
#[test]
fn unfinished_uploads_go_when_serve_stops_and_when_the_next_one_starts() {
    const LIMIT: usize = 4096;
    let work = Workdir::new();
    let config = format!("[site_exchange]\nfile_limit = {LIMIT}\n");
    let server = five_leads(&work, &config);
    let (_, document) = report(&[1], 20);
    let first = &document[..LIMIT];
    let onec = OneC::login(&server);
    let answer = onec.post("type=sale&mode=file&filename=orders-a.xml", first);
    assert_eq!(answer, "success\n");
    assert_eq!(uploads(&work), [LIMIT as u64]);
    let (code, log) = server.stop();
    assert_eq!(code, 0);
    assert!(
        log.iter()
            .any(|line| line.contains("part of orders-a.xml received")),
        "{log:?}"
    );
    assert!(uploads(&work).is_empty(), "removed when serve stopped");

    let server = serve(&work);
    let onec = OneC::login(&server);
    onec.post("type=sale&mode=file&filename=orders-b.xml", first);
    assert_eq!(uploads(&work), [LIMIT as u64]);
    server.kill();
    assert_eq!(uploads(&work), [LIMIT as u64], "a killed serve leaves it");
    let server = serve(&work);
    // Before any request is answered.
    OneC::login(&server);
    assert!(uploads(&work).is_empty(), "removed at start");
    let (_, log) = server.stop();
    assert!(
        log.iter()
            .any(|line| line.contains("removed 1 unfinished upload(s)")),
        "{log:?}"
    );
}
