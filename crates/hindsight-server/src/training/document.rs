//! One saved item's YAML file: many merged into one file, renaming, and checking a
//! hand-edited text.
//!
//! Each item is stored as the whole file Rasa writes for it alone. A file of several items
//! is then the shared header followed by each item's list entry, as the items' own files
//! have them: ruamel lays out each entry of a block sequence on its own, so this is byte for
//! byte the file Rasa writes for all of them (the golden tests check it). A hand-edited text
//! laid out otherwise is read and written again instead.

use hindsight_types::TrainingItemKind;
use serde_json::{Map, Value};
use yaml_rust2::{Yaml, YamlLoader};

use crate::story::yaml::{dump, Node};

/// Names are this long at most (characters).
pub const MAX_NAME_CHARS: usize = 200;

/// The top-level key holding the items of a file of `kind`.
fn list_key(kind: TrainingItemKind) -> &'static str {
    match kind {
        TrainingItemKind::Story | TrainingItemKind::TestStory => "stories",
        TrainingItemKind::E2eTest => "test_cases",
    }
}

/// The key naming one item.
fn name_key(kind: TrainingItemKind) -> &'static str {
    match kind {
        TrainingItemKind::Story | TrainingItemKind::TestStory => "story",
        TrainingItemKind::E2eTest => "test_case",
    }
}

/// The file of `kind` holding `items` (each the YAML node of one list entry).
fn file(kind: TrainingItemKind, items: Vec<Node>) -> String {
    let list = Node::Seq(items);
    match kind {
        TrainingItemKind::Story | TrainingItemKind::TestStory => dump(&Node::map([
            ("version", Node::double_quoted("3.1")),
            ("stories", list),
        ])),
        TrainingItemKind::E2eTest => dump(&Node::map([("test_cases", list)])),
    }
}

/// What every file of `kind` starts with, before its list entries.
fn header(kind: TrainingItemKind) -> &'static str {
    match kind {
        TrainingItemKind::Story | TrainingItemKind::TestStory => "version: \"3.1\"\nstories:\n",
        TrainingItemKind::E2eTest => "test_cases:\n",
    }
}

/// The list entries of `content` when it is laid out as Rasa writes it: the header, then
/// lines that are each a list entry's start (`- `) or indented under one.
fn entries(kind: TrainingItemKind, content: &str) -> Option<&str> {
    let body = content.strip_prefix(header(kind))?;
    let laid_out = body.starts_with("- ")
        && body.ends_with('\n')
        && body
            .lines()
            .all(|l| l.starts_with("- ") || l.starts_with("  "));
    laid_out.then_some(body)
}

/// A YAML value as JSON (mapping keys as strings).
fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::Real(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) | Yaml::Real(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Boolean(b) => b.to_string(),
                        _ => "null".to_owned(),
                    };
                    (key, to_json(v))
                })
                .collect::<Map<String, Value>>(),
        ),
        _ => Value::Null,
    }
}

/// The one item of a file of `kind`, checked: a mapping under the kind's list key naming
/// the item (`story:` / `test_case:`) with a list of `steps`. The error says what is wrong.
pub fn parse_item(kind: TrainingItemKind, content: &str) -> Result<Map<String, Value>, String> {
    let docs = YamlLoader::load_from_str(content).map_err(|e| format!("not YAML: {e}"))?;
    let [doc] = docs.as_slice() else {
        return Err("must be one YAML document".into());
    };
    let Value::Object(mut root) = to_json(doc) else {
        return Err("must be a mapping".into());
    };
    let key = list_key(kind);
    let Some(Value::Array(items)) = root.shift_remove(key) else {
        return Err(format!("must have a `{key}:` list"));
    };
    let [Value::Object(item)] = items.as_slice() else {
        return Err(format!("`{key}:` must hold exactly one item"));
    };
    let name = name_key(kind);
    match item.get(name) {
        Some(Value::String(s)) if valid_name(s).is_ok() => {}
        _ => return Err(format!("the item must have a `{name}:` name")),
    }
    let Some(Value::Array(steps)) = item.get("steps") else {
        return Err("the item must have a `steps:` list".into());
    };
    if let Some(i) = steps.iter().position(|s| !s.is_object()) {
        return Err(format!("step {i} is not a mapping"));
    }
    Ok(item.clone())
}

/// Checks a story or test name: not empty, at most [`MAX_NAME_CHARS`], on one line.
pub fn valid_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("must be at most {MAX_NAME_CHARS} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("must be one line without control characters".into());
    }
    Ok(())
}

/// The name in an item's file.
pub fn item_name(kind: TrainingItemKind, content: &str) -> Option<String> {
    let item = parse_item(kind, content).ok()?;
    item.get(name_key(kind))?.as_str().map(str::to_owned)
}

/// One file of `kind` holding the items of `contents` (each the file of one item), in order.
pub fn merge<S: AsRef<str>>(kind: TrainingItemKind, contents: &[S]) -> String {
    if contents.is_empty() {
        return file(kind, Vec::new());
    }
    let mut out = header(kind).to_owned();
    for content in contents {
        let content = content.as_ref();
        match entries(kind, content) {
            Some(body) => out.push_str(body),
            None => out.push_str(&rewritten(kind, content, None)),
        }
    }
    out
}

/// The list entries of `content` read and written again, renamed to `name` if given.
fn rewritten(kind: TrainingItemKind, content: &str, name: Option<&str>) -> String {
    let Ok(mut item) = parse_item(kind, content) else {
        // Stored items were checked when saved: nothing to write for one that is not valid.
        return String::new();
    };
    if let Some(name) = name {
        item.insert(name_key(kind).into(), Value::String(name.to_owned()));
    }
    let text = file(kind, vec![Node::json(&Value::Object(item))]);
    text.strip_prefix(header(kind)).unwrap_or(&text).to_owned()
}

/// `content` with its item renamed `name`.
pub fn rename(kind: TrainingItemKind, content: &str, name: &str) -> String {
    if let Some(body) = entries(kind, content) {
        let first = body.lines().next().unwrap_or("");
        if first.starts_with(&format!("- {}: ", name_key(kind))) {
            // The name line as Rasa writes it: the same scalar in the same place.
            let named = Node::Map(vec![
                (Node::str(name_key(kind)), Node::str(name)),
                (Node::str("steps"), Node::Seq(Vec::new())),
            ]);
            let sample = file(kind, vec![named]);
            if let Some(line) = sample
                .strip_prefix(header(kind))
                .and_then(|b| b.lines().next())
            {
                return format!("{}{line}{}", header(kind), &body[first.len()..]);
            }
        }
    }
    format!("{}{}", header(kind), rewritten(kind, content, Some(name)))
}
