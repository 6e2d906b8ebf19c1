//! `[retention]` through the real binary on real folders: what is past its days goes, once a
//! day, and never what a lead 1C has not confirmed needs. 1C confirms leads as its «Обмен с
//! сайтом» does (tests/common's client against `serve`). Old things are made as the product
//! dates them: a lead by its webhook file's time, a refused input by its reason file's time,
//! an archived input by the dated folder it was filed in.
mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::exchange::{leads_json, webhook};
use common::onec::{Client, OneCDatabase, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, run};

const USER: &str = "bachata";
const DAY: Duration = Duration::from_secs(24 * 3600);

/// `init` of `exchange/`, with `[retention]`'s keys set to `days` (or `off`).
fn exchange(work: &Workdir, days: &str) {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    set_days(work, days);
}

/// Sets every `[retention]` key of the config `init` wrote.
fn set_days(work: &Workdir, days: &str) {
    let path = work.join("exchange/bachata1c.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    for key in ["archive_days", "failed_days", "ledger_days"] {
        let line = text
            .lines()
            .find(|line| line.contains(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{key} is not in the config init writes"))
            .to_string();
        text = text.replace(&line, &format!("{key} = {days}"));
    }
    std::fs::write(&path, text).unwrap();
}

fn last_written(path: &Path, ago: Duration) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::now() - ago)
        .unwrap();
}

/// A webhook in the inbox received `ago` (its file's time, which the product takes).
fn webhook_received(work: &Workdir, name: &str, body: &str, ago: Duration) {
    let path = work.write(&format!("exchange/inbox/{name}"), body);
    last_written(&path, ago);
}

/// `run` of the exchange folder: (exit status, stderr).
fn run_once(work: &Workdir) -> (i32, String) {
    let (code, stderr) = run(&mut work.bachata1c(&["run", "--dir", "exchange"]));
    assert!(code == 0 || code == 1, "{stderr}");
    (code, stderr)
}

/// One scheduled exchange of 1C's through `serve`: the leads it took (and confirmed).
fn onec_takes_the_waiting_leads(work: &Workdir) -> usize {
    let server = Server::start(
        work,
        &[
            "--dir",
            "exchange",
            "--user",
            USER,
            "--password-env",
            "BACHATA1C_TEST_PASSWORD",
        ],
    );
    let mut db = OneCDatabase::new(Profile::Ut11);
    Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    )
    .exchange(&mut db)
    .unwrap();
    server.stop();
    db.orders().len()
}

fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

