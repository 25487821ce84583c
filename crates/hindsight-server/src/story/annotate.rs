//! `rasa.shared.core.events.format_message`: the user text of an end-to-end story step,
//! with the message's entities written inline as Markdown annotations
//! (`[Berlin]{"entity": "city", "role": "to"}`).

use super::pyvalue::{as_py_int, eq_str, json_dumps, py_slice, py_str, truthy};
use serde_json::{Map, Value};

/// `format_message(text, intent, entities)`.
///
/// Rasa first parses `text` as a Markdown training example, which strips annotations the
/// user happened to type (`[x](y)` becomes `x`), then annotates the message's own
/// entities. Where Rasa would raise instead (an annotation with invalid entity JSON, an
/// intent with two `/`, entities sharing a start but not an end, non-integer offsets) we
/// carry on as if the check were not there.
pub(crate) fn format_message(text: &str, entities: &[Value]) -> String {
    let plain = replace_entities(text);
    let entities: Vec<&Map<String, Value>> = entities.iter().filter_map(Value::as_object).collect();
    generate_message(&plain, &entities)
}

/// `entities_parser.replace_entities`: every match of Rasa's `ENTITY_REGEX`
/// `\[(?P<entity_text>[^\]]+?)\](\((?P<entity>[^:)]+?)(?:\:(?P<value>[^)]+))?\)|\{(?P<entity_dict>[^}]+?)\}|\[(?P<list_entity_dicts>.*?)\])`
/// replaced by its entity text.
fn replace_entities(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        if let Some((text_end, match_end)) = entity_match(&c, i) {
            out.extend(&c[i + 1..text_end]);
            i = match_end;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Tries `ENTITY_REGEX` at `i`; returns (end of the entity text, end of the match).
fn entity_match(c: &[char], i: usize) -> Option<(usize, usize)> {
    if c[i] != '[' {
        return None;
    }
    // `[^\]]+?\]`: the entity text ends at the first `]` and is not empty.
    let close = i + 1 + c[i + 1..].iter().position(|&x| x == ']')?;
    if close == i + 1 {
        return None;
    }
    let k = close + 1;
    let find = |from: usize, stop: &dyn Fn(char) -> bool| {
        c.get(from..)?
            .iter()
            .position(|&x| stop(x))
            .map(|p| from + p)
    };
    let end = match c.get(k)? {
        // `\((?P<entity>[^:)]+?)(?:\:(?P<value>[^)]+))?\)`
        '(' => {
            let m = find(k + 1, &|x| x == ':' || x == ')')?;
            if m == k + 1 {
                return None;
            }
            if c[m] == ')' {
                m + 1
            } else {
                let paren = find(m + 1, &|x| x == ')')?;
                if paren == m + 1 {
                    return None;
                }
                paren + 1
            }
        }
        // `\{(?P<entity_dict>[^}]+?)\}`
        '{' => {
            let brace = find(k + 1, &|x| x == '}')?;
            if brace == k + 1 {
                return None;
            }
            brace + 1
        }
        // `\[(?P<list_entity_dicts>.*?)\]`: `.` does not match a newline
        '[' => {
            let m = find(k + 1, &|x| x == ']' || x == '\n')?;
            if c[m] != ']' {
                return None;
            }
            m + 1
        }
        _ => return None,
    };
    Some((close, end))
}

/// `TrainingDataWriter.generate_message({"text": text, "entities": entities})`.
pub(crate) fn generate_message(text: &str, entities: &[&Map<String, Value>]) -> String {
    if text.starts_with('/') {
        // `/intent{...}` messages carry their entities as JSON already
        return text.to_owned();
    }
    let c: Vec<char> = text.chars().collect();
    // Group by start offset (Python dict: first-seen order within a group), sorted.
    let mut groups: Vec<(i64, Vec<&Map<String, Value>>)> = Vec::new();
    for e in entities {
        let (Some(start), Some(end)) = (e.get("start"), e.get("end")) else {
            continue;
        };
        let (Some(start), Some(_)) = (as_py_int(start), as_py_int(end)) else {
            continue;
        };
        match groups.iter_mut().find(|(s, _)| *s == start) {
            Some((_, g)) => g.push(e),
            None => groups.push((start, vec![e])),
        }
    }
    groups.sort_by_key(|(s, _)| *s);
    let mut md = String::new();
    let mut pos = 0i64;
    for (start, group) in &groups {
        md.push_str(&py_slice(&c, Some(pos), Some(*start)));
        let first = group[0];
        let end = first.get("end").and_then(as_py_int);
        let entity_text = py_slice(&c, Some(*start), end);
        md.push('[');
        md.push_str(&entity_text);
        md.push(']');
        if group.len() == 1 {
            md.push_str(&entity_attributes(&entity_text, first, true));
        } else {
            let parts: Vec<String> = group
                .iter()
                .map(|e| entity_attributes(&entity_text, e, false))
                .collect();
            md.push('[');
            md.push_str(&parts.join(", "));
            md.push(']');
        }
        pos = end.unwrap_or(pos);
    }
    md.push_str(&py_slice(&c, Some(pos), None));
    md
}

/// `TrainingDataWriter.generate_entity_attributes`: `(type)` or the JSON attribute dict.
fn entity_attributes(
    entity_text: &str,
    entity: &Map<String, Value>,
    short_allowed: bool,
) -> String {
    let field = |k: &str| entity.get(k).cloned().unwrap_or(Value::Null);
    let entity_type = field("entity");
    let mut value = field("value");
    let role = field("role");
    let group = field("group");
    if truthy(&value) && eq_str(&value, entity_text) {
        value = Value::Null;
    }
    if short_allowed && value.is_null() && role.is_null() && group.is_null() {
        return format!("({})", py_str(&entity_type));
    }
    let mut attrs = Map::new();
    for (k, v) in [
        ("entity", entity_type),
        ("role", role),
        ("group", group),
        ("value", value),
    ] {
        if !v.is_null() {
            attrs.insert(k.to_owned(), v);
        }
    }
    json_dumps(&Value::Object(attrs))
}

#[cfg(test)]
mod unit {
    use super::*;
    use serde_json::json;

    #[test]
    fn strips_typed_annotations() {
        assert_eq!(
            replace_entities("[Berlin](city) is my [home]{\"entity\": \"place\"} town"),
            "Berlin is my home town"
        );
        assert_eq!(
            replace_entities("[a][b] [c](d:e) [f](:g) [] [h]{}"),
            "a c [f](:g) [] [h]{}"
        );
        assert_eq!(replace_entities("[x][\n]"), "[x][\n]");
    }

    #[test]
    fn annotates_entities() {
        let e = json!([
            {"entity": "city", "start": 9, "end": 15, "value": "Berlin", "role": "from"},
            {"entity": "n", "start": 0, "end": 3, "value": "fly"}
        ]);
        assert_eq!(
            format_message("fly from Berlin", e.as_array().unwrap()),
            "[fly](n) from [Berlin]{\"entity\": \"city\", \"role\": \"from\"}"
        );
    }
}
