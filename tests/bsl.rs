//! The 1C processings' BSL sources (1c/) pass the BSL analyzer onec-hbk-bsl, run through
//! `scripts/check-bsl` (its gate: parse errors, a missing `;`, query texts that do not parse,
//! misused transactions). Guards beside it prove the gate really checks: broken snippets, and our
//! own modules broken on purpose, must fail it. The analyzer needs Python >= 3.12 and is
//! installed by `scripts/check-bsl --install` (`.ci/run` does it); without it every test here is
//! recorded as skipped, and under CI that is a failure.
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::Workdir;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `scripts/check-bsl PATH…`: its exit code and everything it printed. `None`, with the test
/// recorded as skipped, when the analyzer is not installed (exit code 3).
fn check_bsl(paths: &[&Path]) -> Option<(i32, String)> {
    let output = Command::new("bash")
        .arg(repo().join("scripts/check-bsl"))
        .args(paths)
        .output()
        .expect("run bash scripts/check-bsl");
    let code = output.status.code().expect("exit code");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if code == 3 {
        common::skip("the BSL analyzer is not installed: run scripts/check-bsl --install");
        return None;
    }
    Some((code, text))
}

/// The rule codes reported for the file whose path ends with `suffix`.
fn codes_for(text: &str, suffix: &str) -> BTreeSet<String> {
    let marker = format!("{suffix}:");
    text.lines()
        .filter_map(|line| {
            let (_, after) = line.split_once(&marker)?;
            // `<line>:<column>: <E|W|I> <code> <message>`
            after.split_whitespace().nth(2).map(String::from)
        })
        .collect()
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|code| code.to_string()).collect()
}

fn bsl_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            bsl_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "bsl") {
            found.push(path);
        }
    }
}

#[test]
fn the_processings_pass_the_gate() {
    let sources = repo().join("1c");
    let mut modules = Vec::new();
    bsl_files(&sources, &mut modules);
    assert_eq!(
        modules.len(),
        4,
        "two processings, each an object and a form module"
    );
    let Some((code, text)) = check_bsl(&[&sources]) else {
        return;
    };
    assert_eq!(code, 0, "scripts/check-bsl 1c:\n{text}");
    assert!(
        text.contains(&format!("All clean. Checked {} file(s).", modules.len())),
        "{text}"
    );
}

// Modules for the gate's rules (BSL's indentation is free; spaces here).

const NO_END_IF: &str = "\
Функция Сумма(А, Б) Экспорт
    Если А > 0 Тогда
        Возврат А + Б;
КонецФункции
";

const NO_SEMICOLON: &str = "\
Процедура П() Экспорт
    А = 1
    Б = А + 2;
    Сообщить(Б);
КонецПроцедуры
";

