//! `--commerceml-file NAME` (`[output] commerceml_file`): the one orders file 1C's «Обмен с
//! сайтом» reads when its node exchanges through a directory. 1C reads one fixed path at every
//! exchange, fails when it is missing, never deletes or renames it, and finds re-read orders by
//! `Номер` (docs/site-exchange-protocol.md §8). So bachata1c keeps `<outbox>/NAME` always
//! present, holding every lead of the window once, numbered as the ledger numbers them.
//!
//! Each test reads the file back the way 1C does, with the emulator's directory mode
//! (tests/common/onec/directory.rs), and names the 1C procedure whose rule it encodes.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use common::exchange::{CRASH_STEPS, archived, fill_inbox, leads_json, webhook};
use common::onec::directory::file_text;
use common::onec::orders::{document_gate, read_orders};
use common::onec::{
    Client, ImportOutcome, OneCDatabase, OneCError, Order, Profile, read_orders_file,
};
use common::server::{PASSWORD, Server};
use common::{Workdir, run, validate_official, xml_text};

const FILE: &str = "orders.xml";
const NS: &str = "urn:1C.ru:commerceml_2";
const USER: &str = "bachata";

/// `run --dir .` in directory mode, quiet, with `extra` options.
fn mode(wd: &Workdir, extra: &[&str]) -> std::process::Command {
    let mut command = wd.bachata1c(&["run", "--dir", ".", "-q", "--format", "commerceml"]);
    command.args(["--commerceml-file", FILE]).args(extra);
    command
}

fn run_mode(wd: &Workdir, extra: &[&str]) -> (i32, String) {
    run(&mut mode(wd, extra))
}

fn orders_path(wd: &Workdir) -> PathBuf {
    wd.join(&format!("outbox/{FILE}"))
}

/// Validates the orders file against the official schema `xsd`. The file has no namespace (see
/// [`the_orders_file_dates_each_order_when_its_lead_came_like_the_http_answer`]) and the schema
/// has a target one, so the very same elements are validated put into it: the root gets
/// `xmlns="urn:1C.ru:commerceml_2"`, which unqualified children inherit, and nothing else changes.
fn validate_orders_file(wd: &Workdir, xsd: &str) {
    let text = xml_text(&wd.read(&format!("outbox/{FILE}")));
    let root = "<КоммерческаяИнформация ";
    let start = text.find(root).expect("the root element");
    let tag = &text[start..start + text[start..].find('>').expect("the root's end")];
    assert!(
        !tag.contains("xmlns"),
        "the orders file has a namespace: {tag}"
    );
    let namespaced = text.replacen(root, &format!("{root}xmlns=\"{NS}\" "), 1);
    validate_official(xsd, &wd.write("orders-in-namespace.xml", namespaced));
}

/// The file's orders as 1C reads them (УТ11's reading: UTF-8 forced, the document gate), with
/// no database: what any 1C would get from it.
fn file_orders(wd: &Workdir) -> Vec<Order> {
    let bytes = wd.read(&format!("outbox/{FILE}"));
    let xml = file_text(Profile::Ut11, &bytes);
    let orders = read_orders(&xml, Profile::Ut11).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    document_gate(&orders).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    orders
}

/// The phone an order carries, as the «Телефон рабочий» contact of its counterparty.
fn phone(order: &Order) -> String {
    let counterparty = order.counterparty.as_ref().expect("a counterparty");
    counterparty
        .contacts
        .iter()
        .find(|c| c.kind == "Телефон рабочий")
        .map(|c| c.value.clone())
        .unwrap_or_else(|| panic!("no phone in {counterparty:?}"))
}

/// Номер by phone, checking rule 11 on the way: decimal digits only, at least six of them
/// (as 1C pads them, УНФ3 ПолучитьНомерДокументаССайта 5416), one number per order.
fn numbers_by_phone(orders: &[Order]) -> BTreeMap<String, String> {
    let mut numbers = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for order in orders {
        let number = order.number().to_string();
        assert!(
            number.len() >= 6 && number.bytes().all(|b| b.is_ascii_digit()),
            "Номер {number:?} is not 6+ digits"
        );
        assert!(seen.insert(number.clone()), "Номер {number} twice");
        let previous = numbers.insert(phone(order), number);
        assert!(
            previous.is_none(),
            "a lead twice in the file: {}",
            phone(order)
        );
    }
    numbers
}

