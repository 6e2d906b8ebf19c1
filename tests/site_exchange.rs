//! 1C takes the leads itself: the real `bachata1c serve` on the loopback, called by a client
//! that behaves as 1C's «Обмен с сайтом» module does (tests/common/onec.rs: line parsing,
//! cookie, the `init` line count, the body check, the document gate, `success`, the status
//! upload, each rule citing the 1C procedure it comes from; docs/site-exchange-protocol.md).
mod common;

use std::time::{Duration, Instant};

use common::exchange::{leads_json, webhook};
use common::onec::{Client, OneCDatabase, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, run};

const USER: &str = "bachata";

/// An exchange folder with `webhooks` converted (so their leads are in the queue), and `serve`
/// answering 1C on it.
fn exchange_with(work: &Workdir, webhooks: &[String], extra: &[&str]) -> Server {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    for (i, body) in webhooks.iter().enumerate() {
        work.write(&format!("exchange/inbox/hook-{i:05}.json"), body);
    }
    let (code, stderr) = run(&mut work.bachata1c(&["run", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    serve(work, extra)
}

fn serve(work: &Workdir, extra: &[&str]) -> Server {
    let mut args = vec![
        "--dir",
        "exchange",
        "--user",
        USER,
        "--password-env",
        "BACHATA1C_TEST_PASSWORD",
    ];
    args.extend_from_slice(extra);
    Server::start(work, &args)
}

/// The address a dealer types into 1C's node.
fn node_address(server: &Server) -> String {
    server.url("/1c_exchange.php")
}

fn client(server: &Server, profile: Profile) -> Client {
    Client::new(&node_address(server), USER, PASSWORD, profile)
}

/// Five clients, two of them named «Иван» with different phones, one with an e-mail.
fn five_leads() -> Vec<String> {
    vec![
        r#"{"event":"dialog_completed","dialogId":"d1","clients":[{"clientId":"c1","name":"Иван","phone":"+7 916 000-00-01"},{"clientId":"c2","name":"Иван","phone":"8 916 000-00-02"}]}"#.to_string(),
        r#"{"event":"dialog_completed","dialogId":"d2","clients":[{"clientId":"c3","name":"Петров Пётр Петрович","phone":"+79160000003","email":"p@example.ru","customData":{"VIN":"XTA21099","Интерес":"Тест-драйв"}}]}"#.to_string(),
        webhook(&[("c4", "+79160000004"), ("c5", "+375291234567"), ("c6", "")]),
    ]
}

/// `bachata1c leads --format json`, as a script reads it.
fn leads(work: &Workdir) -> Vec<serde_json::Value> {
    leads_json(work, "exchange")
}

fn states(work: &Workdir) -> Vec<String> {
    let mut states: Vec<String> = leads(work)
        .iter()
        .map(|lead| lead["state"].as_str().unwrap().to_string())
        .collect();
    states.sort();
    states
}

/// Each client profile takes every lead exactly once as an order: the first exchange creates
/// five orders, a second one offers nothing; no two clients merge into one counterparty (УТ 11
/// finds a private client by `Наименование`, УТ11‑П ИдентифицироватьКонтрагента 2384); the
/// phone and e-mail are contact types 1C recognises (УТ11 4853, УТ11‑УТ 786/793).
#[test]
fn every_client_profile_takes_each_lead_exactly_once_as_an_order() {
    for profile in Profile::ALL {
        let work = Workdir::new();
        let server = exchange_with(&work, &five_leads(), &[]);
        let mut db = OneCDatabase::new(profile);
        let mut onec = client(&server, profile);
        let first = onec
            .exchange(&mut db)
            .unwrap_or_else(|err| panic!("{}: {err}\n{:?}", profile.name(), server.lines()));
        assert_eq!(first.created().len(), 5, "{}: {first:?}", profile.name());
        let again = client(&server, profile).exchange(&mut db).unwrap();
        assert!(
            again.orders.is_empty(),
            "{}: offered again: {again:?}",
            profile.name()
        );
        assert_eq!(db.orders().len(), 5);
        // Numbers: digits, distinct, as 1C keeps them.
        let mut numbers: Vec<&str> = db.orders().iter().map(|o| o.site_number.as_str()).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 5);
        assert!(
            numbers
                .iter()
                .all(|n| n.bytes().all(|b| b.is_ascii_digit()))
        );
        // Every order has its own counterparty, with the phone 1C recognised.
        let mut counterparties: Vec<&str> = db
            .orders()
            .iter()
            .map(|o| db.counterparty_of(o).expect("a counterparty").name.as_str())
            .collect();
        counterparties.sort();
        counterparties.dedup();
        assert_eq!(
            counterparties.len(),
            5,
            "{}: {counterparties:?}",
            profile.name()
        );
        for order in db.orders() {
            let counterparty = db.counterparty_of(order).unwrap();
            assert!(
                !counterparty.legal_entity,
                "a chat visitor is a private person"
            );
            if profile == Profile::Ut11 || profile == Profile::Unf3Other {
                assert_eq!(counterparty.phones.len(), 1, "{counterparty:?}");
                assert!(counterparty.dropped_contacts.is_empty(), "{counterparty:?}");
            }
            assert!(!order.cancelled);
        }
        assert_eq!(states(&work), vec!["confirmed"; 5], "{}", profile.name());
    }
}

/// Nothing is confirmed by a query alone: `serve` killed (as a power cut) between 1C's query
/// and its `success` offers the same leads again, with the same Номер and Ид, so 1C refills
/// the orders it may already have made instead of making them twice.
#[test]
fn a_query_cut_off_before_success_offers_the_same_leads_again() {
    let work = Workdir::new();
    let server = exchange_with(&work, &five_leads(), &[]);
    let mut onec = client(&server, Profile::Ut11);
    onec.checkauth().unwrap();
    let first = onec.query().unwrap();
    assert_eq!(first.len(), 5);
    assert_eq!(states(&work), vec!["offered"; 5]);
    server.kill();

    let server = serve(&work, &[]);
    // 1C's success with the old cookie reaches a new process: it confirms nothing.
    assert!(onec.success().is_err());
    let mut onec = client(&server, Profile::Ut11);
    onec.checkauth().unwrap();
    let second = onec.query().unwrap();
    let key = |o: &common::onec::Order| (o.number().to_string(), o.id.clone());
    let mut a: Vec<_> = first.iter().map(key).collect();
    let mut b: Vec<_> = second.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same Номер and Ид");
    onec.success().unwrap();
    assert_eq!(states(&work), vec!["confirmed"; 5]);
    // And 1C, which had imported the first answer, refills rather than duplicates.
    let mut db = OneCDatabase::new(Profile::Ut11);
    db.import(&first).unwrap();
    let refill = db.import(&second).unwrap();
    assert!(refill.created().is_empty(), "{refill:?}");
    assert_eq!(db.orders().len(), 5);
}

/// A `success` for a query never made confirms nothing: the leads are still offered after it.
#[test]
fn success_without_a_query_confirms_nothing() {
    let work = Workdir::new();
    let server = exchange_with(&work, &five_leads(), &[]);
    let mut onec = client(&server, Profile::Smb16);
    onec.checkauth().unwrap();
    onec.success().unwrap();
    assert_eq!(states(&work), vec!["waiting"; 5]);
    assert_eq!(onec.query().unwrap().len(), 5);
}

/// What 1C uploads about its orders (its number, date, posted, status) shows in `leads`:
/// the document 1C writes (УНФ3 ДобавитьЗначенияРеквизитовЗаказаXDTO 9131), in parts of
/// `file_limit` bytes under one file name (rule 17), read on `file` (SmB never sends `import`).
#[test]
fn what_1c_reports_about_its_orders_shows_in_leads() {
    for profile in [Profile::Unf3Other, Profile::Ut11, Profile::Smb16] {
        let work = Workdir::new();
        work.write(
            "exchange/bachata1c.toml",
            "[site_exchange]\nfile_limit = 700\n",
        );
        let server = exchange_with(&work, &five_leads(), &[]);
        let mut db = OneCDatabase::new(profile);
        // A small file_limit: a query holds as many orders as fit (at least one), the rest
        // come in the next exchanges.
        while !client(&server, profile)
            .exchange(&mut db)
            .unwrap()
            .orders
            .is_empty()
        {}
        assert_eq!(db.orders().len(), 5);
        let site_number = db.orders()[1].site_number.clone();
        db.change(&site_number, |order| {
            order.posted = true;
            order.status = Some("В работе".to_string());
        });
        let upload = client(&server, profile)
            .upload_statuses(&db.pending_statuses())
            .unwrap()
            .expect("an upload");
        assert!(upload.parts > 1, "split at file_limit: {}", upload.parts);
        let listed = leads(&work);
        let lead = listed
            .iter()
            .find(|lead| lead["number"].as_u64() == site_number.parse::<u64>().ok())
            .unwrap();
        assert_eq!(lead["state"], "known", "{}: {lead}", profile.name());
        assert_eq!(lead["posted"], true);
        assert_eq!(lead["cancelled"], false);
        assert_eq!(
            lead["onec_number"].as_str(),
            Some(db.orders()[1].number.as_str())
        );
        if profile == Profile::Unf3Other {
            assert_eq!(lead["status"], "В работе");
        }
        let others = listed.iter().filter(|l| l["state"] == "confirmed").count();
        assert_eq!(others, 4);
    }
}

/// An address without a path makes 1C call `bitrix/admin/1c_exchange.php` (УТ11
/// РазобратьАдресСайта 7199, SmB AnalyzeSiteAddress 7501): answered there too.
#[test]
fn a_node_address_without_a_path_reaches_the_exchange() {
    let work = Workdir::new();
    let server = exchange_with(&work, &five_leads(), &[]);
    let address = server.url("");
    let mut db = OneCDatabase::new(Profile::Ut11);
    let imported = Client::new(&address, USER, PASSWORD, Profile::Ut11)
        .exchange(&mut db)
        .unwrap();
    assert_eq!(imported.created().len(), 5);
}

/// A wrong password is refused at 1C's connection test (a 401 and no `success`, so 1C
/// cancels the exchange: УТ11‑С ВыполнитьОбмен 121); nothing is offered.
#[test]
fn a_wrong_password_is_refused_and_nothing_is_offered() {
    let work = Workdir::new();
    let server = exchange_with(&work, &five_leads(), &[]);
    let mut db = OneCDatabase::new(Profile::Ut11);
    let err = Client::new(&node_address(&server), USER, "wrong", Profile::Ut11)
        .exchange(&mut db)
        .unwrap_err();
    assert!(format!("{err}").to_lowercase().contains("auth"), "{err}");
    assert_eq!(states(&work), vec!["waiting"; 5]);
}

/// Leads posted as webhooks to the same `serve --convert` reach 1C's query: the whole way.
#[test]
fn webhooks_posted_to_serve_reach_1c_through_the_queue() {
    let work = Workdir::new();
    let (code, _) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0);
    let server = serve(&work, &["--convert"]);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let auth = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{USER}:{PASSWORD}")
        )
    );
    for body in five_leads() {
        let response = agent
            .post(server.url("/webhook"))
            .header("Authorization", &auth)
            .send(body.as_bytes())
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let start = Instant::now();
    while leads(&work).len() < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{:?}",
            server.lines()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut db = OneCDatabase::new(Profile::Unf3Bitrix);
    let imported = client(&server, Profile::Unf3Bitrix)
        .exchange(&mut db)
        .unwrap();
    assert_eq!(imported.created().len(), 5);
    assert!(
        server
            .lines()
            .iter()
            .any(|l| l.contains("1C sale/query: offered 5 lead(s)")),
        "{:?}",
        server.lines()
    );
}

