//! The processings' BSL read without a platform: code without comments, string literals set aside,
//! calls with their literal arguments, procedure bodies, and the metadata names a module declares in
//! `ЗаписываемыеОбъекты` and the ones it writes (tests/bsl_names.rs).
use std::collections::BTreeSet;

/// A BSL module as code without comments, each string literal replaced by `\u{1}N\u{1}` (its index in
/// `literals`), so calls and their literal arguments can be found without being fooled by text.
pub struct Bsl {
    pub code: String,
    pub literals: Vec<String>,
}

impl Bsl {
    pub fn parse(source: &str) -> Bsl {
        let mut code = String::new();
        let mut literals = Vec::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '/' if chars.peek() == Some(&'/') => {
                    for c in chars.by_ref() {
                        if c == '\n' {
                            code.push('\n');
                            break;
                        }
                    }
                }
                '"' => {
                    let mut text = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '"' if chars.peek() == Some(&'"') => {
                                chars.next();
                                text.push('"');
                            }
                            '"' => break,
                            // A literal goes on across lines with `|` after the indentation.
                            '\n' => {
                                text.push('\n');
                                while chars.peek().is_some_and(|c| *c == '\t' || *c == ' ') {
                                    chars.next();
                                }
                                if chars.peek() == Some(&'|') {
                                    chars.next();
                                }
                            }
                            c => text.push(c),
                        }
                    }
                    code.push_str(&format!("\u{1}{}\u{1}", literals.len()));
                    literals.push(text);
                }
                c => code.push(c),
            }
        }
        Bsl { code, literals }
    }

    /// The arguments of every call `name(…)`: each a literal's text, or `None` when it is not one.
    pub fn calls(&self, name: &str) -> Vec<Vec<Option<String>>> {
        let needle = format!("{name}(");
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(at) = self.code[from..].find(&needle) {
            let start = from + at;
            from = start + needle.len();
            let before = self.code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue; // another name ending the same way, or a method of something else
            }
            let preceding = self.code[..start].trim_end();
            if preceding.ends_with("Процедура") || preceding.ends_with("Функция") {
                continue; // the definition
            }
            found.push(self.arguments(&self.code[from..]));
        }
        found
    }

    fn arguments(&self, rest: &str) -> Vec<Option<String>> {
        let mut depth = 0;
        let mut arguments = vec![String::new()];
        for c in rest.chars() {
            match c {
                '(' => depth += 1,
                ')' if depth == 0 => break,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    arguments.push(String::new());
                    continue;
                }
                _ => {}
            }
            arguments.last_mut().unwrap().push(c);
        }
        arguments.iter().map(|a| self.literal(a.trim())).collect()
    }

    fn literal(&self, argument: &str) -> Option<String> {
        let index = argument.strip_prefix('\u{1}')?.strip_suffix('\u{1}')?;
        self.literals.get(index.parse::<usize>().ok()?).cloned()
    }

    /// The body of the procedure or function `name`, comments and literals as in `code`.
    pub fn body(&self, name: &str) -> &str {
        let start = ["Процедура ", "Функция "]
            .iter()
            .find_map(|kind| self.code.find(&format!("{kind}{name}(")))
            .unwrap_or_else(|| panic!("no procedure or function {name}"));
        let rest = &self.code[start..];
        let end = ["КонецПроцедуры", "КонецФункции"]
            .iter()
            .filter_map(|end| rest.find(end))
            .min()
            .unwrap();
        &rest[..end]
    }

    /// The string literals in `name`'s body.
    pub fn literals_in(&self, name: &str) -> Vec<&str> {
        self.body(name)
            .split('\u{1}')
            .skip(1)
            .step_by(2)
            .filter_map(|index| self.literals.get(index.parse::<usize>().ok()?))
            .map(String::as_str)
            .collect()
    }

    /// Does `name`'s body contain a call of `callee`?
    pub fn calls_in(&self, name: &str, callee: &str) -> bool {
        self.body(name).contains(&format!("{callee}("))
    }

    /// The names `ЗаписываемыеОбъекты` declares: objects («Документ.X»), their parts («Документ.X.Y»)
    /// and predefined items or enum values, as `ПроверитьБазу` looks them up.
    pub fn declared(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for arguments in self.calls("ДобавитьОбъект") {
            let object = arguments[1]
                .clone()
                .expect("ДобавитьОбъект: the object's name is a literal");
            for list in arguments[2..].iter().flatten() {
                for part in list
                    .split([',', '\n'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    names.insert(format!("{object}.{}", part.trim_start_matches('!')));
                }
            }
            names.insert(object);
        }
        names
    }

    /// Every metadata name the module writes or looks up, with where it was found.
    pub fn used(&self) -> Vec<(String, String)> {
        let mut used = Vec::new();
        for (call, first) in [("УстановитьРеквизит", 1), ("УстановитьТекстЛида", 1)]
        {
            for arguments in self.calls(call) {
                if let Some(path) = &arguments[first] {
                    used.push((path.clone(), call.to_string()));
                }
            }
        }
        for arguments in self.calls("ЕстьВБазе") {
            if let Some(path) = &arguments[0] {
                used.push((path.clone(), "ЕстьВБазе".into()));
            }
        }
        for (call, kind) in [
            ("ЗначениеПеречисления", "Перечисление"),
            ("ПредопределенныйЭлемент", "Справочник"),
        ] {
            for arguments in self.calls(call) {
                if let [Some(object), Some(item)] = &arguments[..] {
                    used.push((format!("{kind}.{object}.{item}"), call.into()));
                }
            }
        }
        for arguments in self.calls("ПолучитьФункциональнуюОпцию") {
            if let Some(option) = &arguments[0] {
                used.push((
                    format!("ФункциональнаяОпция.{option}"),
                    "ПолучитьФункциональнуюОпцию".into(),
                ));
            }
        }
        for (manager, kind) in [
            ("Справочники.", "Справочник"),
            ("Документы.", "Документ"),
            ("РегистрыСведений.", "РегистрСведений"),
            ("Перечисления.", "Перечисление"),
        ] {
            for (at, _) in self.code.match_indices(manager) {
                let before = self.code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '.') {
                    continue; // Метаданные.Справочники.Найти(…) reads metadata, it writes nothing
                }
                let name: Vec<&str> = self.code[at + manager.len()..]
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                    .next()
                    .unwrap()
                    .split('.')
                    .collect();
                used.push((format!("{kind}.{}", name[0]), manager.into()));
                if kind == "Перечисление" && name.len() > 1 {
                    used.push((format!("{kind}.{}.{}", name[0], name[1]), manager.into()));
                }
            }
        }
        used
    }

    /// Statements `Переменная.Реквизит = …` on an object, a row or a record: writes that bypass
    /// `УстановитьРеквизит` (and so the check). Standard attributes every object has are allowed.
    pub fn direct_writes(&self) -> Vec<String> {
        const OBJECTS: [&str; 4] = ["Объект.", "ДокументОбъект.", "Участник.", "Запись."];
        const STANDARD: [&str; 2] = ["Наименование", "Дата"];
        self.code
            .lines()
            .map(str::trim)
            .filter_map(|line| {
                let rest = OBJECTS.iter().find_map(|o| line.strip_prefix(o))?;
                let (name, value) = rest.split_once('=')?;
                let name = name.trim();
                let is_name = name.chars().all(|c| c.is_alphanumeric() || c == '_');
                (is_name && !value.starts_with('=') && !STANDARD.contains(&name))
                    .then(|| line.to_string())
            })
            .collect()
    }
}
