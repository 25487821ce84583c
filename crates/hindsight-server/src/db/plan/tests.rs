//! The probe-or-gather choices and their costs, from given counts (no database).

use super::*;

#[test]
fn a_common_value_is_probed_a_rare_one_gathered() {
    let million = 1_000_000;
    // 9 % of the conversations: about 600 rows walked against 90,000 ids gathered.
    assert!(should_probe(million, 50, &[90_000], 1.0, PROBE_COST));
    assert!(should_probe(million, 50, &[700_000], 1.0, PROBE_COST));
    // 0.5 %: 10,000 rows walked cost more than 5,000 ids gathered.
    assert!(!should_probe(million, 50, &[5_000], 1.0, PROBE_COST));
    assert!(!should_probe(million, 50, &[0], 1.0, PROBE_COST));
    assert!(!should_probe(0, 50, &[0], 1.0, PROBE_COST));
}

#[test]
fn other_shares_thin_the_walk() {
    let million = 1_000_000;
    assert!(should_probe(million, 50, &[30_000], 1.0, PROBE_COST));
    // One channel of six: a walk six times longer still costs less than 30,000 ids.
    assert!(should_probe(million, 50, &[30_000], 1.0 / 6.0, PROBE_COST));
    // One of twenty: 34,000 rows walked, and it no longer pays.
    assert!(!should_probe(
        million,
        50,
        &[30_000],
        1.0 / 20.0,
        PROBE_COST
    ));
    // Two common features together still do.
    assert!(should_probe(
        million,
        50,
        &[500_000, 400_000],
        1.0,
        PROBE_COST
    ));
    // Two that are each rare-ish, taken as independent, make the walk far too long.
    assert!(!should_probe(
        million,
        50,
        &[20_000, 20_000],
        1.0,
        PROBE_COST
    ));
}

#[test]
fn a_common_word_is_probed_a_rare_one_gathered() {
    let million = 1_000_000;
    // A word in 150,000 messages: 340 conversations walked and tested, about 6,000
    // gathered ids' worth, against 150,000.
    assert!(should_probe(million, 50, &[150_000], 1.0, PROBE_WORDS_COST));
    // In 5,000 messages: 10,000 conversations tested cost more than gathering them.
    assert!(!should_probe(million, 50, &[5_000], 1.0, PROBE_WORDS_COST));
}

#[test]
fn a_word_costs_only_the_rows_the_other_conditions_pass() {
    // A word alone (its share is the filter's density): the whole seek on every row.
    assert_eq!(
        per_row_words_cost(0.15, 0.15),
        PROBE_COST + PROBE_WORDS_COST
    );
    // Four conditions with a word in 15 % of the conversations, 0.8 % matching all: the
    // others pass about 5 % of the rows, and walking 12,625 rows for a page of 100 costs
    // less than gathering the word's 149,444 matches.
    let cost = per_row_words_cost(0.008, 0.149);
    assert!(cost < PROBE_COST + 1.0, "{cost}");
    assert!((101.0 / 0.008) * cost < 149_444.0);
    // A word nobody wrote (no share): costed as the word alone.
    assert_eq!(per_row_words_cost(0.0, 0.0), PROBE_COST + PROBE_WORDS_COST);
}

#[test]
fn a_common_substring_is_probed_a_rare_one_gathered() {
    // "refund" in 15 % of a million: 670 conversations walked and tested.
    assert!(probe_substring(
        Backend::Postgres,
        100,
        154.0 / 1024.0,
        1_000_000
    ));
    // 0.2 %: 50,000 conversations tested cost more than gathering 2,000.
    assert!(!probe_substring(
        Backend::Postgres,
        100,
        2.0 / 1024.0,
        1_000_000
    ));
    assert!(!probe_substring(
        Backend::Postgres,
        100,
        0.0 / 1024.0,
        1_000_000
    ));
    // SQLite tests a walked row's path of turns (about 6 gathered ids' worth): a substring
    // in 5 % of a million (about 2,000 rows walked for 50,000 gathered) is walked, one in
    // 1.5 % (6,700 rows, 40,000 ids' worth, for 15,000) gathered, as on PostgreSQL.
    assert!(probe_substring(
        Backend::Sqlite,
        100,
        50.0 / 1000.0,
        1_000_000
    ));
    assert!(!probe_substring(
        Backend::Sqlite,
        100,
        15.0 / 1000.0,
        1_000_000
    ));
    assert!(!probe_substring(
        Backend::Postgres,
        100,
        15.0 / 1000.0,
        1_000_000
    ));
    assert!(!probe_substring(
        Backend::Sqlite,
        100,
        5.0 / 1000.0,
        1_000_000
    ));
}

