//! A `Номер` once given to a lead is never given to another (issue 17, point 2). 1C finds its
//! orders by that number and keeps it when bachata1c's ledger is lost: a number given again
//! would make 1C overwrite one client's order with another client (УНФ3
//! ПолучитьНомерДокументаССайта keeps the digits; every profile finds a re-sent order by them,
//! docs/site-exchange-protocol.md §3.5). The highest number is kept beside the archive, and a
//! new ledger continues above it, or above the numbers in the outbox when that is lost too.
mod common;

use common::exchange::{leads_json, webhook};
use common::onec::{Client, OneCDatabase, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, run};

const USER: &str = "bachata";

fn init(work: &Workdir) {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
}

/// Writes one webhook per phone into the inbox.
fn deliver(work: &Workdir, tag: &str, phones: &[&str]) {
    for (i, phone) in phones.iter().enumerate() {
        let id = format!("{tag}{i}");
        work.write(
            &format!("exchange/inbox/{id}.json"),
            webhook(&[(&id, phone)]),
        );
    }
}

fn run_ok(work: &Workdir, extra: &[&str]) -> String {
    let mut command = work.bachata1c(&["run", "--dir", "exchange"]);
    let (code, stderr) = run(command.args(extra));
    assert_eq!(code, 0, "{stderr}");
    stderr
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

/// The ledger's numbers, lowest first.
fn numbers(work: &Workdir) -> Vec<u64> {
    let mut numbers: Vec<u64> = leads_json(work, "exchange")
        .iter()
        .map(|lead| lead["number"].as_u64().unwrap())
        .collect();
    numbers.sort();
    numbers
}

/// Issue 17 point 2: after the ledger was lost and `run --new-ledger` started a new one,
/// numbering began again at 000001, so 1C, which had taken 000001-000003 over HTTP (no file
/// shows them), refilled those orders with the new clients. Now the new ledger continues
/// above the highest number given, and says so.
#[test]
fn a_new_ledger_never_gives_a_number_1c_already_holds() {
    let work = Workdir::new();
    init(&work);
    deliver(
        &work,
        "old",
        &["+79160000001", "+79160000002", "+79160000003"],
    );
    run_ok(&work, &[]);
    let server = serve(&work);
    let mut db = OneCDatabase::new(Profile::Ut11);
    let client = |server: &Server| {
        Client::new(
            &server.url("/1c_exchange.php"),
            USER,
            PASSWORD,
            Profile::Ut11,
        )
    };
    assert_eq!(
        client(&server).exchange(&mut db).unwrap().created().len(),
        3
    );
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log:?}");

    std::fs::remove_dir_all(work.join("exchange/state")).unwrap();
    // What a write of the mark killed half-way leaves: not an archived input, and removed.
    let half = work.write("exchange/archive/..bachata1c-last-number.1.tmp", "0000");
    std::fs::File::options()
        .write(true)
        .open(&half)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    deliver(&work, "new", &["+79160000004", "+79160000005"]);
    let stderr = run_ok(&work, &["--new-ledger"]);
    assert!(stderr.contains("recorded the 3 input(s)"), "{stderr}");
    assert!(!half.exists());
    assert!(
        stderr.contains("numbers continue above 000003, above every Номер given before"),
        "{stderr}"
    );
    assert_eq!(numbers(&work), [4, 5]);
    let server = serve(&work);
    let imported = client(&server).exchange(&mut db).unwrap();
    assert_eq!(imported.created().len(), 2, "{imported:?}");
    assert_eq!(db.orders().len(), 5, "no order of 1C overwritten");
}

/// The mark beside the archive lost too (archive/ emptied with state/): the numbers in the
/// outbox's orders file, which 1C reads through a folder, are still above any new one.
#[test]
fn without_ledger_and_mark_the_orders_file_keeps_the_numbers_apart() {
    let work = Workdir::new();
    init(&work);
    let mode = ["--format", "commerceml", "--commerceml-file", "orders.xml"];
    deliver(
        &work,
        "old",
        &["+79160000001", "+79160000002", "+79160000003"],
    );
    run_ok(&work, &mode);
    assert_eq!(numbers(&work), [1, 2, 3]);
    std::fs::remove_dir_all(work.join("exchange/state")).unwrap();
    std::fs::remove_dir_all(work.join("exchange/archive")).unwrap();
    deliver(&work, "new", &["+79160000004"]);
    let stderr = run_ok(&work, &mode);
    assert!(stderr.contains("numbers continue above 000003"), "{stderr}");
    assert!(
        stderr.contains("orders.xml"),
        "where it was found: {stderr}"
    );
    assert_eq!(numbers(&work), [4]);
}

/// A ledger put back from an older backup (as the error for a lost ledger suggests) does not
/// know the numbers given since: the mark does.
#[test]
fn a_ledger_put_back_from_a_backup_continues_above_the_numbers_given_since() {
    let work = Workdir::new();
    init(&work);
    deliver(&work, "a", &["+79160000001"]);
    run_ok(&work, &[]);
    let ledger = work.join("exchange/state/ledger.sqlite");
    let backup = std::fs::read(&ledger).unwrap();
    deliver(&work, "b", &["+79160000002", "+79160000003"]);
    run_ok(&work, &[]);
    assert_eq!(numbers(&work), [1, 2, 3]);
    std::fs::write(&ledger, backup).unwrap();
    deliver(&work, "c", &["+79160000004"]);
    let stderr = run_ok(&work, &["-v"]);
    assert!(stderr.contains("numbers continue above 000003"), "{stderr}");
    assert_eq!(numbers(&work), [1, 4]);
    // After a clean stop the mark is the last number given: nothing set aside in vain.
    let mark = String::from_utf8(work.read("exchange/archive/.bachata1c-last-number")).unwrap();
    assert!(mark.starts_with("000004\r\n"), "{mark}");
}

/// The mark is raised before a number is handed out, not at the end: a worker killed right
/// after recording its round (`kill -9`, a power cut), and then the ledger lost, still leaves
/// the new ledger above that number. The numbers it had set aside beyond are skipped.
#[test]
fn a_worker_killed_after_numbering_still_keeps_its_numbers_from_a_new_ledger() {
    let work = Workdir::new();
    init(&work);
    deliver(&work, "a", &["+79160000001"]);
    let crashed = work
        .bachata1c(&["run", "--dir", "exchange"])
        .env("BACHATA1C_CRASH_AT", "recorded")
        .output()
        .unwrap();
    assert!(!crashed.status.success(), "aborted");
    assert_eq!(numbers(&work), [1]);
    std::fs::remove_dir_all(work.join("exchange/state")).unwrap();
    deliver(&work, "b", &["+79160000002"]);
    let stderr = run_ok(&work, &["--new-ledger"]);
    assert!(stderr.contains("numbers continue above 001001"), "{stderr}");
    // The killed run's input, left claimed, is taken back and converted again with the new one.
    assert_eq!(numbers(&work), [1_002, 1_003], "{stderr}");
}
