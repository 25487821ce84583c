//! The queue form's draft: the bodies it builds and the fields its errors name.

use super::*;
use serde_json::{json, Value};

fn draft() -> QueueDraft {
    QueueDraft {
        name: "  Weekly check ".into(),
        filter_id: Some(7),
        rule: SamplingRule::All,
        share: "0.1".into(),
        seed: String::new(),
        by: StratifyBy::Channel,
        per_stratum_count: false,
        count: String::new(),
        strata: Vec::new(),
        reviewers: 2,
        reservation_minutes: "15".into(),
        assignees: vec!["ann".into()],
        rubric: vec![
            QuestionDraft {
                id: "resolved".into(),
                prompt: "Resolved?".into(),
                ..QuestionDraft::blank()
            },
            QuestionDraft {
                id: "topic".into(),
                prompt: "Topic".into(),
                kind: QuestionKind::Label,
                choices: " billing, , login ,".into(),
                required: false,
            },
        ],
    }
}

#[test]
fn choices_are_trimmed_and_empty_ones_dropped() {
    assert_eq!(parse_choices(" a, b ,,c ,"), ["a", "b", "c"]);
    assert!(parse_choices(" , ").is_empty());
}

#[test]
fn builds_the_create_body() {
    let body = serde_json::to_value(draft().to_input().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({
            "name": "Weekly check",
            "source": {"kind": "filter", "filter_id": 7},
            "sampling": {"rule": "all"},
            "assignees": ["ann"],
            "reviewers_per_conversation": 2,
            "reservation_seconds": 900,
            "paused": false,
            "rubric": [
                {"id": "resolved", "prompt": "Resolved?", "kind": "pass_fail", "choices": [], "required": true},
                {"id": "topic", "prompt": "Topic", "kind": "label", "choices": ["billing", "login"], "required": false}
            ]
        })
    );
}

#[test]
fn choices_only_for_label_questions() {
    let mut d = draft();
    d.rubric[0].choices = "x, y".into();
    d.filter_id = None;
    let input = d.to_input().unwrap();
    assert!(input.rubric[0].choices.is_empty());
    assert_eq!(input.source, QueueSource::Explicit);
}

#[test]
fn sampling_rules() {
    let mut d = draft();
    d.rule = SamplingRule::Share;
    d.seed = "42".into();
    assert_eq!(
        d.sampling().unwrap(),
        Sampling::Share {
            share: 0.1,
            seed: 42
        }
    );
    d.rule = SamplingRule::Stratified;
    d.by = StratifyBy::Intent;
    d.per_stratum_count = true;
    d.count = "25".into();
    assert_eq!(
        serde_json::to_value(d.sampling().unwrap()).unwrap(),
        json!({"rule": "stratified", "by": "intent", "seed": 42, "count": 25})
    );
    assert_eq!(sampling_text(&d.sampling().unwrap()), "25 of each intent");
    d.per_stratum_count = false;
    d.share = "0.25".into();
    assert_eq!(sampling_text(&d.sampling().unwrap()), "25% of each intent");
}

#[test]
fn an_edit_sends_only_what_changed() {
    let queue: Queue = serde_json::from_value(json!({
        "id": 3, "name": "Weekly check", "source": {"kind": "explicit"}, "source_query": null,
        "sampling": {"rule": "all"}, "assignees": ["ann"], "reviewers_per_conversation": 2,
        "reservation_seconds": 90, "paused": false,
        "rubric": [{"id": "resolved", "prompt": "Resolved?", "kind": "pass_fail", "choices": [], "required": true}],
        "population": 0, "sampled": 0, "created_by": "ann",
        "created_at": "2026-12-04T00:00:00Z", "updated_at": "2026-12-04T00:00:00Z"
    }))
    .unwrap();
    let mut d = draft();
    d.rubric = queue.rubric.iter().map(QuestionDraft::of).collect();
    d.reservation_minutes = minutes_of(&queue);
    assert_eq!(d.reservation_minutes, "2");
    // Unchanged but for a name with spaces around it: nothing is sent.
    assert_eq!(d.to_update(&queue).unwrap(), QueueUpdate::default());
    d.rubric.push(QuestionDraft::of(&RubricQuestion {
        id: "topic".into(),
        prompt: "Topic".into(),
        kind: QuestionKind::Label,
        choices: vec!["billing".into(), "login".into()],
        required: false,
    }));
    assert_eq!(d.rubric[1].choices, "billing, login");
    d.reservation_minutes = "20".into();
    d.reviewers = 3;
    let update = serde_json::to_value(d.to_update(&queue).unwrap()).unwrap();
    assert_eq!(update["reservation_seconds"], 1200);
    assert_eq!(update["reviewers_per_conversation"], 3);
    assert_eq!(update["rubric"][1]["choices"], json!(["billing", "login"]));
    assert_eq!(
        (update["name"].clone(), update["assignees"].clone()),
        (Value::Null, Value::Null)
    );
    d.reservation_minutes = "soon".into();
    assert_eq!(d.to_update(&queue).unwrap_err().0, "reservation_seconds");
}