const BROKEN_QUERY: &str = "\
Функция Ф() Экспорт
    Запрос = Новый Запрос;
    Запрос.Текст =
    \"ВЫБРАТЬ
    |    К.Ссылка КАК Ссылка
    |ИЗ
    |    Справочник.Контрагенты КАК К
    |ГДЕ
    |    (К.ПометкаУдаления\";
    Возврат Запрос.Выполнить();
КонецФункции
";

const TRANSACTION_WITHOUT_TRY: &str = "\
Процедура Записать(Объект) Экспорт
    НачатьТранзакцию();
    Объект.Записать();
    ЗафиксироватьТранзакцию();
КонецПроцедуры
";

const ROLLBACK_NOT_FIRST: &str = "\
Процедура Записать(Объект) Экспорт
    НачатьТранзакцию();
    Попытка
        Объект.Записать();
        ЗафиксироватьТранзакцию();
    Исключение
        ЗаписьЖурналаРегистрации(\"Ошибка\");
        ОтменитьТранзакцию();
        ВызватьИсключение;
    КонецПопытки;
КонецПроцедуры
";

const CORRECT: &str = "\
Функция Записать(Объект) Экспорт
    НачатьТранзакцию();
    Попытка
        Объект.Записать();
        ЗафиксироватьТранзакцию();
    Исключение
        ОтменитьТранзакцию();
        ВызватьИсключение;
    КонецПопытки;
    Запрос = Новый Запрос(\"ВЫБРАТЬ К.Ссылка ИЗ Справочник.Контрагенты КАК К ГДЕ НЕ К.ПометкаУдаления\");
    Если Объект.Пометка Тогда
        Возврат Неопределено;
    КонецЕсли;
    Возврат Запрос.Выполнить();
КонецФункции
";

/// A module of each kind the gate exists for, and one correct module, in one folder: each broken
/// one gets exactly its rules, the correct one none.
#[test]
fn the_gate_fails_on_broken_bsl() {
    let work = Workdir::new();
    let cases: &[(&str, &str, &[&str])] = &[
        ("Синтаксис", NO_END_IF, &["BSL001"]),
        ("ТочкаСЗапятой", NO_SEMICOLON, &["BSL030"]),
        ("Запрос", BROKEN_QUERY, &["BSL235"]),
        (
            "ТранзакцияБезПопытки",
            TRANSACTION_WITHOUT_TRY,
            &["BSL151", "BSL157", "BSL230"],
        ),
        ("ОтменаНеПервой", ROLLBACK_NOT_FIRST, &["BSL277"]),
        ("Верный", CORRECT, &[]),
    ];
    for (folder, source, _) in cases {
        work.write(&format!("{folder}/Module.bsl"), source);
    }

    let Some((code, text)) = check_bsl(&[work.path()]) else {
        return;
    };
    assert_eq!(code, 1, "broken modules must fail the gate:\n{text}");
    assert!(
        text.contains(&format!("in {} file(s).", cases.len())),
        "{text}"
    );
    for (folder, _, expected) in cases {
        assert_eq!(
            codes_for(&text, &format!("{folder}/Module.bsl")),
            set(expected),
            "{folder}:\n{text}"
        );
    }

    let Some((code, text)) = check_bsl(&[&work.join("Верный")]) else {
        return;
    };
    assert_eq!(code, 0, "a correct module passes:\n{text}");
}

/// Our own modules, broken on purpose: a lost `КонецЕсли;` and a lost `ОтменитьТранзакцию();`.
#[test]
fn the_gate_fails_on_our_modules_broken() {
    let work = Workdir::new();
    let mut broken = Vec::new();
    for processing in ["ut-11", "alfa-auto-5"] {
        let module = repo().join(format!(
            "1c/{processing}/ЗагрузкаЛидовBachata/Ext/ObjectModule.bsl"
        ));
        let source = std::fs::read_to_string(&module).unwrap();
        for (cut, rule) in [
            ("КонецЕсли;", "BSL001"),
            ("ОтменитьТранзакцию();", "BSL230"),
        ] {
            let mut lines: Vec<&str> = source.lines().collect();
            let at = lines
                .iter()
                .position(|line| line.trim() == cut)
                .unwrap_or_else(|| panic!("{processing}: no line {cut}"));
            lines.remove(at);
            let relative = format!("{processing}-{rule}/ObjectModule.bsl");
            work.write(&relative, lines.join("\n") + "\n");
            broken.push((relative, rule));
        }
    }

    let Some((code, text)) = check_bsl(&[work.path()]) else {
        return;
    };
    assert_eq!(code, 1, "{text}");
    for (relative, rule) in broken {
        assert!(
            codes_for(&text, &relative).contains(rule),
            "{relative}: no {rule}:\n{text}"
        );
    }
}

/// The analyzer passes a folder it found nothing in; the script must not.
#[test]
fn the_gate_refuses_a_folder_without_bsl() {
    let work = Workdir::new();
    work.write("readme.txt", "no BSL here");
    let Some((code, text)) = check_bsl(&[work.path()]) else {
        return;
    };
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no .bsl files"), "{text}");
}