/// The visible names in the outbox: with the mode on, only the orders file (no per-input
/// `bachata-*.xml`, no leftover temporary file; hidden staging folders excepted).
fn assert_only_the_orders_file(wd: &Workdir) {
    let visible: Vec<String> = wd
        .list("outbox")
        .into_iter()
        .filter(|name| !name.starts_with('.'))
        .collect();
    assert_eq!(
        visible,
        [FILE],
        "the outbox holds more than the orders file"
    );
}

/// `bachata1c leads --format json`: (phone, Номер as the file writes it) per lead.
fn listed(wd: &Workdir) -> Vec<(String, String)> {
    let rows = leads_json(wd, ".");
    rows.iter()
        .map(|row| {
            (
                row["phone"].as_str().unwrap().to_string(),
                format!("{:06}", row["number"].as_u64().unwrap()),
            )
        })
        .collect()
}

/// [`listed`] as Номер by phone, for leads that all have a distinct phone.
fn listed_numbers(wd: &Workdir) -> BTreeMap<String, String> {
    let rows = listed(wd);
    let numbers: BTreeMap<String, String> = rows.iter().cloned().collect();
    assert_eq!(
        numbers.len(),
        rows.len(),
        "two leads with one phone: {rows:?}"
    );
    numbers
}

/// A webhook file in the inbox, with its modification time (bachata1c's «received at») set
/// `age` in the past.
fn hook_received(wd: &Workdir, name: &str, clients: &[(&str, &str)], age: Duration) {
    let path = wd.write(&format!("inbox/{name}"), webhook(clients));
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(SystemTime::now() - age)
        .unwrap();
}

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// (a) `ЗагрузитьЗаказыИзФайла` fails the import when the file is missing, «Файл загрузки не
/// найден» (УТ11 3979‑3987, УНФ3 3300‑3308, SmB ImportOrdersFromFile 2683‑2690), so the file
/// must be there from the first run on, leads or not; a document without `Документ` is «Нет
/// документов для обработки.», a success (УТ11 ЗагрузитьЗаказы 4020‑4023, УНФ3 3343‑3347).
#[test]
fn an_empty_inbox_still_gives_1c_an_orders_file_without_documents() {
    let wd = Workdir::new();
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "--dir", "."]));
    assert_eq!(code, 0, "{stderr}");
    // What 1C makes of the node before bachata1c ever ran.
    let err = read_orders_file(&mut OneCDatabase::new(Profile::Ut11), &orders_path(&wd));
    assert!(matches!(err, Err(OneCError::ImportFileNotFound { .. })));

    let (code, stderr) = run_mode(&wd, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_only_the_orders_file(&wd);
    let bytes = wd.read(&format!("outbox/{FILE}"));
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "UTF-8 with a byte-order mark: {:?}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(60)])
    );
    let text = xml_text(&bytes);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert!(
        root.has_tag_name("КоммерческаяИнформация"),
        "no namespace: {text}"
    );
    assert_eq!(root.attribute("ВерсияСхемы"), Some("2.10"));
    assert!(root.attribute("ДатаФормирования").is_some(), "{text}");
    assert!(
        !root.children().any(|n| n.has_tag_name("Документ")),
        "{text}"
    );
    validate_orders_file(&wd, "commerceml_2_10.xsd");
    for profile in Profile::ALL {
        let mut db = OneCDatabase::new(profile);
        let imported = read_orders_file(&mut db, &orders_path(&wd))
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        assert!(imported.orders.is_empty(), "{profile}");
    }

    // `--cml-version 2.08` for older releases: the file is rewritten at the start of the run.
    let (code, stderr) = run_mode(&wd, &["--cml-version", "2.08"]);
    assert_eq!(code, 0, "{stderr}");
    let text = xml_text(&wd.read(&format!("outbox/{FILE}")));
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(doc.root_element().attribute("ВерсияСхемы"), Some("2.08"));
    validate_orders_file(&wd, "commerceml_2_08.xsd");
}

