//! The filter's query-string round trip and parsing errors.

use super::parse::parse_time_of_day;
use super::*;

#[test]
fn round_trips_through_the_query_string() {
    let q = "min_user_messages=2&max_user_messages=9&channel=rest,telegram&intent=greet&exclude_intent=bye&slot=city:New York, NY&slot=name&start=2024-01-01T00:00:00Z&time_of_day=22:00-06:00&review_status=unread,saved_for_later&tags_all=alice&flagged=true&text=hello&discover_group=12&sort=length";
    let f = ConversationFilter::from_query(q).unwrap();
    assert_eq!(
        f.slots[0],
        SlotFilter {
            name: "city".into(),
            value: Some("New York, NY".into())
        }
    );
    assert_eq!(f.channels, ["rest", "telegram"]);
    assert_eq!(f.sort, SortOrder::Length);
    assert_eq!(f.discover_group, Some(12));
    let again = ConversationFilter::from_query(&f.to_query()).unwrap();
    assert_eq!(f, again);
}

#[test]
fn accepts_rasa_x_aliases() {
    let q = "minimumConfidence=0.1&maximumConfidence=0.9&minimumNluConfidence=0.2&minimumUserMessages=3&input_channels=rest&policies=TEDPolicy&slots=a:1,b&tags_any=x&is_flagged=false&start=1700000000.5";
    let f = ConversationFilter::from_query(q).unwrap();
    assert_eq!(f.min_action_confidence, Some(0.1));
    assert_eq!(f.max_action_confidence, Some(0.9));
    assert_eq!(f.min_intent_confidence, Some(0.2));
    assert_eq!(f.min_user_messages, Some(3));
    assert_eq!(f.policies, ["TEDPolicy"]);
    assert_eq!(f.slots.len(), 2);
    assert_eq!(f.flagged, Some(false));
    assert_eq!(f.start.unwrap().timestamp_millis(), 1_700_000_000_500);
}

#[test]
fn names_the_bad_parameter() {
    for (q, field) in [
        ("minimumConfidence=2", "minimumConfidence"),
        ("min_user_messages=abc", "min_user_messages"),
        ("review_status=done", "review_status"),
        ("time_of_day=late", "time_of_day"),
        ("bogus=1", "bogus"),
        ("start=yesterday", "start"),
        (
            "min_user_messages=5&max_user_messages=2",
            "max_user_messages",
        ),
        ("sort=random", "sort"),
        ("discover_group=-1", "discover_group"),
        ("discover_group=x", "discover_group"),
    ] {
        let err = ConversationFilter::from_query(q).unwrap_err();
        assert_eq!(err.field, field, "{q}");
    }
    let err = parse_listing_query("limit=0").unwrap_err();
    assert_eq!(err.field, "limit");
}

#[test]
fn text_matches_words_unless_quoted_or_asked() {
    let f = ConversationFilter::from_query("text=refund").unwrap();
    assert_eq!(
        (f.text.as_deref(), f.text_mode),
        (Some("refund"), TextMode::Words)
    );
    let f = ConversationFilter::from_query("text=%22refu%22").unwrap();
    assert_eq!(
        (f.text.as_deref(), f.text_mode),
        (Some("refu"), TextMode::Substring)
    );
    let f = ConversationFilter::from_query("text_mode=substring&text=refu").unwrap();
    assert_eq!(
        (f.text.as_deref(), f.text_mode),
        (Some("refu"), TextMode::Substring)
    );
    assert_eq!(f.to_query(), "text=refu&text_mode=substring");
    assert_eq!(ConversationFilter::from_query(&f.to_query()).unwrap(), f);
    let err = ConversationFilter::from_query("text=abc&text_mode=fuzzy").unwrap_err();
    assert_eq!(err.field, "text_mode");
    // The quotes do not count towards the text's length.
    assert_eq!(
        ConversationFilter::from_query("text=%22ab%22")
            .unwrap_err()
            .field,
        "text"
    );
}

#[test]
fn short_text_is_refused_by_characters_not_bytes() {
    for q in [
        "text=a",
        "text=ab",
        "text=%C3%A4%C3%B6",
        "text=%F0%9F%98%80x",
    ] {
        let err = ConversationFilter::from_query(q).unwrap_err();
        assert_eq!(err.field, "text", "{q}");
        assert!(err.message.contains("at least 3 characters"), "{q}");
    }
    // Three characters of two bytes each, and a blank text (no filter), pass.
    let f = ConversationFilter::from_query("text=%C3%A4%C3%B6%C3%BC").unwrap();
    assert_eq!(f.text.as_deref(), Some("äöü"));
    assert_eq!(ConversationFilter::from_query("text=+").unwrap().text, None);
    assert!(ConversationFilter::from_query("text=abc").is_ok());
}

#[test]
fn offset_is_capped() {
    let (_, page) = parse_listing_query("offset=10000").unwrap();
    assert_eq!(page.offset, Some(MAX_OFFSET));
    let err = parse_listing_query("offset=10001").unwrap_err();
    assert_eq!(err.field, "offset");
    assert!(err.message.contains("cursor"), "{}", err.message);
}

#[test]
fn time_window_wraps_midnight() {
    let w = parse_time_of_day("t", "22:00-06:00").unwrap();
    assert!(w.contains_minute(23 * 60));
    assert!(w.contains_minute(60));
    assert!(!w.contains_minute(12 * 60));
    let day = parse_time_of_day("t", "09:00-17:30").unwrap();
    assert!(day.contains_minute(17 * 60 + 29));
    assert!(!day.contains_minute(17 * 60 + 30));
}

#[test]
fn scores_merge_by_question_and_round_trip() {
    let q = "score.outcome=failure&score.resolved=false&score.outcome=partial,handover";
    let f = ConversationFilter::from_query(q).unwrap();
    assert_eq!(
        f.scores,
        [
            ScoreFilter {
                question: "outcome".into(),
                values: vec!["failure".into(), "partial".into(), "handover".into()]
            },
            ScoreFilter {
                question: "resolved".into(),
                values: vec!["false".into()]
            }
        ]
    );
    assert_eq!(
        f.to_query(),
        "score.outcome=failure%2Cpartial%2Chandover&score.resolved=false"
    );
    assert_eq!(ConversationFilter::from_query(&f.to_query()).unwrap(), f);
    let err = ConversationFilter::from_query("score.=x").unwrap_err();
    assert_eq!(err.field, "score.");
    assert!(ConversationFilter::from_query("score.outcome=")
        .unwrap()
        .is_empty());
}

#[test]
fn a_slot_value_step_round_trips_through_the_query_string() {
    let pattern = r#"slot:cuisine="thai food" > slot:guests=4 > slot:"a&b"=null"#;
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("seq", pattern)
        .finish();
    let f = ConversationFilter::from_query(&q).unwrap();
    assert_eq!(f.sequence.as_ref().unwrap().to_string(), pattern);
    assert_eq!(ConversationFilter::from_query(&f.to_query()).unwrap(), f);
    let err = ConversationFilter::from_query("seq=slot%3Acuisine%3Dthai").unwrap_err();
    assert_eq!(err.field, "seq");
    assert!(err.message.contains("at character 14"), "{}", err.message);
}