fn days_ago(days: u64) -> String {
    (chrono::Local::now().date_naive() - chrono::Days::new(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// Moves what `run` filed today into archive/`day`/, as if it had been filed that day.
fn filed_on(work: &Workdir, names: &[&str], day: &str) {
    let folder = work.join(&format!("exchange/archive/{day}"));
    std::fs::create_dir_all(&folder).unwrap();
    for name in names {
        std::fs::rename(
            work.join(&format!("exchange/archive/{}/{name}", today())),
            folder.join(name),
        )
        .unwrap();
    }
}

fn status(work: &Workdir) -> String {
    let output = work.bachata1c(&["status", "exchange"]).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// The lead in `leads --format json` whose number is `number`.
fn lead(work: &Workdir, number: u64) -> serde_json::Value {
    leads_json(work, "exchange")
        .into_iter()
        .find(|lead| lead["number"] == number)
        .unwrap_or_else(|| panic!("no lead {number}"))
}

/// The issue's «Done when»: an archived input past its days goes, a recent one stays, and so
/// does every input a lead 1C has not confirmed comes from; failed/ likewise; confirmed leads
/// past ledger_days lose their personal data, yet a webhook delivered again is still a
/// duplicate and their numbers are never given again; `status` says what went; a second run the
/// same day removes nothing.
#[test]
fn what_is_past_its_days_goes_once_a_day_and_never_what_an_unconfirmed_lead_needs() {
    let work = Workdir::new();
    // Everything is made first with retention off: a pass would otherwise run (and be the
    // day's) with every run below.
    exchange(&work, "\"off\"");
    let old = 100 * DAY;
    let taken = webhook(&[("c-taken", "+79160000001")]);
    webhook_received(&work, "taken.json", &taken, old);
    webhook_received(
        &work,
        "recent.json",
        &webhook(&[("c-recent", "+79160000002")]),
        DAY,
    );
    webhook_received(&work, "nobody.json", &webhook(&[("c-none", "")]), old);
    run_once(&work);
    assert_eq!(onec_takes_the_waiting_leads(&work), 2);
    webhook_received(
        &work,
        "waiting.json",
        &webhook(&[("c-waiting", "+79160000003")]),
        old,
    );
    work.fixture(
        "bad/clients-not-array.json",
        "exchange/inbox/broken-old.json",
    );
    work.fixture(
        "bad/clients-not-array.json",
        "exchange/inbox/broken-new.json",
    );
    let (code, stderr) = run_once(&work);
    assert_eq!(code, 1, "two refused: {stderr}");
    last_written(
        &work.join("exchange/failed/broken-old.json.reason.txt"),
        old,
    );
    last_written(&work.join("exchange/failed/broken-old.json"), old);
    // As if filed 100 days ago, but recent.json, filed yesterday.
    let long_ago = days_ago(100);
    filed_on(
        &work,
        &["taken.json", "nobody.json", "waiting.json"],
        &long_ago,
    );
    filed_on(&work, &["recent.json"], &days_ago(1));
    let numbers_before: Vec<u64> = leads_json(&work, "exchange")
        .iter()
        .map(|lead| lead["number"].as_u64().unwrap())
        .collect();
    let taken_number = leads_json(&work, "exchange")
        .iter()
        .find(|lead| lead["phone"] == "+79160000001")
        .unwrap()["number"]
        .as_u64()
        .unwrap();
    assert!(
        status(&work).contains("retention:  no pass yet"),
        "{}",
        status(&work)
    );

    set_days(&work, "30");
    let (_, stderr) = run_once(&work);
    assert!(
        stderr.contains("retention: removed 4 files of ",)
            && stderr.contains(
                "from archive/ and failed/; removed the personal data of 1 lead 1C confirmed; \
             kept 1 archived input past its days: leads 1C has not confirmed come from them"
            ),
        "{stderr}"
    );
    assert_eq!(
        work.list(&format!("exchange/archive/{long_ago}")),
        ["waiting.json"]
    );
    assert_eq!(
        work.list(&format!("exchange/archive/{}", days_ago(1))),
        ["recent.json"]
    );
    assert!(
        work.join("exchange/archive/.bachata1c-last-number")
            .is_file()
    );
    assert_eq!(
        work.list("exchange/failed"),
        ["broken-new.json", "broken-new.json.reason.txt"]
    );
    // The confirmed lead's personal data is gone, its number and 1C's part stay; the waiting
    // one and the recent one are whole.
    let gone = lead(&work, taken_number);
    assert_eq!((&gone["name"], &gone["phone"]), (&"".into(), &"".into()));
    assert_eq!(gone["state"], "confirmed");
    assert!(
        gone["personal_data_removed_at"]
            .as_str()
            .unwrap()
            .starts_with(&today())
    );
    let whole: Vec<serde_json::Value> = leads_json(&work, "exchange")
        .into_iter()
        .filter(|lead| lead["number"] != taken_number)
        .collect();
    assert_eq!(whole.len(), 2);
    for lead in &whole {
        assert_eq!(lead["name"], "Иван Петров", "{lead}");
        assert!(lead.get("personal_data_removed_at").is_none(), "{lead}");
    }
    let table = String::from_utf8(
        work.bachata1c(&["leads", "--dir", "exchange"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(table.contains(&format!("(removed {})", today())), "{table}");
    let shown = status(&work);
    assert!(
        shown.contains("retention:  ") && shown.contains("removed 4 files of "),
        "{shown}"
    );

    // The same day again: nothing, though something past its days is there now.
    std::fs::write(
        work.join(&format!("exchange/archive/{long_ago}/late.json")),
        "{}",
    )
    .unwrap();
    let (_, stderr) = run_once(&work);
    assert!(!stderr.contains("retention"), "{stderr}");
    assert!(
        work.join(&format!("exchange/archive/{long_ago}/late.json"))
            .is_file()
    );

    // The stripped lead's webhook delivered again is a duplicate, and a new lead gets a new
    // number.
    webhook_received(&work, "taken-again.json", &taken, Duration::ZERO);
    webhook_received(
        &work,
        "new.json",
        &webhook(&[("c-new", "+79160000004")]),
        Duration::ZERO,
    );
    let (_, stderr) = run_once(&work);
    assert!(
        stderr.contains("taken-again.json: same content as taken.json"),
        "{stderr}"
    );
    let numbers: Vec<u64> = leads_json(&work, "exchange")
        .iter()
        .map(|lead| lead["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers.len(), numbers_before.len() + 1, "{numbers:?}");
    assert!(
        numbers[0] > *numbers_before.iter().max().unwrap(),
        "{numbers:?}"
    );
}

/// Too few days is refused with the key named, before anything is done.
#[test]
fn too_few_days_is_refused_with_the_key() {
    let work = Workdir::new();
    exchange(&work, "3");
    webhook_received(
        &work,
        "a.json",
        &webhook(&[("c", "+79160000001")]),
        Duration::ZERO,
    );
    let (code, stderr) = run(&mut work.bachata1c(&["run", "--dir", "exchange"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("archive_days") && stderr.contains("7 or more, or \"off\""),
        "{stderr}"
    );
    assert!(work.join("exchange/inbox/a.json").is_file());
}

/// `serve` alone (no --convert) keeps the folder too, at its start and then once a day.
#[test]
fn serve_alone_removes_what_is_past_its_days() {
    let work = Workdir::new();
    exchange(&work, "\"off\"");
    // No client qualifies: no lead waits for it.
    webhook_received(&work, "a.json", &webhook(&[("c", "")]), Duration::ZERO);
    run_once(&work);
    filed_on(&work, &["a.json"], &days_ago(40));
    set_days(&work, "30");
    let server = Server::start(
        &work,
        &[
            "--dir",
            "exchange",
            "--user",
            USER,
            "--password-env",
            "BACHATA1C_TEST_PASSWORD",
        ],
    );
    // Its pass runs beside the server: wait for its line (no time is asserted).
    let mut said = None;
    for _ in 0..600 {
        said = server
            .lines()
            .into_iter()
            .find(|line| line.contains("retention:"));
        if said.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, lines) = server.stop();
    let said = said.unwrap_or_else(|| panic!("no retention line: {lines:?}"));
    assert!(said.contains("removed 1 file of "), "{said}");
    assert!(
        !work
            .join(&format!("exchange/archive/{}", days_ago(40)))
            .exists()
    );
}

/// `watch` keeps the folder between its scans, and a refused input past its days goes with
/// its reason file.
#[test]
fn watch_removes_what_is_past_its_days_between_scans() {
    let work = Workdir::new();
    exchange(&work, "30");
    work.fixture("bad/clients-not-array.json", "exchange/failed/old.json");
    work.write(
        "exchange/failed/old.json.reason.txt",
        "refused long ago\r\n",
    );
    last_written(&work.join("exchange/failed/old.json.reason.txt"), 31 * DAY);
    // A ledger (watch makes it at start) is where a pass is remembered.
    let watch = work
        .bachata1c(&["watch", "--dir", "exchange", "--log-file", "watch.log"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut logged = String::new();
    for _ in 0..1800 {
        logged = std::fs::read_to_string(work.join("watch.log")).unwrap_or_default();
        if logged.contains("retention:") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = std::process::Command::new("bash")
        .args(["-c", &format!("kill -TERM {}", watch.id())])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(watch.wait_with_output().unwrap().status.success());
    assert!(
        logged.contains("retention: removed 2 files of "),
        "{logged}"
    );
    assert!(work.list("exchange/failed").is_empty());
}

/// A pass removes at most 1,000 files (so that it never holds the exchange up for long); the
/// next chance goes on, the same day, until the folder is done, and then nothing more.
#[test]
fn a_pass_is_bounded_and_the_next_goes_on_the_same_day() {
    let work = Workdir::new();
    exchange(&work, "\"off\"");
    // A ledger that records an input (an empty one beside a full archive is a lost one).
    webhook_received(&work, "a.json", &webhook(&[("c", "")]), Duration::ZERO);
    run_once(&work);
    let folder = format!("exchange/archive/{}", days_ago(60));
    for i in 0..1001 {
        work.write(&format!("{folder}/h{i}.json"), "{}");
    }
    set_days(&work, "30");
    let (_, stderr) = run_once(&work);
    assert!(
        stderr.contains("retention: removed 1000 files of ")
            && stderr.contains("; more goes at the next pass"),
        "{stderr}"
    );
    assert_eq!(work.list(&folder).len(), 1);
    let (_, stderr) = run_once(&work);
    assert!(stderr.contains("retention: removed 1 file of "), "{stderr}");
    assert!(!work.join(&folder).exists());
    let (_, stderr) = run_once(&work);
    assert!(!stderr.contains("retention"), "{stderr}");
}