/// (b) 1C reads the same fixed file at every exchange and never deletes it (УТ11
/// ЗагрузитьЗаказыИзФайла 3977‑3995, УНФ3 3298‑3316), so each run's file holds the earlier
/// leads too; 1C finds them again by `Номер` (УНФ3 ПолучитьРанееЗагруженныеДокументы 3835,
/// СоздатьОбновитьЗаказы 3959; УТ11 ЗагрузитьЗаказы 4025‑4055) and refills them instead of
/// creating them twice. Counterparties stay apart: УТ11 finds a private client by `Наименование`
/// alone (УТ11‑П ИдентифицироватьКонтрагента 2384), УНФ by phone first (НайтиСоздатьКонтрагента
/// 15744).
#[test]
fn two_runs_give_1c_every_lead_once_and_the_second_read_updates_the_first() {
    let wd = Workdir::new();
    wd.write(
        "inbox/hook-1.json",
        webhook(&[("c1", "+79160000001"), ("c2", "+79160000002")]),
    );
    wd.write("inbox/hook-2.json", webhook(&[("c3", "+79160000003")]));
    let (code, stderr) = run_mode(&wd, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_only_the_orders_file(&wd);
    let first = numbers_by_phone(&file_orders(&wd));
    assert_eq!(first.len(), 3, "{first:?}");
    let mut dbs: Vec<OneCDatabase> = Profile::ALL.into_iter().map(OneCDatabase::new).collect();
    for db in &mut dbs {
        let imported = read_orders_file(db, &orders_path(&wd))
            .unwrap_or_else(|e| panic!("{}: {e}", db.profile()));
        assert_eq!(imported.created().len(), 3, "{}", db.profile());
    }

    wd.write(
        "inbox/hook-3.json",
        webhook(&[("c4", "+79160000004"), ("c5", "+79160000005")]),
    );
    let (code, stderr) = run_mode(&wd, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_only_the_orders_file(&wd);
    let second = numbers_by_phone(&file_orders(&wd));
    assert_eq!(second.len(), 5, "{second:?}");
    for (phone, number) in &first {
        assert_eq!(second.get(phone), Some(number), "a lead's Номер changed");
    }
    for db in &mut dbs {
        let profile = db.profile();
        let imported =
            read_orders_file(db, &orders_path(&wd)).unwrap_or_else(|e| panic!("{profile}: {e}"));
        let mut refilled: Vec<&str> = imported.with(ImportOutcome::Refilled);
        refilled.sort_unstable();
        let mut earlier: Vec<&str> = first.values().map(String::as_str).collect();
        earlier.sort_unstable();
        assert_eq!(refilled, earlier, "{profile}: {imported:?}");
        assert_eq!(imported.created().len(), 2, "{profile}: {imported:?}");
        assert_eq!(db.orders().len(), 5, "{profile}");
        for number in second.values() {
            assert_eq!(db.orders_for(number).len(), 1, "{profile}: {number}");
        }
        let counterparties: BTreeSet<&str> = db
            .orders()
            .iter()
            .map(|o| db.counterparty_of(o).expect("a counterparty").name.as_str())
            .collect();
        assert_eq!(counterparties.len(), 5, "{profile}: {counterparties:?}");
        assert!(db.orders().iter().all(|o| !o.cancelled), "{profile}");
    }
}

/// (c) In directory mode 1C reads only its one `ФайлЗагрузки` and never scans the folder
/// (УТ11 ЗагрузитьЗаказыИзФайла 3977, УНФ3 3298; docs/site-exchange-protocol.md §8), so
/// per-input files would only pile up: none is written. The example inbox's leads are all in
/// the one file, which validates against the official schema and which every profile imports.
#[test]
fn the_example_inbox_gives_one_valid_orders_file_and_no_per_input_files() {
    let wd = Workdir::new();
    let fixtures = common::inbox_fixtures();
    for name in &fixtures {
        wd.fixture(&format!("inbox/{name}"), &format!("inbox/{name}"));
    }
    let (code, stderr) = run_mode(&wd, &["--no-require-phone"]);
    assert!(code == 0 || code == 1, "{code}: {stderr}");
    assert_only_the_orders_file(&wd);
    assert!(
        !wd.list("outbox").iter().any(|n| n.starts_with("bachata-")),
        "{:?}",
        wd.list("outbox")
    );
    assert!(wd.list("inbox").iter().all(|n| n.starts_with('.')));
    validate_orders_file(&wd, "commerceml_2_10.xsd");
    let xml = file_text(Profile::Ut11, &wd.read(&format!("outbox/{FILE}")));
    let orders = read_orders(&xml, Profile::Ut11).unwrap();
    assert!(!orders.is_empty(), "{xml}");
    let in_file: BTreeSet<&str> = orders.iter().map(Order::number).collect();
    assert_eq!(in_file.len(), orders.len(), "Номер twice: {xml}");
    let in_ledger: BTreeSet<String> = listed(&wd).into_iter().map(|(_, n)| n).collect();
    assert_eq!(
        in_file,
        in_ledger
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
    );
    for profile in Profile::ALL {
        let mut db = OneCDatabase::new(profile);
        let imported = read_orders_file(&mut db, &orders_path(&wd))
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        assert_eq!(imported.created().len(), orders.len(), "{profile}");
    }
}

/// (d) 1C finds an order again only by the `Номер` it was first read with (УНФ3
/// ПолучитьРанееЗагруженныеДокументы 3835, УТ11 ЗагрузитьЗаказы 4025‑4055), whether it came from
/// the file or from `mode=query` (the same `ЗагрузитьЗаказы`, УТ11 ЗагрузитьЗаказыССайта 3869):
/// the file's numbers are the ledger's, as `leads` lists them and as the HTTP exchange offers
/// them, so a node switched from directory to site does not create every order again.
#[test]
fn the_file_numbers_are_the_ledger_numbers_the_http_exchange_offers() {
    let wd = Workdir::new();
    wd.write(
        "inbox/hook-1.json",
        webhook(&[("c1", "+79160000011"), ("c2", "+79160000012")]),
    );
    wd.write("inbox/hook-2.json", webhook(&[("c3", "+79160000013")]));
    let (code, stderr) = run_mode(&wd, &[]);
    assert_eq!(code, 0, "{stderr}");
    let in_file = numbers_by_phone(&file_orders(&wd));
    assert_eq!(in_file.len(), 3);
    assert_eq!(listed_numbers(&wd), in_file);

    let server = Server::start(
        &wd,
        &[
            "--dir",
            ".",
            "--user",
            USER,
            "--password-env",
            "BACHATA1C_TEST_PASSWORD",
        ],
    );
    let mut onec = Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    );
    onec.checkauth()
        .unwrap_or_else(|e| panic!("{e}\n{:?}", server.lines()));
    let offered = onec
        .query()
        .unwrap_or_else(|e| panic!("{e}\n{:?}", server.lines()));
    assert_eq!(numbers_by_phone(&offered), in_file);
}

/// (e) `ЗагрузитьЗаказы` fills every order it finds again at every exchange (УНФ3
/// СоздатьОбновитьЗаказы 3959‑4040 overwrites a manager's edits unless the order is «Завершен»,
/// 3964‑3974), so the file holds a window of recent leads, not the whole ledger: by the time
/// the webhook was received, 30 days by default, `--commerceml-window-days` otherwise.
#[test]
fn the_file_holds_the_leads_received_within_the_window() {
    let wd = Workdir::new();
    hook_received(&wd, "old.json", &[("old", "+79160000040")], 40 * DAY);
    hook_received(&wd, "new.json", &[("new", "+79160000041")], Duration::ZERO);
    let (code, stderr) = run_mode(&wd, &[]);
    assert_eq!(code, 0, "{stderr}");
    let phones = |wd: &Workdir| -> Vec<String> { file_orders(wd).iter().map(phone).collect() };
    assert_eq!(phones(&wd), ["+79160000041"], "40 days is outside 30");
    assert_eq!(listed_numbers(&wd).len(), 2, "the ledger has both");

    // A wider window: the file is rewritten at the start of the run, inbox empty or not.
    let (code, stderr) = run_mode(&wd, &["--commerceml-window-days", "60"]);
    assert_eq!(code, 0, "{stderr}");
    let mut both = phones(&wd);
    both.sort();
    assert_eq!(both, ["+79160000040", "+79160000041"]);
    assert_eq!(
        numbers_by_phone(&file_orders(&wd)),
        listed_numbers(&wd),
        "the same numbers as the ledger"
    );
    let mut db = OneCDatabase::new(Profile::Unf3Other);
    assert_eq!(
        read_orders_file(&mut db, &orders_path(&wd))
            .unwrap()
            .created()
            .len(),
        2
    );
    // And narrower again.
    let (code, stderr) = run_mode(&wd, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(phones(&wd), ["+79160000041"]);
    assert_only_the_orders_file(&wd);
}

/// (f) The dealer sets the mode once in the config, as the node's «Файл загрузки заказов» is set
/// once in 1C (УТ11 `ExchangePlans/ОбменССайтом.xml` ФайлЗагрузки, 1343; УНФ3 ObjectModule
/// ДобавитьПроверяемыеРеквизиты 128): `[output] commerceml_file` and `commerceml_window_days`
/// do what the options do.
#[test]
fn the_config_file_turns_the_mode_on_like_the_options() {
    let wd = Workdir::new();
    wd.write(
        "bachata1c.toml",
        "[output]\nformat = \"commerceml\"\ncommerceml_file = \"orders.xml\"\ncommerceml_window_days = 60\n",
    );
    hook_received(&wd, "old.json", &[("old", "+79160000050")], 40 * DAY);
    hook_received(&wd, "new.json", &[("new", "+79160000051")], Duration::ZERO);
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", ".", "-q"]));
    assert_eq!(code, 0, "{stderr}");
    assert_only_the_orders_file(&wd);
    let numbers = numbers_by_phone(&file_orders(&wd));
    assert_eq!(numbers.len(), 2, "the config's 60 days: {numbers:?}");
    assert_eq!(numbers, listed_numbers(&wd));
    validate_orders_file(&wd, "commerceml_2_10.xsd");
}

/// (f) What the mode cannot honour is refused before anything moves (exit 2, the option
/// named): another format is no file 1C's directory exchange reads (it parses CommerceML with
/// `ФабрикаXDTO.ПрочитатьXML`, УТ11 ДанныеЗаказовВXDTO 4127, УНФ3 ПолучитьЗаказыXDTO 3789);
/// `--batch` would write a second kind of file beside it; and 1C reads one file of the outbox
/// it was pointed at (`ФайлЗагрузки`, one full path), so the name is a plain file name.
#[test]
fn directory_mode_refuses_what_it_cannot_honour() {
    // The options exist: clap's «unexpected argument» (also exit 2) must not pass this test.
    for command in ["run", "watch", "serve"] {
        let help = Workdir::new()
            .bachata1c(&[command, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&help.stdout);
        for option in ["--commerceml-file", "--commerceml-window-days"] {
            assert!(help.contains(option), "`{command} --help` lacks {option}");
        }
    }
    let cases: [(&[&str], &str); 7] = [
        (
            &["run", "--format", "csv", "--commerceml-file", "orders.xml"],
            "--commerceml-file",
        ),
        // УТ 11 reads the file as UTF-8 whatever it declares (docs/site-exchange-protocol.md §8.3).
        (
            &[
                "run",
                "--format",
                "commerceml",
                "--encoding",
                "windows-1251",
                "--commerceml-file",
                "orders.xml",
            ],
            "--commerceml-file",
        ),
        (
            &[
                "run",
                "--format",
                "commerceml",
                "--commerceml-file",
                "orders.xml",
                "--batch",
            ],
            "--commerceml-file",
        ),
        (
            &[
                "run",
                "--format",
                "commerceml",
                "--commerceml-file",
                "sub/orders.xml",
            ],
            "--commerceml-file",
        ),
        (
            &[
                "run",
                "--format",
                "commerceml",
                "--commerceml-file",
                "../orders.xml",
            ],
            "--commerceml-file",
        ),
        (
            &[
                "watch",
                "--format",
                "xml",
                "--commerceml-file",
                "orders.xml",
            ],
            "--commerceml-file",
        ),
        (
            &[
                "watch",
                "--format",
                "commerceml",
                "--commerceml-file",
                "a/b.xml",
            ],
            "--commerceml-file",
        ),
    ];
    for (args, named) in cases {
        let wd = Workdir::new();
        wd.write("inbox/hook.json", webhook(&[("c1", "+79160000060")]));
        let mut command = wd.bachata1c(args);
        command.args(["--dir", ".", "-q"]);
        let (code, stderr) = run(&mut command);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{args:?} must name {named}: {stderr}"
        );
        let inbox: Vec<String> = wd
            .list("inbox")
            .into_iter()
            .filter(|n| !n.starts_with('.'))
            .collect();
        assert_eq!(inbox, ["hook.json"], "{args:?}: the input moved");
        assert!(
            wd.list("outbox").is_empty(),
            "{args:?}: {:?}",
            wd.list("outbox")
        );
    }

    // The same from the config file, which names its key.
    let wd = Workdir::new();
    wd.write(
        "bachata1c.toml",
        "[output]\nformat = \"csv\"\ncommerceml_file = \"orders.xml\"\n",
    );
    wd.write("inbox/hook.json", webhook(&[("c1", "+79160000061")]));
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "--dir", ".", "-q"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("commerceml_file"), "{stderr}");
    assert!(wd.list("inbox").contains(&"hook.json".to_string()));
    assert!(wd.list("outbox").is_empty(), "{:?}", wd.list("outbox"));
}

/// (g) 1C takes whatever the file holds when it reads it, and reads it again next time (never
/// deleted, УТ11 ЗагрузитьЗаказыИзФайла 3977‑3995, УНФ3 3298‑3316): a lead missing from it is
/// never created in 1C, and a lead under two numbers becomes two orders, since one `Номер` finds
/// one order (УНФ3 СоздатьОбновитьЗаказы 3959). So whatever step a run is killed at, the next
/// normal run leaves every lead in the file exactly once, under its ledger number.
#[test]
#[allow(
    clippy::print_stderr,
    reason = "says in the test's output which steps directory mode never reaches"
)]
fn a_crash_at_any_step_then_a_normal_run_leaves_every_lead_in_the_file_once() {
    // The steps every round passes, whatever it publishes (src/exchange/commit.rs).
    let always_reached = ["published", "recorded", "filed-one", "rewritten"];
    for step in CRASH_STEPS {
        let wd = Workdir::new();
        let clients = fill_inbox(&wd, 6, 2);
        let mut expected: Vec<String> = (0..12).map(|n| format!("+7916{n:07}")).collect();
        expected.sort();
        assert_eq!(clients.len(), expected.len());

        let mut crashing = mode(&wd, &[]);
        crashing.env("BACHATA1C_CRASH_AT", step);
        let status = crashing.status().unwrap();
        let crashed = status.code().is_none();
        if always_reached.contains(&step) {
            assert!(crashed, "{step}: the crash hook was not reached ({status})");
        } else if !crashed {
            assert_eq!(status.code(), Some(0), "{step}");
            eprintln!("{step}: not a step of directory mode; the run finished");
        }

        let (code, stderr) = run_mode(&wd, &[]);
        assert_eq!(code, 0, "{step}: {stderr}");
        assert_only_the_orders_file(&wd);
        assert_eq!(archived(&wd).len(), 8, "{step}: every input filed once");
        let in_file = numbers_by_phone(&file_orders(&wd));
        let phones: Vec<String> = in_file.keys().cloned().collect();
        assert_eq!(phones, expected, "{step}: every lead once");
        assert_eq!(listed_numbers(&wd), in_file, "{step}: the ledger's numbers");
        for profile in [Profile::Ut11, Profile::Unf3Other] {
            let mut db = OneCDatabase::new(profile);
            let imported = read_orders_file(&mut db, &orders_path(&wd))
                .unwrap_or_else(|e| panic!("{step} {profile}: {e}"));
            assert_eq!(imported.created().len(), 12, "{step} {profile}");
        }
    }
}

