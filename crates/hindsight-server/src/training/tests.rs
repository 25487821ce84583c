//! Golden tests: files written by Rasa Pro 3.21 itself (`tools/goldens/make_training_goldens.py`,
//! `tests/fixtures/training/`): the NLU writer byte for byte, the stories, test stories and
//! end-to-end test cases of saved items, each saved alone and merged into one file.

use std::collections::HashMap;
use std::path::PathBuf;

use hindsight_types::{EntityAnnotation, TrainingItemKind};
use serde_json::Value;

use super::corrections::{apply, Correction};
use super::document::{item_name, merge, parse_item, rename};
use super::e2e::{steps, write_test_cases, Step};
use super::nlu::write_nlu;
use super::Example;
use crate::story::story_until_named;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

fn read(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn entities(v: &Value) -> Vec<EntityAnnotation> {
    serde_json::from_value(v.clone()).unwrap()
}

#[test]
fn nlu_files_are_rasas() {
    let cases = read(fixtures().join("training/cases.json"));
    let goldens = read(fixtures().join("training/goldens.json"));
    let sets = cases["nlu"].as_array().unwrap();
    assert_eq!(sets.len(), goldens["nlu"].as_array().unwrap().len());
    for (set, golden) in sets.iter().zip(goldens["nlu"].as_array().unwrap()) {
        let examples: Vec<Example> = set["examples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| Example {
                text: e["text"].as_str().unwrap().to_owned(),
                intent: e["intent"].as_str().unwrap().to_owned(),
                entities: entities(&e["entities"]),
            })
            .collect();
        let want = golden["nlu_yaml"].as_str().unwrap();
        assert_eq!(write_nlu(examples), want, "NLU set {}", set["name"]);
    }
    assert_eq!(write_nlu(Vec::new()), "");
}

/// Every saved item of the fixtures: (name, corrected events, until).
fn saved_items() -> Vec<(String, Vec<Value>, usize)> {
    let cases = read(fixtures().join("training/cases.json"));
    let mut out = Vec::new();
    for conv in cases["conversations"].as_array().unwrap() {
        let tracker = read(
            fixtures()
                .join("trackers")
                .join(conv["tracker"].as_str().unwrap()),
        );
        let events = tracker["events"].as_array().unwrap().clone();
        let corrections: HashMap<usize, Correction> = conv["annotations"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(i, a)| {
                let c = Correction {
                    intent: a["intent"].as_str().unwrap().to_owned(),
                    entities: entities(&a["entities"]),
                };
                (i.parse().unwrap(), c)
            })
            .collect();
        let events = apply(&events, &corrections);
        for save in conv["saves"].as_array().unwrap() {
            let until = save["until"].as_u64().map_or(usize::MAX, |u| u as usize);
            let name = save["name"].as_str().unwrap().to_owned();
            out.push((name, events.clone(), until));
        }
    }
    out
}

#[test]
fn stories_and_test_stories_are_rasas() {
    let goldens = read(fixtures().join("training/goldens.json"));
    for (kind, e2e, key) in [
        (TrainingItemKind::Story, false, "stories_yaml"),
        (TrainingItemKind::TestStory, true, "test_stories_yaml"),
    ] {
        let files: Vec<String> = saved_items()
            .iter()
            .map(|(name, events, until)| story_until_named(events, *until, e2e, name))
            .collect();
        for (file, (name, ..)) in files.iter().zip(saved_items()) {
            assert_eq!(
                item_name(kind, file).as_deref(),
                Some(name.as_str()),
                "{file}"
            );
        }
        assert_eq!(merge(kind, &files), goldens[key].as_str().unwrap(), "{key}");
    }
}

#[test]
fn test_cases_are_rasas_and_read_back() {
    let goldens = read(fixtures().join("training/goldens.json"));
    let cases: Vec<(String, Vec<Step>)> = saved_items()
        .iter()
        .map(|(name, events, until)| {
            let end = events.len().min(until.saturating_add(1));
            (name.clone(), steps(&events[..end]))
        })
        .collect();
    let refs: Vec<(&str, Vec<Step>)> = cases.iter().map(|(n, s)| (n.as_str(), s.clone())).collect();
    let want = goldens["e2e_yaml"].as_str().unwrap();
    assert_eq!(write_test_cases(&refs), want);
    // Saved one by one, then merged: the same file.
    let files: Vec<String> = refs
        .iter()
        .map(|c| write_test_cases(std::slice::from_ref(c)))
        .collect();
    assert_eq!(merge(TrainingItemKind::E2eTest, &files), want);
    // The steps Rasa's reader read back, one for one (a slot list is one step per slot).
    for ((name, steps), read) in cases.iter().zip(goldens["e2e_steps"].as_array().unwrap()) {
        assert_eq!(read["name"], name.as_str());
        let flat: Vec<Value> = steps
            .iter()
            .flat_map(|s| match s {
                Step::User(t) => vec![serde_json::json!(["user", t, null, null])],
                Step::Bot(t) => vec![serde_json::json!(["bot", t, null, null])],
                Step::Utter(t) => vec![serde_json::json!(["bot", null, t, null])],
                Step::SlotWasSet(slots) => slots
                    .iter()
                    .map(|(k, v)| serde_json::json!(["bot", null, null, [k, v]]))
                    .collect(),
            })
            .collect();
        let got: Vec<Value> = read["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let slot = if s["slot_name"].is_null() {
                    Value::Null
                } else {
                    serde_json::json!([s["slot_name"], s["slot_value"]])
                };
                serde_json::json!([s["actor"], s["text"], s["template"], slot])
            })
            .collect();
        assert_eq!(flat, got, "test case {name}");
    }
}

#[test]
fn renaming_rewrites_only_the_name_line() {
    let (name, events, until) = saved_items().remove(2);
    let file = story_until_named(&events, until, false, &name);
    let renamed = rename(TrainingItemKind::Story, &file, "a: new # name");
    assert_eq!(
        renamed,
        story_until_named(&events, until, false, "a: new # name")
    );
    // A hand-laid-out file is read and written again.
    let edited = "stories:\n  - story: x\n    steps:\n      - intent: greet\n";
    let out = rename(TrainingItemKind::Story, edited, "y");
    assert_eq!(
        out,
        "version: \"3.1\"\nstories:\n- story: y\n  steps:\n  - intent: greet\n"
    );
    assert_eq!(
        merge(TrainingItemKind::Story, &[edited]),
        "version: \"3.1\"\nstories:\n- story: x\n  steps:\n  - intent: greet\n"
    );
    for bad in [
        "",
        "stories: 1",
        "stories:\n- story: a\n- story: b",
        "stories:\n- steps: []",
        ": :",
    ] {
        assert!(parse_item(TrainingItemKind::Story, bad).is_err(), "{bad:?}");
    }
}
