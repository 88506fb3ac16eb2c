//! The layering of `src/` (see ARCHITECTURE.md), checked on every `cargo test`.
//!
//! Every production file under `src/` is read, every `crate::…` path it uses is found (`use`
//! declarations, grouped or not, and paths written inline; `super::` paths that climb out of the
//! top-level module; `clinical_images::…` in `main.rs`), and each one is checked against the
//! layer table below: a module may use itself and the modules of LOWER layers only — never a
//! higher layer, and never another module of its own layer unless `SAME_LAYER` lists the pair.
//! `lib.rs` (the crate root) is exempt; unit tests (`*_tests.rs`, `tests.rs`, `tests/`,
//! `#[cfg(test)]` items) and `tests/`, `benches/` are not checked.
//!
//! It also keeps every production source file at most `MAX_LINES` long.
//!
//! A new top-level module must be added to `LAYERS`; a failing check names the file and line.

use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
};

/// The layers, lowest first. A module may import only modules of a lower layer (or itself).
const LAYERS: &[&[&str]] = &[
    /* L0  leaves      */ &["nhi", "error", "metadata"],
    /* L1  shared      */ &["model", "imaging", "infra"],
    /* L2  settings    */ &["config"],
    /* L3  ALEX        */ &["alex"],
    /* L4              */ &["simulator", "ui"],
    /* L5  domains     */ &["launch"],
    /* L6              */ &["capture"],
    /* L7              */ &["staging"],
    /* L8              */ &["editor"],
    /* L9              */ &["handoff"],
    /* L10             */ &["commit"],
    /* L11 delivery    */ &["delivery"],
    /* L12 pages       */ &["pages", "basic"],
    /* L13 the app     */ &["app", "preflight"],
    /* L14 composition */ &["server", "main"],
];

/// Same-layer imports that are allowed: (importer, imported).
const SAME_LAYER: &[(&str, &str)] = &[
    // The binary starts the composition root.
    ("main", "server"),
];

/// The longest a production source file may be.
const MAX_LINES: usize = 400;

#[test]
fn no_module_imports_upwards() {
    let mut violations = Vec::new();
    let mut edges: BTreeMap<(String, String), usize> = BTreeMap::new();
    for file in production_files() {
        let Some(from) = file.module.clone() else { continue };
        for import in imports(&file) {
            if import.module == from {
                continue;
            }
            *edges.entry((from.clone(), import.module.clone())).or_default() += 1;
            if let Err(why) = allowed(&from, &import.module) {
                violations.push(format!(
                    "{}:{}: {from} uses {} — {why}",
                    file.rel, import.line, import.module
                ));
            }
        }
    }
    println!("module imports (importer -> imported: uses):");
    for ((from, to), n) in &edges {
        let mark = if allowed(from, to).is_ok() { " " } else { "!" };
        println!(" {mark} {from} -> {to}: {n}");
    }
    if !violations.is_empty() {
        println!("\n{} layering violation(s):", violations.len());
        for v in &violations {
            println!("  {v}");
        }
    }
    assert!(
        violations.is_empty(),
        "{} layering violation(s): see the list above",
        violations.len()
    );
}

#[test]
fn no_production_file_is_too_long() {
    let mut long: Vec<(usize, String)> = production_files()
        .into_iter()
        .map(|f| (f.text.lines().count(), f.rel))
        .filter(|(n, _)| *n > MAX_LINES)
        .collect();
    long.sort();
    if !long.is_empty() {
        println!("production files over {MAX_LINES} lines:");
    }
    for (n, rel) in &long {
        println!("  {rel}: {n} lines (max {MAX_LINES})");
    }
    assert!(
        long.is_empty(),
        "{} production file(s) over {MAX_LINES} lines: see the list above",
        long.len()
    );
}