/// (h) The orders file is read as the HTTP answer is read: without the CommerceML namespace. In
/// it, УТ 11 and УНФ 3 read the document typed against their CML208 package (УТ11
/// ДанныеЗаказовВXDTO 4127, `ФабрикаXDTO.ПрочитатьXML`), so `Дата` and `Время` arrive as `Дата`
/// values, and `ДатаВремяИзСтроки` (УТ11 ОбменССайтом 7008; УНФ3 ПолучитьДатуВремяИзСтроки 14124)
/// formats them into a string `Дата()` cannot read and dates every order 01.01.0001; without it
/// they are strings and the order gets its date (docs/site-exchange-protocol.md §3.1, why the
/// `mode=query` answer has none). Both framings through one reader: every order is dated when its
/// lead was received, the same from the file and over HTTP.
#[test]
fn the_orders_file_dates_each_order_when_its_lead_came_like_the_http_answer() {
    let wd = Workdir::new();
    let clients = [("c1", "+79160000061"), ("c2", "+79160000062")];
    hook_received(&wd, "hook-1.json", &clients, 2 * DAY);
    hook_received(
        &wd,
        "hook-2.json",
        &[("c3", "+79160000063")],
        Duration::ZERO,
    );
    let (code, stderr) = run_mode(&wd, &[]);
    assert_eq!(code, 0, "{stderr}");
    let received: BTreeMap<String, chrono::NaiveDateTime> = leads_json(&wd, ".")
        .iter()
        .map(|row| {
            let at = row["received_at"].as_str().unwrap();
            let at = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").unwrap();
            (row["phone"].as_str().unwrap().to_string(), at)
        })
        .collect();
    assert_eq!(received.len(), 3);
    let day_one = chrono::NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap();
    assert!(received.values().all(|at| *at != day_one));

    let bytes = wd.read(&format!("outbox/{FILE}"));
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "UTF-8 with a byte-order mark"
    );
    let from_file = file_orders(&wd);
    assert_eq!(from_file.len(), 3);
    for order in &from_file {
        assert_eq!(order.date_in_1c(), received[&phone(order)], "{order:?}");
    }
    validate_orders_file(&wd, "commerceml_2_10.xsd");
    // And as the database keeps them, УТ 11 and УНФ 3 alike.
    let phones: BTreeMap<&str, String> = from_file.iter().map(|o| (o.number(), phone(o))).collect();
    for profile in [Profile::Ut11, Profile::Unf3Other] {
        let mut db = OneCDatabase::new(profile);
        read_orders_file(&mut db, &orders_path(&wd)).unwrap_or_else(|e| panic!("{profile}: {e}"));
        for stored in db.orders() {
            let phone = &phones[stored.site_number.as_str()];
            assert_eq!(stored.date, received[phone], "{profile}: {phone}");
        }
    }

    let server = Server::start(
        &wd,
        &[
            "--dir",
            ".",
            "--user",
            USER,
            "--password-env",
            "BACHATA1C_TEST_PASSWORD",
        ],
    );
    let mut onec = Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    );
    onec.checkauth()
        .unwrap_or_else(|e| panic!("{e}\n{:?}", server.lines()));
    let offered = onec
        .query()
        .unwrap_or_else(|e| panic!("{e}\n{:?}", server.lines()));
    assert_eq!(offered.len(), 3);
    for order in &offered {
        assert!(!order.typed, "the HTTP answer is read untyped");
        assert_eq!(order.date_in_1c(), received[&phone(order)], "{order:?}");
    }
}