/// A node set to exchange goods too gets through: goods are taken and dropped, and the order
/// exchange goes on (protocol note §5).
#[test]
fn goods_sent_by_1c_are_dropped_and_orders_still_go_through() {
    let work = Workdir::new();
    let server = exchange_with(&work, &five_leads(), &[]);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let url = |query: &str| format!("{}?{query}", node_address(&server));
    let auth = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{USER}:{PASSWORD}")
        )
    );
    let login = agent
        .get(url("type=catalog&mode=checkauth"))
        .header("Authorization", &auth)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let lines: Vec<&str> = login.split('\n').collect();
    assert_eq!(lines[0], "success", "{login}");
    let cookie = format!("{}={}", lines[1], lines[2]);
    for query in [
        "type=catalog&mode=init",
        "type=catalog&mode=file&filename=import0_1.xml",
        "type=catalog&mode=import&filename=import0_1.xml",
    ] {
        let request = agent.post(url(query)).header("Cookie", &cookie);
        let mut response = request.send(&b"<?xml version=\"1.0\"?><x/>"[..]).unwrap();
        let text = response.body_mut().read_to_string().unwrap();
        let first = text.split('\n').next().unwrap_or("");
        assert!(first == "success" || first == "zip=no", "{query}: {text}");
    }
    let mut db = OneCDatabase::new(Profile::Ut11);
    let imported = client(&server, Profile::Ut11).exchange(&mut db).unwrap();
    assert_eq!(imported.created().len(), 5);
    assert!(
        server
            .lines()
            .iter()
            .any(|l| l.contains("goods file import0_1.xml")),
        "{:?}",
        server.lines()
    );
}