/// The checker itself, on small examples (always runs).
#[test]
fn the_checker_finds_every_kind_of_path() {
    let src = r#"
//! uses crate::server in a doc comment: not an import
use crate::alex::write;
use crate::{
    infra::{db::Db, audit},
    model::PhotoState as S,
};
pub(crate) use super::super::editor::x;
use super::sibling;
fn f() {
    let s = "crate::server::state in a string";
    let c = '{';
    let t: &'static str = "x";
    crate::handoff::server::stop(); // crate::server in a comment
    super::super::capture::go();
    /* crate::pages /* nested */ */
    macro_rules! m { () => { $crate::error::E } }
}
#[cfg(test)]
mod tests {
    use crate::server::state;
}
#[cfg(test)]
use crate::pages::x;
mod inner {
    use super::super::staging::y;
    use super::super::super::launch::y;
    fn g() { super::super::super::ui::z(); }
}
fn h() { crate::metadata::codes::find(); }
"#;
    let file = SourceFile::new("src/commit/scan.rs", src.to_string());
    let found: Vec<(usize, String)> = imports(&file).into_iter().map(|i| (i.line, i.module)).collect();
    let want: Vec<(usize, String)> = [
        (3, "alex"),
        (5, "infra"),
        (6, "model"),
        (8, "editor"),
        (14, "handoff"),
        (15, "capture"),
        (27, "launch"),
        (28, "ui"),
        (30, "metadata"),
    ]
    .into_iter()
    .map(|(l, m)| (l, m.to_string()))
    .collect();
    assert_eq!(found, want);

    let main = SourceFile::new(
        "src/main.rs",
        "use clinical_images::{server, config::Settings};\n".into(),
    );
    let found: Vec<String> = imports(&main).into_iter().map(|i| i.module).collect();
    assert_eq!(found, ["server", "config"]);
    assert_eq!(main.module.as_deref(), Some("main"));
    assert_eq!(SourceFile::new("src/lib.rs", String::new()).module, None);
    assert_eq!(
        SourceFile::new("src/ui/frame.rs", String::new()).module.as_deref(),
        Some("ui")
    );

    assert!(allowed("commit", "staging").is_ok());
    assert!(allowed("staging", "commit").is_err());
    assert!(allowed("model", "imaging").is_err(), "same layer");
    assert!(allowed("server", "main").is_err(), "same layer, not listed");
    assert!(allowed("main", "server").is_ok(), "same layer, listed");
    assert!(allowed("nowhere", "model").is_err());
    assert!(is_test_file("src/commit/plan_tests.rs"));
    assert!(is_test_file("src/commit/pdf/tests.rs"));
    assert!(is_test_file("src/simulator/tests/writes.rs"));
    assert!(!is_test_file("src/commit/plan.rs"));
}

// ---- the rules ----

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Whether module `from` may use module `to`.
fn allowed(from: &str, to: &str) -> Result<(), String> {
    let (Some(a), Some(b)) = (layer_of(from), layer_of(to)) else {
        let missing = if layer_of(from).is_none() { from } else { to };
        return Err(format!("`{missing}` is not in the layer table (tests/layering.rs)"));
    };
    if from == to || a > b || SAME_LAYER.contains(&(from, to)) {
        Ok(())
    } else if a == b {
        Err(format!("same layer (L{a}) as {from}"))
    } else {
        Err(format!("a higher layer (L{b}) than {from} (L{a})"))
    }
}

// ---- the files ----

struct SourceFile {
    /// Relative to the crate root, with `/`.
    rel: String,
    /// The top-level module it belongs to (`None` for `lib.rs`).
    module: Option<String>,
    /// Its module path's depth below the crate root (`src/a.rs` 1, `src/a/b.rs` 2).
    depth: usize,
    text: String,
}

impl SourceFile {
    fn new(rel: &str, text: String) -> Self {
        let inner = rel.strip_prefix("src/").unwrap_or(rel).trim_end_matches(".rs");
        let mut parts: Vec<&str> = inner.split('/').collect();
        if parts.len() > 1 && parts.last() == Some(&"mod") {
            parts.pop();
        }
        let module = (inner != "lib").then(|| parts[0].to_string());
        SourceFile {
            rel: rel.to_string(),
            module,
            depth: parts.len(),
            text,
        }
    }
}

