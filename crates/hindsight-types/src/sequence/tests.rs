//! The pattern language's parser and canonical text.

use super::*;

fn parse(s: &str) -> SequencePattern {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn error(s: &str) -> SequenceError {
    s.parse::<SequencePattern>().unwrap_err()
}

#[test]
fn reads_the_issue_examples() {
    let p =
        parse("intent:request_restaurant > action:action_default_fallback > end within 2 turns");
    assert_eq!(p.elements.len(), 3);
    assert_eq!(p.elements[2].what, Matches::End);
    assert_eq!(p.elements[2].within_turns, Some(2));
    let p = parse("bot:utter_ask_cuisine{3,}");
    assert_eq!(p.elements[0].at_least, 3);
    let p = parse("confidence<0.5 >> action:action_handover");
    assert_eq!(
        p.elements[0].what,
        Matches::Step(vec![Condition::Confidence(Comparison::Less, 0.5)])
    );
    assert_eq!(p.elements[1].link, Link::Next);
    let p = parse(r#"user_text~"Human" > !slot:name"#);
    assert_eq!(
        p.elements[0].what,
        Matches::Step(vec![Condition::UserText("human".into())])
    );
    assert!(p.elements[1].negated);
}

#[test]
fn canonical_text_round_trips() {
    for s in [
        "intent:greet > action:utter_greet >> intent:affirm & confidence<=0.75",
        "!action:action_default_fallback",
        "bot:utter_ask_cuisine{3,} > end within 1 turn",
        r#"intent:"odd name" > user_text~"say \"hi\"" > slot:*"#,
        "intent:greet > !slot:name > intent:goodbye within 4 turns",
        "start >> * >> intent:greet > end",
        "intent:greet > bot:utter_ask_cuisine{2,3} > intent:inform",
        "*!(intent:a){3} >> end",
    ] {
        let p = parse(s);
        assert_eq!(p.to_string(), s);
        assert_eq!(parse(&p.to_string()), p);
    }
    assert_eq!(
        parse("  intent:a>action:b>>end ").to_string(),
        "intent:a > action:b >> end"
    );
    // A repetition's canonical form: no bound written when it is once or more, `{N}` for
    // exactly N.
    assert_eq!(
        parse("intent:a{1,} > action:b{2,2}").to_string(),
        "intent:a > action:b{2}"
    );
    let p = parse("bot:x{2,4} > intent:y{3} > intent:z{3,}");
    let bounds: Vec<(u32, Option<u32>)> =
        p.elements.iter().map(|e| (e.at_least, e.at_most)).collect();
    assert_eq!(bounds, [(2, Some(4)), (3, Some(3)), (3, None)]);
}

#[test]
fn errors_point_at_the_character() {
    let e = error("intent:greet > acton:x");
    assert_eq!(e.at, 16);
    assert!(e.message.contains("unknown step `acton`"), "{}", e.message);
    assert_eq!(error("intent:greet >").at, 15);
    assert_eq!(error("intent:a action:b").at, 10);
    assert_eq!(error("confidence<2").at, 12);
    assert_eq!(error("confidence<0.1234567").at, 12);
    assert_eq!(error("end > intent:a").at, 7);
    assert_eq!(error("!end").at, 1);
    assert_eq!(error("intent:a within 2 turns").at, 10);
    assert_eq!(error("intent:a >> action:b within 2 turns").at, 22);
    assert_eq!(error("intent:a & action:b").at, 12);
    assert_eq!(error("intent:a{3;}").at, 11);
    assert_eq!(error("intent:a{0}").at, 10);
    let e = error("intent:a{3,2}");
    assert_eq!(e.at, 12);
    assert!(
        e.message.contains("at least its lower bound (3)"),
        "{}",
        e.message
    );
    assert_eq!(error("intent:a{3,x}").at, 12);
    assert_eq!(error("intent:a{3,21}").at, 12);
    assert_eq!(error("intent:a{3,4 > end").at, 13);
    assert_eq!(error("!intent:a{2,3}").at, 10);
    assert_eq!(error("intent:a{21,}").at, 10);
    assert_eq!(error("intent:a & intent:b").at, 12);
    assert!("confidence>=0.3 & confidence<0.6"
        .parse::<SequencePattern>()
        .is_ok());
    assert_eq!(error("!intent:a >> action:b").at, 14);
    assert_eq!(error("user_text~\"open").at, 11);
    assert_eq!(error("   ").at, 1);
    assert_eq!(error("intent:a > start").at, 12);
    assert_eq!(error("!start").at, 1);
    let long: Vec<String> = (0..13).map(|i| format!("intent:a{i}")).collect();
    assert!(error(&long.join(" > ")).message.contains("at most 12"));
}

#[test]
fn required_features_skip_negations_and_wildcards() {
    let p = parse("intent:a > !action:b > slot:c > intent:* > bot:utter_x > slot:c");
    assert_eq!(p.required_features(), vec![("intent", "a"), ("slot", "c")]);
    // No name is not a feature the index holds.
    let p = parse(r#"intent:"" > action:"" > action:b"#);
    assert_eq!(p.required_features(), vec![("action", "b")]);
}

#[test]
fn the_empty_name_is_quoted_and_only_for_names() {
    let p = parse(r#"intent:"" >> action:"" > bot:"""#);
    assert_eq!(
        p.elements[0].what,
        Matches::Step(vec![Condition::Intent(String::new())])
    );
    assert_eq!(
        p.elements[1].what,
        Matches::Step(vec![Condition::Action(String::new())])
    );
    assert_eq!(p.to_string(), r#"intent:"" >> action:"" > bot:"""#);
    assert_eq!(error(r#"slot:"""#).at, 6);
    assert!(error(r#"slot:"""#).message.contains("slot's name"));
    assert_eq!(error(r#"user_text~"""#).at, 11);
    assert_eq!(error(r#"slot:a="""#).at, 8);
}

#[test]
fn slot_values_read_typed_and_round_trip() {
    let p = parse(r#"slot:cuisine="thai" > slot:guests=4.0 > slot:vip=true > slot:name=null"#);
    let values: Vec<&Condition> = p
        .elements
        .iter()
        .map(|e| match &e.what {
            Matches::Step(c) => &c[0],
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        values,
        [
            &Condition::Slot("cuisine".into(), Some(SlotValue::Text("thai".into()))),
            &Condition::Slot("guests".into(), Some(SlotValue::Number(4.0))),
            &Condition::Slot("vip".into(), Some(SlotValue::Bool(true))),
            &Condition::Slot("name".into(), Some(SlotValue::Null)),
        ]
    );
    // Canonical: a whole number without its fraction.
    assert_eq!(
        p.to_string(),
        r#"slot:cuisine="thai" > slot:guests=4 > slot:vip=true > slot:name=null"#
    );
    for s in [
        r#"slot:"my slot"="say \"hi\"" >> slot:*=-2.5 > !slot:x="4" > slot:y"#,
        "slot:n=0.1 > slot:f=false > slot:z=100000000000000000000",
    ] {
        let p = parse(s);
        assert_eq!(p.to_string(), s);
        assert_eq!(parse(&p.to_string()), p);
    }
    assert_eq!(canonical_number(-0.0), "0");
    assert_eq!(canonical_number(1e20), "100000000000000000000");
}

#[test]
fn slot_value_errors_point_at_the_value() {
    for (s, at) in [
        ("slot:cuisine=thai", 14),
        ("slot:guests=4x", 13),
        ("slot:guests=-", 13),
        ("slot:guests=.5", 13),
        ("intent:a > slot:x=", 19),
        (r#"slot:x="open"#, 8),
        (r#"slot:x="""#, 8),
        ("slot:x=True", 8),
    ] {
        assert_eq!(error(s).at, at, "{s}: {}", error(s));
    }
    assert!(error("slot:cuisine=thai")
        .message
        .contains("text in double quotes"));
    let long = format!("slot:x=\"{}\"", "a".repeat(MAX_SLOT_VALUE_CHARS + 1));
    assert_eq!(error(&long).at, 8);
    assert!(format!("slot:x=\"{}\"", "a".repeat(MAX_SLOT_VALUE_CHARS))
        .parse::<SequencePattern>()
        .is_ok());
}

#[test]
fn required_slot_values_skip_numbers_and_resets() {
    let p =
        parse(r#"slot:a="x" > slot:b=4 > slot:c=null > slot:d=true > !slot:e="y" > slot:*="z""#);
    assert_eq!(
        p.required_slot_values(),
        vec![("a", "x".to_owned()), ("d", "true".to_owned())]
    );
    assert_eq!(
        p.required_features(),
        vec![("slot", "a"), ("slot", "b"), ("slot", "d")]
    );
}

#[test]
fn any_step_but_these() {
    let s = "start >> * >> *!(intent:greet | action:utter_greet & bot:utter_greet | slot:x=null)";
    let p = parse(s);
    assert_eq!(
        p.elements[2].what,
        Matches::AnyBut(vec![
            vec![Condition::Intent("greet".into())],
            vec![
                Condition::Action("utter_greet".into()),
                Condition::Bot("utter_greet".into())
            ],
            vec![Condition::Slot("x".into(), Some(SlotValue::Null))],
        ])
    );
    assert_eq!(p.to_string(), s);
    assert_eq!(
        parse("*!( intent:a|intent:\"b|c\" ){2,} > end").to_string(),
        "*!(intent:a | intent:\"b|c\"){2,} > end"
    );
    assert_eq!(error("!*!(intent:a)").at, 1);
    assert_eq!(error("*!(intent:a").at, 12);
    assert_eq!(error("*!(intent:a action:b)").at, 13);
    assert_eq!(error("*!()").at, 4);
    // `*` then a negation is still two elements' worth of error, not a set.
    assert_eq!(error("* !intent:a").at, 3);
    assert!(parse("*!(intent:a)").required_features().is_empty());
}