/// 10,000 leads through the protocol with a small `file_limit`: every one arrives, none twice,
/// each query within the limit, and the server's memory stays flat.
#[cfg(target_os = "linux")]
#[test]
fn ten_thousand_leads_arrive_once_each_in_queries_within_file_limit() {
    let work = Workdir::new();
    work.write(
        "exchange/bachata1c.toml",
        "[site_exchange]\nfile_limit = 65536\n",
    );
    let webhooks: Vec<String> = (0..100)
        .map(|f| {
            let ids: Vec<(String, String)> = (0..100)
                .map(|c| (format!("f{f}c{c}"), format!("+7916{:07}", f * 100 + c)))
                .collect();
            let pairs: Vec<(&str, &str)> =
                ids.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            webhook(&pairs)
        })
        .collect();
    let server = exchange_with(&work, &webhooks, &[]);
    let peak = || {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap()
    };
    // Each answer read and gated as 1C's import does; whether 1C makes one order of each is
    // the other tests' part (the simulated 1C's lookups would make this one quadratic).
    let mut seen = std::collections::BTreeSet::new();
    let mut queries = 0;
    let mut after_first = 0;
    loop {
        let mut onec = client(&server, Profile::Unf3Other);
        onec.checkauth().unwrap();
        let text = onec.query_text().unwrap();
        assert!(text.len() <= 65_536, "a query of {} bytes", text.len());
        let orders = common::onec::orders::read_orders(&text, Profile::Unf3Other).unwrap();
        common::onec::orders::document_gate(&orders).unwrap();
        if orders.is_empty() {
            break;
        }
        queries += 1;
        for order in &orders {
            assert!(
                seen.insert(order.number().to_string()),
                "{} twice",
                order.number()
            );
        }
        onec.success().unwrap();
        if queries == 1 {
            after_first = peak();
        }
    }
    assert_eq!(seen.len(), 10_000);
    assert!(queries > 50, "{queries} queries");
    let grown = (peak() - after_first) / 1024;
    assert!(
        grown < 20,
        "memory grew by {grown} MiB over {queries} queries"
    );
    assert_eq!(
        states(&work).iter().filter(|s| *s == "confirmed").count(),
        10_000
    );
}