#[test]
fn only_text_is_text_alone() {
    let parse = |q: &str| ConversationFilter::from_query(q).unwrap();
    assert!(only_text(&parse(
        "text=refund&text_mode=substring&sort=oldest"
    )));
    assert!(!only_text(&parse("text=refund&channel=rest")));
    assert!(!only_text(&parse("sort=oldest")));
}

#[test]
fn only_tags_is_tags_alone() {
    let parse = |q: &str| ConversationFilter::from_query(q).unwrap();
    assert!(only_any_of_tags(&parse("tag=bug&sort=length")));
    assert!(!only_any_of_tags(&parse("tag=bug&channel=rest")));
    assert!(!only_any_of_tags(&parse("sort=length")));
}

#[test]
fn only_features_and_channels_have_known_shares() {
    let parse = |q: &str| ConversationFilter::from_query(q).unwrap();
    assert!(only_known_shares(&parse(
        "intent=greet&channel=rest&sort=oldest"
    )));
    assert!(only_known_shares(&parse(
        "action=utter_greet&entity=city&policy=TEDPolicy"
    )));
    for q in [
        "intent=greet&min_user_messages=3",
        "intent=greet&text=hey",
        "intent=greet&exclude_action=x",
        "intent=greet&review_status=unread",
        "intent=greet&tag=bug",
    ] {
        assert!(!only_known_shares(&parse(q)), "{q}");
    }
}

#[test]
fn postgres_hashes_the_holders_between_rare_and_common() {
    let million = 1_000_000;
    // The bench's values at a million: a slot's value held by 5,995 conversations is hashed
    // (2.2 ms plus a walk of 8,500 index entries, against 16.8 ms looked up one by one).
    assert_eq!(
        cheapest_holders_read(5_995, million, 50),
        HoldersRead::Hashed
    );
    // `intent_010`'s 44,627: the walk finds 51 in 1,100 entries, probed sooner than hashed.
    assert_eq!(
        cheapest_holders_read(44_627, million, 50),
        HoldersRead::Probed
    );
    // A rare value: its few holders looked up as PostgreSQL's planner does.
    assert_eq!(
        cheapest_holders_read(500, million, 50),
        HoldersRead::Planner
    );
    assert_eq!(cheapest_holders_read(0, million, 50), HoldersRead::Planner);
    assert_eq!(cheapest_holders_read(10, 0, 50), HoldersRead::Planner);
}

#[test]
fn only_conditions_beside_the_order_leave_the_rows_unread() {
    let with = |f: fn(&mut ConversationFilter)| {
        let mut filter = ConversationFilter::default();
        f(&mut filter);
        filter
    };
    let tagged = with(|f| f.tags_any = vec!["bug".into()]);
    assert!(requires_other_tables(&tagged) && tests_no_row_column(&tagged));
    // An exclusion alone lets most conversations through: the page is the index's first.
    assert!(!requires_other_tables(&with(
        |f| f.tags_none = vec!["bug".into()]
    )));
    assert!(!requires_other_tables(&with(|f| f.flagged = Some(true))));
    let long_and_tagged = with(|f| {
        f.tags_any = vec!["bug".into()];
        f.min_user_messages = Some(3);
    });
    assert!(!tests_no_row_column(&long_and_tagged));
}
