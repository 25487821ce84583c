//! Golden tests: every cut point recorded with Rasa by `tools/goldens/make_goldens.py`
//! (`tests/fixtures/stories/*.json`, for the trackers in `tests/fixtures/trackers/`).

use super::{slots_at, story_until, story_until_named, DEFAULT_STORY_NAME};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

fn read_json(path: &PathBuf) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut p = ExactJson {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value();
    p.ws();
    assert_eq!(p.i, p.s.len(), "trailing data in {}", path.display());
    v
}

/// A minimal JSON reader that parses floats exactly (like Python's `json`). Without its
/// `float_roundtrip` feature serde_json may be off by one ulp for 16–17 digit floats
/// (it reads `999999999999999.9` as `1e15`), which would make the goldens depend on the
/// workspace's serde_json features rather than on this module.
struct ExactJson<'a> {
    s: &'a [u8],
    i: usize,
}

impl ExactJson<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn string_end(&self) -> usize {
        let mut j = self.i + 1;
        while self.s[j] != b'"' {
            j += if self.s[j] == b'\\' { 2 } else { 1 };
        }
        j + 1
    }

    fn value(&mut self) -> Value {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut map = serde_json::Map::new();
                loop {
                    self.ws();
                    if self.s[self.i] == b'}' {
                        self.i += 1;
                        return Value::Object(map);
                    }
                    if self.s[self.i] == b',' {
                        self.i += 1;
                        self.ws();
                    }
                    let Value::String(key) = self.value() else {
                        panic!("object key")
                    };
                    self.ws();
                    assert_eq!(self.s[self.i], b':');
                    self.i += 1;
                    let v = self.value();
                    map.insert(key, v);
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    match self.s[self.i] {
                        b']' => {
                            self.i += 1;
                            return Value::Array(items);
                        }
                        b',' => self.i += 1,
                        _ => items.push(self.value()),
                    }
                }
            }
            b'"' => {
                let end = self.string_end();
                let v = serde_json::from_slice(&self.s[self.i..end]).expect("JSON string");
                self.i = end;
                v
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len() && !b",]} \n\r\t".contains(&self.s[self.i]) {
                    self.i += 1;
                }
                let tok = std::str::from_utf8(&self.s[start..self.i]).expect("utf-8");
                if tok.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
                    && tok.contains(['.', 'e', 'E'])
                {
                    let f: f64 = tok.parse().expect("float");
                    Value::from(f)
                } else {
                    serde_json::from_str(tok).expect("JSON literal")
                }
            }
        }
    }
}

/// Golden file names, sorted.
fn golden_names() -> Vec<String> {
    let dir = fixtures().join("stories");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// A readable diff: the first differing line with some context, visible whitespace.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.split('\n').collect();
    let first = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = first.saturating_sub(3);
    let mut out = String::new();
    let _ = writeln!(out, "first difference at line {}", first + 1);
    for (label, lines) in [("expected (Rasa)", &e), ("actual", &a)] {
        let _ = writeln!(out, "  --- {label}:");
        for (i, line) in lines.iter().enumerate().skip(from).take(first + 4 - from) {
            let mark = if i == first { ">" } else { " " };
            let _ = writeln!(out, "  {mark}{:4} {line:?}", i + 1);
        }
    }
    out
}

/// Compares one recorded cut point (`{"until", "story", "story_e2e", "slots"}`) with what
/// this module computes; describes every mismatch in `failures`.
fn check_cut(label: &str, sender: &str, events: &[Value], cut: &Value, failures: &mut Vec<String>) {
    let until = cut["until"].as_u64().expect("until") as usize;
    for (field, e2e) in [("story", false), ("story_e2e", true)] {
        let expected = cut[field].as_str().expect("story text");
        let actual = story_until_named(events, until, e2e, sender);
        if actual != expected {
            failures.push(format!(
                "{label} until={until} {field}:\n{}",
                diff(expected, &actual)
            ));
        }
    }
    let expected = cut["slots"].as_object().expect("slots");
    let actual = slots_at(events, until);
    let same_order = expected.keys().eq(actual.keys());
    if !same_order || expected.iter().any(|(k, v)| actual.get(k) != Some(v)) {
        failures.push(format!(
            "{label} until={until} slots:\n  expected {}\n  actual   {}",
            Value::Object(expected.clone()),
            Value::Object(actual)
        ));
    }
}

fn report(failures: &[String], checked: usize) {
    for f in failures.iter().take(8) {
        eprintln!("{f}");
    }
    let failed = failures.len();
    assert_eq!(
        failed, 0,
        "{failed} mismatches over {checked} cut points (first ones above)"
    );
    eprintln!("{checked} cut points match Rasa");
}

#[test]
fn goldens_match_rasa() {
    let mut checked = 0;
    let mut failures: Vec<String> = Vec::new();
    let names = golden_names();
    assert!(
        names.len() >= 12,
        "expected at least 12 golden files, found {}",
        names.len()
    );
    for name in &names {
        let tracker = read_json(&fixtures().join("trackers").join(name));
        let goldens = read_json(&fixtures().join("stories").join(name));
        let sender = tracker["sender_id"].as_str().expect("sender_id");
        let events = tracker["events"].as_array().expect("events");
        for cut in goldens.as_array().expect("golden list") {
            checked += 1;
            check_cut(name, sender, events, cut, &mut failures);
        }
    }
    report(&failures, checked);
}

/// Cases from `tools/goldens/fuzz_against_rasa.py`, named by `STORY_FUZZ_CASES`.
#[test]
#[ignore = "needs STORY_FUZZ_CASES from tools/goldens/fuzz_against_rasa.py"]
fn fuzz_cases_match_rasa() {
    let path = PathBuf::from(std::env::var("STORY_FUZZ_CASES").expect("STORY_FUZZ_CASES"));
    let cases = read_json(&path);
    let mut checked = 0;
    let mut failures: Vec<String> = Vec::new();
    for (i, case) in cases.as_array().expect("case list").iter().enumerate() {
        let sender = case["sender_id"].as_str().expect("sender_id");
        let events = case["events"].as_array().expect("events");
        for cut in case["cuts"].as_array().expect("cuts") {
            checked += 1;
            check_cut(&format!("case {i}"), sender, events, cut, &mut failures);
        }
    }
    report(&failures, checked);
}

#[test]
fn default_story_name() {
    let tracker = read_json(&fixtures().join("trackers").join("basic_greet.json"));
    let events = tracker["events"].as_array().expect("events");
    let story = story_until(events, usize::MAX, false);
    assert_eq!(
        story,
        story_until_named(events, events.len() - 1, false, DEFAULT_STORY_NAME)
    );
    assert!(story.contains("- story: default\n"));
}

#[test]
fn empty_and_out_of_range() {
    assert_eq!(
        story_until(&[], 0, false),
        "version: \"3.1\"\nstories:\n- story: default\n  steps: []\n"
    );
    assert!(slots_at(&[], 5).is_empty());
    let events = vec![serde_json::json!({"event": "slot", "name": "a", "value": 1})];
    assert_eq!(slots_at(&events, 99)["a"], 1);
}
