//! `convert` publishes its outputs in batches (concurrent fsyncs, one folder sync per batch):
//! these guard that batching loses, mixes up and reorders nothing.

mod common;

use common::{Workdir, cell, read_csv_1251, run};

fn webhook(i: usize) -> String {
    format!(
        r#"{{"event":"dialog_completed","dialogId":"d-{i}","clients":[
            {{"clientId":"c{i}a","name":"Иванов Иван {i}","phone":"8 (916) 555-{:02}-{:02}"}},
            {{"clientId":"c{i}b","name":"Без телефона","phone":""}}]}}"#,
        i / 100,
        i % 100
    )
}

/// More inputs than one batch holds (256), with a refused input and one without leads among
/// them: every output is in place with its own clients, and no temporary file is left.
#[test]
fn many_inputs_across_batches_each_get_their_own_output() {
    let wd = Workdir::new();
    let count = 600;
    for i in 0..count {
        wd.write(&format!("in/hook-{i:04}.json"), webhook(i));
    }
    wd.write("in/hook-0300.json", "{\"clients\": [");
    wd.write("in/hook-0301.json", r#"{"clients":[{"phone":""}]}"#);
    let (code, stderr) = run(wd
        .bachata1c(&["convert", "in", "--out", "out"])
        .arg("--quiet"));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "600 files read, 599 converted, 1 refused; 598 clients exported, 599 skipped"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("hook-0300.json: refused: truncated JSON"),
        "{stderr}"
    );
    let outputs = wd.list("out");
    assert_eq!(
        outputs.len(),
        count - 2,
        "no temporary file and no extra file"
    );
    for i in (0..count).filter(|i| ![300, 301].contains(i)) {
        let name = format!("hook-{i:04}.csv");
        assert!(outputs.contains(&name), "{name} missing");
        let (header, rows) = read_csv_1251(&wd.read(&format!("out/{name}")));
        assert_eq!(rows.len(), 1, "{name}");
        assert_eq!(cell(&header, &rows[0], "ИдКлиента"), format!("c{i}a"));
        assert_eq!(
            cell(&header, &rows[0], "Телефон"),
            format!("+7916555{:02}{:02}", i / 100, i % 100)
        );
        assert_eq!(
            cell(&header, &rows[0], "ИмяФайла"),
            format!("hook-{i:04}.json")
        );
    }
}

/// Each input's lines come together and in input order, although they are printed only after
/// the batch is durable.
#[test]
fn report_lines_keep_the_input_order() {
    let wd = Workdir::new();
    for i in 0..300 {
        wd.write(&format!("in/hook-{i:04}.json"), webhook(i));
    }
    let (code, stderr) = run(&mut wd.bachata1c(&["convert", "in", "--out", "out"]));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 300 * 2 + 1, "{stderr}");
    for (i, pair) in lines.chunks(2).take(300).enumerate() {
        let input = format!("hook-{i:04}.json: ");
        assert!(
            pair[0].contains(&input) && pair[0].ends_with("skipped: no phone"),
            "{pair:?}"
        );
        assert!(
            pair[1].contains(&input) && pair[1].contains("1 client → "),
            "{pair:?}"
        );
        assert!(pair[1].ends_with(&format!("hook-{i:04}.csv")), "{pair:?}");
    }
}

/// Two inputs whose outputs would share a name in one batch: the second is refused, the first
/// keeps its output.
#[test]
fn a_second_input_with_the_same_output_name_is_refused() {
    let wd = Workdir::new();
    wd.write("a/hook.json", webhook(1));
    wd.write("b/hook.json", webhook(2));
    let (code, stderr) =
        run(&mut wd.bachata1c(&["convert", "a/hook.json", "b/hook.json", "--out", "out"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "b/hook.json: refused: its output hook.csv was already written from a/hook.json"
        ),
        "{stderr}"
    );
    let (header, rows) = read_csv_1251(&wd.read("out/hook.csv"));
    assert_eq!(cell(&header, &rows[0], "ИдКлиента"), "c1a");
}