/// Issue 17 point 7: a rewrite of the orders file killed half-way leaves its temporary file,
/// `outbox/.orders.xml.<pid>.tmp` (50 MB in the attack run), and nothing removed it. A worker
/// now removes, at start, the temporaries of ours a gone process left (on Linux, where that
/// can be told) or that are older than any rewrite; a live writer's is kept, and so is what
/// is not ours.
#[test]
fn a_killed_rewrite_leaves_no_temporary_in_the_outbox() {
    let wd = Workdir::new();
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "--dir", "."]));
    assert_eq!(code, 0, "{stderr}");
    let mut gone = std::process::Command::new(env!("CARGO_BIN_EXE_bachata1c"))
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    gone.wait().unwrap();
    let dead = wd.write(&format!("outbox/.{FILE}.{}.tmp", gone.id()), [b' '; 50_000]);
    let living = format!(".{FILE}.{}.tmp", std::process::id());
    let old = wd.write(&format!("outbox/.{FILE}.1.tmp"), "<half");
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    wd.write(&format!("outbox/{living}"), "<being written");
    wd.write("outbox/1c-own.tmp", "not ours");
    let (code, stderr) = run_mode(&wd, &[]);
    assert_eq!(code, 0, "{stderr}");
    let left = wd.list("outbox");
    assert!(!old.exists(), "{left:?}");
    if cfg!(target_os = "linux") {
        assert!(!dead.exists(), "{left:?}");
    }
    assert!(left.contains(&living), "{left:?}");
    assert!(left.contains(&"1c-own.tmp".to_string()), "{left:?}");
}