#[test]
fn numbers_that_are_not_name_their_field() {
    let mut d = draft();
    d.rule = SamplingRule::Share;
    d.share = "a tenth".into();
    assert_eq!(d.to_input().unwrap_err().0, "sampling.share");
    d.share = "0.1".into();
    d.seed = "-1".into();
    assert_eq!(d.to_input().unwrap_err().0, "sampling.seed");
    d.seed = String::new();
    d.reservation_minutes = "half an hour".into();
    assert_eq!(d.to_input().unwrap_err().0, "reservation_seconds");
    d.reservation_minutes = "30".into();
    d.rule = SamplingRule::Stratified;
    d.per_stratum_count = true;
    d.count = "many".into();
    assert_eq!(d.to_input().unwrap_err().0, "sampling.count");
}

fn stratum(value: &str, per_count: bool, amount: &str) -> StratumDraft {
    StratumDraft {
        value: value.into(),
        per_count,
        amount: amount.into(),
    }
}

#[test]
fn per_stratum_overrides_are_sent_under_strata() {
    let mut d = draft();
    d.rule = SamplingRule::Stratified;
    d.seed = "7".into();
    d.per_stratum_count = true;
    d.count = "50".into();
    d.strata = vec![
        stratum("slack", false, " 0.5 "),
        stratum("", true, "5"),
        stratum("rest", true, "200"),
    ];
    let body = serde_json::to_value(d.to_input().unwrap()).unwrap();
    assert_eq!(
        body["sampling"],
        json!({"rule": "stratified", "by": "channel", "seed": 7, "count": 50, "strata": {
            "": {"count": 5}, "rest": {"count": 200}, "slack": {"share": 0.5}
        }})
    );
    assert_eq!(
        sampling_text(&d.sampling().unwrap()),
        "50 of each channel, but (none): 5, rest: 200, slack: 50%"
    );
    // Overrides belong to a stratified rule only.
    d.rule = SamplingRule::Share;
    d.share = "0.1".into();
    assert_eq!(
        serde_json::to_value(d.sampling().unwrap()).unwrap(),
        json!({"rule": "share", "share": 0.1, "seed": 7})
    );
}

#[test]
fn a_bad_override_names_its_stratum() {
    let mut d = draft();
    d.rule = SamplingRule::Stratified;
    d.strata = vec![stratum("slack", false, "half")];
    assert_eq!(d.to_input().unwrap_err().0, "sampling.strata.slack.share");
    d.strata = vec![stratum("slack", true, "ten")];
    assert_eq!(d.to_input().unwrap_err().0, "sampling.strata.slack.count");
    d.strata = vec![stratum("slack", true, "10"), stratum("slack", false, "0.2")];
    let (field, message) = d.to_input().unwrap_err();
    assert_eq!(field, "sampling.strata.slack");
    assert!(message.contains("two overrides"), "{message}");
}

#[test]
fn stored_rules_round_trip_through_the_draft() {
    let rules = [
        json!({"rule": "all"}),
        json!({"rule": "share", "share": 0.05, "seed": 3}),
        json!({"rule": "stratified", "by": "intent", "seed": 0, "share": 0.25}),
        json!({"rule": "stratified", "by": "environment", "seed": 9, "count": 40, "strata": {
            "": {"share": 1.0}, "production": {"count": 400}, "staging": {"share": 0.125}
        }}),
    ];
    for rule in rules {
        let stored: Sampling = serde_json::from_value(rule.clone()).unwrap();
        let mut d = draft();
        // Overrides left from before do not survive a rule without them.
        d.strata = vec![stratum("old", true, "1")];
        d.set_sampling(&stored);
        assert_eq!(serde_json::to_value(d.sampling().unwrap()).unwrap(), rule);
    }
    let mut d = draft();
    d.set_sampling(
        &serde_json::from_value(json!({"rule": "stratified", "by": "channel", "share": 0.5,
            "strata": {"slack": {"count": 12}}}))
        .unwrap(),
    );
    assert_eq!(d.strata, [stratum("slack", true, "12")]);
    assert!(!d.per_stratum_count);
    assert_eq!(d.share, "0.5");
}

#[test]
fn an_edit_never_sends_the_sampling_so_overrides_stay() {
    // The sampling is fixed once a queue is filled: an edit of anything else leaves the
    // stored rule, overrides and all, to the server (PATCH has no `sampling`).
    let queue: Queue = serde_json::from_value(json!({
        "id": 4, "name": "By channel", "source": {"kind": "explicit"}, "source_query": null,
        "sampling": {"rule": "stratified", "by": "channel", "seed": 7, "count": 50,
            "strata": {"slack": {"share": 0.5}}},
        "assignees": [], "reviewers_per_conversation": 1,
        "reservation_seconds": 1800, "paused": false, "rubric": [],
        "population": 0, "sampled": 0, "created_by": "ann",
        "created_at": "2026-12-04T00:00:00Z", "updated_at": "2026-12-04T00:00:00Z"
    }))
    .unwrap();
    let mut d = draft();
    d.name = "By channel, weekly".into();
    d.assignees = Vec::new();
    d.reviewers = 1;
    d.reservation_minutes = minutes_of(&queue);
    d.rubric = Vec::new();
    let update = serde_json::to_value(d.to_update(&queue).unwrap()).unwrap();
    assert_eq!(update["name"], "By channel, weekly");
    assert!(update.get("sampling").is_none(), "{update}");
    assert_eq!(
        sampling_text(&queue.sampling),
        "50 of each channel, but slack: 50%"
    );
}