fn is_test_file(rel: &str) -> bool {
    rel.ends_with("_tests.rs") || rel.ends_with("/tests.rs") || rel.contains("/tests/")
}

/// Every production `.rs` file under `src/`, sorted.
fn production_files() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    walk(&root.join("src"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(root).ok()?.to_string_lossy().replace('\\', "/");
            if is_test_file(&rel) {
                return None;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
            Some(SourceFile::new(&rel, text))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

// ---- finding the paths ----

/// One use of another top-level module.
#[derive(Debug)]
struct Import {
    line: usize,
    module: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) => f.write_str(s),
            Tok::Path => f.write_str("::"),
            Tok::Punct(c) => write!(f, "{c}"),
        }
    }
}

/// The tokens of `text` with their line numbers, without comments, strings and char literals.
fn tokens(text: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = text.chars().collect();
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if ch == '"' || ((ch == 'r' || ch == 'b') && raw_or_byte_string(&c, i).is_some()) {
            // "…", b"…", r"…", r#"…"#, br#"…"#
            let (start, hashes, raw) = if ch == '"' {
                (i, 0, false)
            } else {
                raw_or_byte_string(&c, i).unwrap()
            };
            i = start + 1;
            while i < c.len() {
                if c[i] == '\n' {
                    line += 1;
                }
                if !raw && c[i] == '\\' {
                    line += usize::from(at(i + 1) == '\n');
                    i += 2;
                    continue;
                }
                if c[i] == '"' && (1..=hashes).all(|h| at(i + h) == '#') {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                // '\n', '\'', '\u{…}'
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3; // 'x'
            } else {
                i += 1; // a lifetime: its name follows as an identifier
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::Path, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// At `c[i]` = `r` or `b`: a raw or byte string's opening quote index, its `#` count and rawness.
fn raw_or_byte_string(c: &[char], i: usize) -> Option<(usize, usize, bool)> {
    if i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_') {
        return None; // inside an identifier
    }
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    let raw = c.get(j) == Some(&'r');
    if raw {
        j += 1;
    }
    let mut hashes = 0;
    while raw && c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (j > i && c.get(j) == Some(&'"')).then_some((j, hashes, raw))
}

/// The other top-level modules `file` uses, in order, with their lines.
fn imports(file: &SourceFile) -> Vec<Import> {
    let toks = tokens(&file.text);
    let ident = |i: usize| match toks.get(i) {
        Some((Tok::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    let is = |i: usize, t: &Tok| toks.get(i).is_some_and(|(x, _)| x == t);
    let mut out = Vec::new();
    // Inline `mod x { … }` blocks open at these brace depths (each adds one to the module depth).
    let mut mods: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if mods.last() == Some(&depth) {
                    mods.pop();
                }
            }
            Tok::Punct('#') if cfg_test_at(&toks, i) => {
                i = skip_item(&toks, i);
                continue;
            }
            Tok::Ident(k) if k == "mod" && ident(i + 1).is_some() && is(i + 2, &Tok::Punct('{')) => {
                mods.push(depth);
                depth += 1;
                i += 3;
                continue;
            }
            Tok::Ident(k) if k == "use" && !is(i + 1, &Tok::Punct('!')) => {
                let mut paths = Vec::new();
                let mut j = i + 1;
                use_tree(&toks, &mut j, Vec::new(), &mut paths);
                for (path, line) in paths {
                    if let Some(module) = resolve(file, mods.len(), &path) {
                        out.push(Import { line, module });
                    }
                }
                i = j;
                continue;
            }
            Tok::Ident(k)
                if (k == "crate" || k == "super" || k == "clinical_images")
                    && is(i + 1, &Tok::Path)
                    && !is(i.wrapping_sub(1), &Tok::Punct('$'))
                    && !is(i.wrapping_sub(1), &Tok::Path)
                    && ident(i.wrapping_sub(1)) != Some("in") =>
            {
                // An inline path: its segments up to the first non-identifier.
                let line = toks[i].1;
                let mut path = vec![k.clone()];
                let mut j = i + 1;
                while is(j, &Tok::Path) {
                    match ident(j + 1) {
                        Some(s) => path.push(s.to_string()),
                        None => break,
                    }
                    j += 2;
                }
                if let Some(module) = resolve(file, mods.len(), &path) {
                    out.push(Import { line, module });
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // One entry per module per line (`use crate::a::{b, c};` uses `a` once).
    out.dedup_by(|a, b| a.line == b.line && a.module == b.module);
    out
}

/// Whether `#[cfg(test)]` starts at `toks[i]`.
fn cfg_test_at(toks: &[(Tok, usize)], i: usize) -> bool {
    let want = ["#", "[", "cfg", "(", "test", ")", "]"];
    want.iter()
        .enumerate()
        .all(|(k, w)| toks.get(i + k).is_some_and(|(t, _)| t.to_string() == *w))
}

/// Skips the attributes at `toks[i]` and the item they are on: up to its `;` or its `{ … }`.
fn skip_item(toks: &[(Tok, usize)], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < toks.len() {
        match toks[i].0 {
            Tok::Punct('#') if depth == 0 => {
                // An attribute: `#[ … ]`.
                i += 1;
                let mut brackets = 0usize;
                while i < toks.len() {
                    match toks[i].0 {
                        Tok::Punct('[') => brackets += 1,
                        Tok::Punct(']') => {
                            brackets -= 1;
                            if brackets == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            Tok::Punct(';') if depth == 0 => return i + 1,
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Parses a use tree at `toks[*j]` (after `use`, or inside a group), adding each full path it
/// names (`prefix` + its own segments) with the line of its first segment.
fn use_tree(toks: &[(Tok, usize)], j: &mut usize, prefix: Vec<String>, out: &mut Vec<(Vec<String>, usize)>) {
    let mut path = prefix;
    let mut line = toks.get(*j).map_or(0, |t| t.1);
    if toks.get(*j).is_some_and(|(t, _)| *t == Tok::Path) {
        *j += 1; // `use ::std::…`
    }
    loop {
        match toks.get(*j) {
            Some((Tok::Ident(s), l)) => {
                line = *l;
                path.push(s.clone());
                *j += 1;
                if toks.get(*j).is_some_and(|(t, _)| *t == Tok::Path) {
                    *j += 1;
                    continue;
                }
                if toks.get(*j).is_some_and(|(t, _)| *t == Tok::Ident("as".into())) {
                    *j += 2;
                }
                out.push((path, line));
                break;
            }
            Some((Tok::Punct('{'), _)) => {
                *j += 1;
                while toks.get(*j).is_some_and(|(t, _)| *t != Tok::Punct('}')) {
                    use_tree(toks, j, path.clone(), out);
                    if toks.get(*j).is_some_and(|(t, _)| *t == Tok::Punct(',')) {
                        *j += 1;
                    }
                }
                *j += 1;
                break;
            }
            Some((Tok::Punct('*'), _)) => {
                *j += 1;
                out.push((path, line));
                break;
            }
            _ => break,
        }
    }
    // At the top level, step over the closing `;`.
    if toks.get(*j).is_some_and(|(t, _)| *t == Tok::Punct(';')) {
        *j += 1;
    }
}

/// The top-level module a path used in `file` (inside `inline` inline modules) lands in: `None`
/// for its own module's items, the crate root's items, and other crates.
fn resolve(file: &SourceFile, inline: usize, path: &[String]) -> Option<String> {
    let first = path.first()?.as_str();
    let module = match first {
        // `clinical_images::` is how `main.rs` (the binary) names the library.
        "crate" | "clinical_images" => path.get(1)?.clone(),
        "super" => {
            let supers = path.iter().take_while(|s| *s == "super").count();
            let depth = file.depth + inline;
            if supers < depth {
                return None; // still inside its top-level module
            }
            path.get(supers)?.clone()
        }
        _ => return None,
    };
    // Not a module but an item of the crate root (`lib.rs`), e.g. `crate::hydrate`.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let is_module = src.join(format!("{module}.rs")).is_file() || src.join(&module).is_dir();
    is_module.then_some(module)
}
