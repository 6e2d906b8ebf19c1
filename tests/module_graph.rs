//! The layering docs/architecture.md promises, read from the sources themselves: the modules
//! import one another one way down (no cycle), only `cmd/` sees `settings`, only `cmd/` and
//! `settings` see `cli`, clap stays above the library, and the page's drawing of the graph is
//! the graph the code has. Issue 19: settings.rs once both defined the types the core uses and
//! built them, so five modules depended on each other in a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Who imports whom: each top-level module of `src/` and the modules of the crate it names.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Every `.rs` file under `src/`, with the top-level module it belongs to (`main` for main.rs,
/// `lib` for lib.rs).
fn sources() -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let mut folders = vec![root().join("src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(root().join("src")).unwrap();
                let first = relative.components().next().unwrap();
                let module = first.as_os_str().to_string_lossy();
                let module = module.strip_suffix(".rs").unwrap_or(&module).to_string();
                found.push((module, path));
            }
        }
    }
    found.sort();
    found
}

/// The code of a Rust file without its comments, strings and character literals (each left as
/// a blank), so that a path in a doc comment or a message is not taken for an import.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let at = |j: usize| chars.get(j).copied();
        let rest = |n: usize| at(i + n);
        match chars[i] {
            '/' if rest(1) == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if rest(1) == Some('*') => {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && at(i + 1) == Some('*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && at(i + 1) == Some('/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(' ');
            }
            'r' if matches!(rest(1), Some('"' | '#'))
                && !chars[..i]
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_') =>
            {
                // A raw string: r"…", r#"…"#, r##"…"##.
                let mut hashes = 0;
                let mut j = i + 1;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    out.push(chars[i]);
                    i += 1;
                    continue;
                }
                j += 1;
                loop {
                    if j >= chars.len() {
                        break;
                    }
                    if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            '\'' => {
                // A character literal ('x', '\n', '\u{1F600}'), or a lifetime ('a), left as is.
                let end = if rest(1) == Some('\\') {
                    (i + 2..chars.len()).find(|&j| chars[j] == '\'')
                } else if rest(2) == Some('\'') {
                    Some(i + 2)
                } else {
                    None
                };
                match end {
                    Some(end) => {
                        out.push_str("' '");
                        i = end + 1;
                    }
                    None => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The top-level modules a file's code names through `crate::`: in `use` lines (groups too,
/// `use crate::{a, b::c}`) and in paths written in place. A macro the crate exports
/// (`crate::say!`) counts as the module that defines it.
fn named_modules(code: &str, macros: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::` in a macro, or a longer name
        }
        let rest_trimmed = rest.trim_start();
        if let Some(group) = rest_trimmed.strip_prefix('{') {
            // `use crate::{a::{b, c}, d}`: the first name of each item at the group's depth.
            let mut depth = 0;
            let mut items = vec![String::new()];
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => items.push(String::new()),
                    c => items.last_mut().unwrap().push(c),
                }
            }
            for item in items {
                let word: String = item
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !word.is_empty() {
                    names.insert(word);
                }
            }
            continue;
        }
        let word: String = rest_trimmed
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let is_macro = rest_trimmed[word.len()..].starts_with('!');
        match macros.get(&word) {
            Some(module) if is_macro => {
                names.insert(module.clone());
            }
            _ if !word.is_empty() => {
                names.insert(word);
            }
            _ => {}
        }
    }
    names
}

/// The crate's import graph between top-level modules, and each file's code.
fn graph() -> (Graph, Vec<(String, PathBuf, String)>) {
    let files: Vec<(String, PathBuf, String)> = sources()
        .into_iter()
        .map(|(module, path)| {
            let code = code_only(&std::fs::read_to_string(&path).unwrap());
            (module, path, code)
        })
        .collect();
    let mut macros = BTreeMap::new();
    for (module, _, code) in &files {
        for part in code.split("macro_rules!").skip(1) {
            let name: String = part
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            macros.insert(name, module.clone());
        }
    }
    let modules: BTreeSet<String> = files.iter().map(|(module, ..)| module.clone()).collect();
    let mut graph = Graph::new();
    for (module, path, code) in &files {
        let entry = graph.entry(module.clone()).or_default();
        for named in named_modules(code, &macros) {
            assert!(
                modules.contains(&named),
                "{}: crate::{named} is no module of the crate",
                path.display()
            );
            if &named != module {
                entry.insert(named);
            }
        }
    }
    // main.rs is its own crate: it reaches the library as `bachata1c::`.
    let main = files.iter().find(|(module, ..)| module == "main").unwrap();
    let entry = graph.entry("main".to_string()).or_default();
    for module in &modules {
        if main.2.contains(&format!("bachata1c::{module}::")) {
            entry.insert(module.clone());
        }
    }
    graph.remove("lib");
    (graph, files)
}

/// A cycle of the graph, if it has one, as the modules along it.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        module: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut found = path[at..].to_vec();
            found.push(module.to_string());
            return Some(found);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_string());
        for next in graph.get(module).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(module.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|module| visit(module, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_modules_import_one_another_one_way_down() {
    let (graph, _) = graph();
    assert!(graph.len() >= 20, "{graph:?}");
    if let Some(cycle) = cycle(&graph) {
        panic!("a module cycle: {}", cycle.join(" → "));
    }
}

/// The test's own reading finds what it should: a cycle, a group import, a macro, and nothing
/// in comments or strings.
#[test]
fn the_reading_of_the_sources_finds_imports_and_cycles() {
    let macros = BTreeMap::from([("say".to_string(), "report".to_string())]);
    let code = code_only(
        "use crate::{a::{b, c}, d};\n// crate::in_comment\nlet s = \"crate::in_string\";\n\
         let c = '\"'; let r = r#\"crate::raw\"#; crate::say!(\"x\"); f::<'a>(crate::e::f);\n\
         /* crate::block */",
    );
    let names: Vec<String> = named_modules(&code, &macros).into_iter().collect();
    assert_eq!(names, ["a", "d", "e", "report"]);
    let mut graph = Graph::new();
    graph.entry("x".into()).or_default().insert("y".into());
    graph.entry("y".into()).or_default().insert("z".into());
    assert_eq!(cycle(&graph), None);
    graph.entry("z".into()).or_default().insert("x".into());
    assert_eq!(cycle(&graph).unwrap(), ["x", "y", "z", "x"]);
}

#[test]
fn only_cmd_sees_settings_and_only_cmd_and_settings_see_cli() {
    let (graph, _) = graph();
    for (module, imports) in &graph {
        if imports.contains("settings") {
            assert_eq!(module, "cmd", "{module} imports settings");
        }
        if imports.contains("cli") {
            assert!(
                ["cmd", "settings", "main"].contains(&module.as_str()),
                "{module} imports cli"
            );
        }
    }
    assert!(graph["cmd"].contains("settings") && graph["settings"].contains("cli"));
}

/// The library's types know nothing of clap: only the command line (`cli`), what reads it
/// (`settings`, `cmd`) and `main` name it.
#[test]
fn clap_stays_above_the_library() {
    let (_, files) = graph();
    let mut users = BTreeSet::new();
    for (module, path, code) in &files {
        let names_clap = code
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .any(|word| word == "clap" || word.starts_with("clap::"));
        if names_clap {
            assert!(
                ["cli", "settings", "cmd", "main"].contains(&module.as_str()),
                "{} names clap",
                path.display()
            );
            users.insert(module.clone());
        }
    }
    assert!(users.contains("cli"), "{users:?}");
}

/// docs/architecture.md draws the graph as lines `module → what it imports`, each module's
/// imports on lines below it: the drawing is the code's graph, edge for edge.
#[test]
fn the_architecture_page_draws_the_graph_the_code_has() {
    let (graph, _) = graph();
    let page = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let drawing = page
        .split_once("```text\nmodule graph")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("a ```text block starting `module graph` in docs/architecture.md");
    let mut drawn = Graph::new();
    let mut order = Vec::new();
    for line in drawing.lines().filter(|line| !line.trim().is_empty()) {
        let (module, imports) = line.split_once('→').unwrap_or((line, ""));
        let module = module.trim().to_string();
        let imports: BTreeSet<String> = imports
            .split(',')
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty())
            .collect();
        order.push(module.clone());
        drawn.insert(module, imports);
    }
    let expected: Vec<String> = layered(&graph)
        .iter()
        .map(|module| {
            let imports: Vec<&str> = graph[module].iter().map(String::as_str).collect();
            match imports.is_empty() {
                true => module.clone(),
                false => format!("{module:<12}→ {}", imports.join(", ")),
            }
        })
        .collect();
    let expected = expected.join("\n");
    assert_eq!(
        drawn, graph,
        "docs/architecture.md's module graph differs from the code's; the code's is:\n{expected}"
    );
    for (at, module) in order.iter().enumerate() {
        for import in &graph[module] {
            let below = order[at + 1..].contains(import);
            assert!(
                below,
                "docs/architecture.md draws {import} above {module}, which imports it; the code's order is:\n{expected}"
            );
        }
    }
}

/// The modules top-down: each before every module it imports (a module whose importers are all
/// placed comes next, the first such by name).
fn layered(graph: &Graph) -> Vec<String> {
    let mut placed: Vec<String> = Vec::new();
    while placed.len() < graph.len() {
        let next = graph
            .keys()
            .filter(|module| !placed.contains(module))
            .find(|module| {
                graph
                    .iter()
                    .filter(|(importer, _)| !placed.contains(importer))
                    .all(|(_, imports)| !imports.contains(*module))
            })
            .expect("no cycle")
            .clone();
        placed.push(next);
    }
    placed
}

/// Issue 19: settings.rs had grown to 1,090 lines doing five jobs, cli.rs to 704. A file past
/// 700 lines is split by job.
#[test]
fn no_source_file_is_over_700_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter_map(|(_, path)| {
            let lines = std::fs::read_to_string(&path).unwrap().lines().count();
            (lines > 700).then(|| format!("{} ({lines} lines)", path.display()))
        })
        .collect();
    assert!(long.is_empty(), "split by job: {long:?}");
}