/// The same 1C client through the nginx example (deploy/nginx/bachata1c.conf), its TLS lines
/// left out (the test speaks plain HTTP to it on the loopback): the exchange paths, the
/// login and the bodies pass as they do directly.
#[test]
fn the_1c_client_goes_through_the_nginx_example() {
    let work = Workdir::new();
    let server = exchange_with(&work, &five_leads(), &[]);
    let Some(nginx) = common::nginx::Nginx::start(&work, server.address) else {
        return;
    };
    let mut db = OneCDatabase::new(Profile::Ut11);
    let result = Client::new(
        &nginx.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    )
    .exchange(&mut db);
    let nginx_log = nginx.errors();
    drop(nginx);
    let imported = result.unwrap_or_else(|err| panic!("{err}\n{nginx_log}\n{:?}", server.lines()));
    assert_eq!(imported.created().len(), 5);
    // Forwarded by nginx, as the log shows.
    assert!(
        server
            .lines()
            .iter()
            .any(|l| l.contains("forwarded for 127.0.0.1")),
        "{:?}",
        server.lines()
    );
    assert_eq!(states(&work), vec!["confirmed"; 5]);
}

/// One `Номер` per lead whichever way 1C takes it: the CommerceML files `run` writes into the
/// outbox number their orders from the ledger's queue, so 1C, reading a file and then calling
/// the exchange (УНФ `ПолучитьНомерДокументаССайта` keeps the digits; every profile finds a
/// re-sent order by that number), meets the same order twice and updates it, and never meets
/// two leads under one number (8-digit hashes would, in about 1 of 2 pairs of 10,000 leads).
#[test]
fn files_in_the_outbox_carry_the_numbers_the_exchange_offers() {
    let work = Workdir::new();
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    for (i, body) in five_leads().iter().enumerate() {
        work.write(&format!("exchange/inbox/hook-{i:05}.json"), body);
    }
    let (code, stderr) =
        run(&mut work.bachata1c(&["run", "--dir", "exchange", "--format", "commerceml"]));
    assert_eq!(code, 0, "{stderr}");
    let mut in_files: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(work.path().join("exchange/outbox")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "xml") {
            continue;
        }
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        for order in
            common::onec::orders::read_orders(text.trim_start_matches('\u{FEFF}'), Profile::Ut11)
                .unwrap()
        {
            in_files.push((order.number.clone().unwrap(), order.id.clone()));
        }
    }
    in_files.sort();
    let server = serve(&work, &[]);
    let mut onec = client(&server, Profile::Ut11);
    onec.checkauth().unwrap();
    onec.init().unwrap();
    let mut offered: Vec<(String, String)> = onec
        .query()
        .unwrap()
        .iter()
        .map(|order| (order.number.clone().unwrap(), order.id.clone()))
        .collect();
    offered.sort();
    assert_eq!(in_files.len(), 5);
    assert_eq!(in_files, offered);
    let mut numbers: Vec<&str> = in_files.iter().map(|(n, _)| n.as_str()).collect();
    numbers.dedup();
    assert_eq!(numbers.len(), 5, "{in_files:?}");
}
