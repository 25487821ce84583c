//! The fixed suite of inbox filters, each with the best hand-written SQL for the same answer.

use diesel::prelude::*;
use hindsight_server::db::DbConnection;

use super::*;

// ------------------------------------------------------------------------------------------
// The suite

/// A filter of the inbox suite: the API's query string and the hand-written SQL condition on
/// `conversations c` that answers the same question.
pub(super) struct Case {
    pub(super) name: &'static str,
    pub(super) query: String,
    /// Portable SQL; `{text}` cases give one per backend.
    pub(super) sql: String,
    pub(super) sql_pg: Option<String>,
    /// The page's condition on SQLite where the API walks the order testing each row rather
    /// than gathering the matches (its count still reads them: `sql`).
    pub(super) walk: Option<String>,
    /// The same on PostgreSQL (its count: `sql_pg`).
    pub(super) walk_pg: Option<String>,
    /// The whole count statement on PostgreSQL where the API counts apart from the
    /// conversations' rows (a text alone: `db::conversations::text::lone_text_total`), else
    /// `sql_pg`'s condition is counted.
    pub(super) count_pg: Option<String>,
    pub(super) order: &'static str,
}

pub(super) fn feature(kind: &str, name: &str) -> String {
    format!(
        "c.id IN (SELECT f.conversation_id FROM conversation_features f WHERE f.kind = '{kind}' AND f.name = '{name}' AND f.value = '')"
    )
}

pub(super) fn tagged(name: &str) -> String {
    format!(
        "c.id IN (SELECT ct.conversation_id FROM conversation_tags ct WHERE ct.tag_id = (SELECT id FROM tags WHERE name = '{name}'))"
    )
}

/// The word condition (`text=`, one word): SQLite's FTS5 word index (its rowid names the
/// conversation), PostgreSQL's GIN index of each conversation's `simple` tsvector.
pub(super) fn text_sql(word: &str) -> (String, String) {
    (
        format!("c.id IN (SELECT rowid >> 24 FROM user_words WHERE user_words MATCH '\"{word}\"')"),
        format!("c.id IN (SELECT w.conversation_id FROM conversation_words w WHERE w.words @@ phraseto_tsquery('simple', hindsight_fold('{word}')))"),
    )
}

/// A feature tested on each row as the page walks its order, fenced from PostgreSQL's
/// planner (`OFFSET 0`), as the API walks words with features there.
pub(super) fn feature_probe_pg(kind: &str, name: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM conversation_features f WHERE f.conversation_id = c.id AND f.kind = '{kind}' AND f.name = '{name}' OFFSET 0)"
    )
}

/// The word condition tested on each row, as [`feature_probe_pg`].
pub(super) fn word_probe_pg(word: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM conversation_words w WHERE w.conversation_id = c.id AND (w.words @@ phraseto_tsquery('simple', hindsight_fold('{word}'))) IS TRUE OFFSET 0)"
    )
}

/// The substring condition (`text_mode=substring`): SQLite's FTS5 trigram index,
/// PostgreSQL's pg_trgm index. Prefixed with `+`, SQLite walks the order's index and looks
/// each row up in the matches, as the API does for a common substring's page.
pub(super) fn substring_sql(word: &str) -> (String, String) {
    (
        format!("c.id IN (SELECT rowid >> 24 FROM user_texts WHERE user_texts MATCH '\"{word}\"')"),
        format!("c.id IN (SELECT m.conversation_id FROM user_messages m WHERE m.lowered LIKE '%{word}%')"),
    )
}

/// A text alone counted on PostgreSQL as the API counts it: the distinct conversations of
/// the text's rows (`conversation_words`, one per conversation, for one word; else
/// `user_messages`), less those in the trash.
fn lone_text_count_pg(rows: &str, test: &str) -> String {
    let distinct = if rows == "conversation_words" {
        ""
    } else {
        "DISTINCT "
    };
    format!(
        "SELECT (SELECT count({distinct}m.conversation_id) FROM {rows} m WHERE {test}) - \
         (SELECT count({distinct}m.conversation_id) FROM conversations c JOIN {rows} m \
         ON m.conversation_id = c.id WHERE c.deleted_at IS NOT NULL AND {test})"
    )
}

/// [`lone_text_count_pg`] of one word.
fn word_count_pg(word: &str) -> Option<String> {
    Some(lone_text_count_pg(
        "conversation_words",
        &format!("m.words @@ phraseto_tsquery('simple', hindsight_fold('{word}'))"),
    ))
}

/// The substring condition as SQLite's page tests it on each row it walks: the conversation's
/// path of turns against the expression of a user message holding the text.
pub(super) fn substring_walk(text: &str) -> String {
    let regex = hindsight_server::sequence::user_text_regex(text).replace('\'', "''");
    format!(
        "EXISTS (SELECT 1 FROM conversation_paths p WHERE p.conversation_id = c.id AND hindsight_sequence_match('{regex}', p.steps))"
    )
}

/// A sequence filter (`seq=`): its steps' features and lowest confidence, then each
/// candidate's path against the pattern's expression (SQLite through the function the server
/// registers on every connection, PostgreSQL's `~` behind the pattern's `LIKE` prefilter), as
/// the API narrows.
pub(super) fn sequence_case(name: &'static str, pattern: &str) -> Case {
    let parsed: hindsight_types::SequencePattern = pattern.parse().expect("a valid pattern");
    let regex = hindsight_server::sequence::to_regex(&parsed);
    let needs: Vec<String> = parsed
        .required_features()
        .into_iter()
        .map(|(kind, name)| feature(kind, name))
        .collect();
    let path = |test: String| {
        let mut conds = needs.clone();
        if let Some(bound) = hindsight_server::sequence::lowest_confidence_below(&parsed) {
            conds.push(format!("c.min_intent_confidence < {bound}"));
        }
        conds.push(format!(
            "c.id IN (SELECT p.conversation_id FROM conversation_paths p WHERE {test})"
        ));
        conds.join(" AND ")
    };
    Case {
        name,
        query: format!(
            "seq={}",
            url::form_urlencoded::byte_serialize(pattern.as_bytes()).collect::<String>()
        ),
        sql: path(format!("hindsight_sequence_match('{regex}', p.steps)")),
        // The API's choice on PostgreSQL: the pattern's `LIKE` first, when it has one.
        sql_pg: Some(path(
            match hindsight_server::sequence::like_prefilter(&parsed) {
                Some(like) => format!(
                    "p.steps LIKE '{}' AND p.steps ~ '{regex}'",
                    like.replace('\'', "''")
                ),
                None => format!("p.steps ~ '{regex}'"),
            },
        )),
        walk: None,
        walk_pg: None,
        count_pg: None,
        order: LATEST,
    }
}

pub(super) const LATEST: &str = "c.latest_event_at DESC, c.id DESC";

pub(super) fn suite() -> Vec<Case> {
    let case = |name, query: &str, sql: String| Case {
        name,
        query: query.into(),
        sql,
        sql_pg: None,
        walk: None,
        walk_pg: None,
        count_pg: None,
        order: LATEST,
    };
    let (refund, refund_pg) = text_sql("refund");
    let (zurich, zurich_pg) = text_sql("zürich");
    let (refund3, refund3_pg) = text_sql("refund");
    let (refund_sub, refund_sub_pg) = substring_sql("refund");
    vec![
        case("everything (no filter)", "", "TRUE".into()),
        case("channel", "channel=telegram", "c.channel = 'telegram'".into()),
        case("intent", "intent=intent_010", feature("intent", "intent_010")),
        case("exclude intent (nearly everything)", "exclude_intent=intent_149", format!("NOT {}", feature("intent", "intent_149"))),
        case("action", "action=utter_005", feature("action", "utter_005")),
        case("entity", "entity=city", feature("entity", "city")),
        case(
            "slot value",
            "slot=city:city-7",
            "c.id IN (SELECT f.conversation_id FROM conversation_features f WHERE f.kind = 'slot' AND f.name = 'city' AND f.value = 'city-7')".into(),
        ),
        case("low intent confidence", "max_intent_confidence=0.3", "c.min_intent_confidence <= 0.3".into()),
        case("long conversations", "min_user_messages=10", "c.user_message_count >= 10".into()),
        case(
            "date range (June)",
            "start=2026-06-01T00:00:00Z&until=2026-06-30T23:59:59Z",
            "c.latest_event_at >= '2026-06-01 00:00:00' AND c.first_event_at <= '2026-06-30 23:59:59'".into(),
        ),
        case("time of day (night)", "time_of_day=22:00-06:00", "(c.start_minute_local >= 1320 OR c.start_minute_local < 360)".into()),
        case("review status", "review_status=saved_for_later", "c.review_status = 'saved_for_later'".into()),
        case("tag", "tag=bug", tagged("bug")),
        case("flagged", "flagged=true", "c.flagged = TRUE".into()),
        Case { name: "free text (common word)", query: "text=refund".into(), sql: refund, sql_pg: Some(refund_pg), walk: None, walk_pg: None, count_pg: word_count_pg("refund"), order: LATEST },
        Case { name: "free text (non-ASCII)", query: "text=z%C3%BCrich".into(), sql: zurich, sql_pg: Some(zurich_pg), walk: None, walk_pg: None, count_pg: word_count_pg("zürich"), order: LATEST },
        Case { name: "free text (substring)", query: "text=refund&text_mode=substring".into(), sql: refund_sub, sql_pg: Some(refund_sub_pg), walk: Some(substring_walk("refund")), walk_pg: None, count_pg: Some(lone_text_count_pg("user_messages", "m.lowered LIKE '%refund%'")), order: LATEST },
        sequence_case("sequence: 2 steps", "intent:intent_000 > action:utter_001"),
        sequence_case("sequence: 4 steps to the end", "intent:intent_003 > intent:intent_000 > action:utter_002 > end"),
        sequence_case("sequence: never this action, to the end", "intent:intent_000 > !action:utter_000 > end"),
        sequence_case("sequence: unsure, then next an action", "confidence<0.3 >> action:*"),
        sequence_case("sequence: once or twice, then the end", "intent:intent_000 > action:utter_001{1,2} > end"),
        case("matching nothing", "intent=no_such_intent", feature("intent", "no_such_intent")),
        case(
            "3: channel + intent + low confidence",
            "channel=slack&intent=intent_003&max_intent_confidence=0.6",
            format!("c.channel = 'slack' AND {} AND c.min_intent_confidence <= 0.6", feature("intent", "intent_003")),
        ),
        case(
            "4: unread + entity + length + not tagged",
            "review_status=unread&entity=city&min_user_messages=3&tags_none=bug",
            format!("c.review_status = 'unread' AND {} AND c.user_message_count >= 3 AND NOT {}", feature("entity", "city"), tagged("bug")),
        ),
        Case {
            name: "4: action + policy + morning + text",
            query: "action=utter_010&policy=TEDPolicy&time_of_day=08:00-12:00&text=refund".into(),
            sql: format!("{} AND {} AND c.start_minute_local >= 480 AND c.start_minute_local < 720 AND {refund3}", feature("action", "utter_010"), feature("policy", "TEDPolicy")),
            sql_pg: Some(format!("{} AND {} AND c.start_minute_local >= 480 AND c.start_minute_local < 720 AND {refund3_pg}", feature("action", "utter_010"), feature("policy", "TEDPolicy"))),
            walk: None,
            // The API walks the order on PostgreSQL here (`db::plan::walks_words_on_postgres`).
            walk_pg: Some(format!("c.start_minute_local >= 480 AND c.start_minute_local < 720 AND {} AND {} AND {}", feature_probe_pg("action", "utter_010"), feature_probe_pg("policy", "TEDPolicy"), word_probe_pg("refund"))),
            count_pg: None,
            order: LATEST,
        },
        Case {
            name: "lowest confidence order + intent",
            query: "sort=lowest_confidence&intent=intent_001".into(),
            sql: feature("intent", "intent_001"),
            sql_pg: None, walk: None, walk_pg: None, count_pg: None,
            order: "c.lowest_confidence ASC, c.id ASC",
        },
        Case {
            name: "length order + channel + tag",
            query: "sort=length&channel=rest&tag=needs-training".into(),
            sql: format!("c.channel = 'rest' AND {}", tagged("needs-training")),
            sql_pg: None, walk: None, walk_pg: None, count_pg: None,
            order: "c.user_message_count DESC, c.id DESC",
        },
    ]
}

pub(super) const ROW_COLUMNS: &str = "c.id, c.sender_id, c.channel, c.first_event_at, c.latest_event_at, c.user_message_count, c.event_count, c.min_intent_confidence, c.min_action_confidence, c.lowest_confidence, c.first_user_message, c.review_status, c.has_news, c.flagged";

/// The hand-written page: the rows, then the intents, actions and tags of those rows (by the
/// ids the first query returned, as a client would send them).
pub(super) fn page_sql(
    conn: &mut DbConnection,
    cond: &str,
    order: &str,
    extra: &str,
) -> anyhow::Result<String> {
    let where_ = format!("FROM conversations c WHERE c.deleted_at IS NULL AND {cond}{extra} ORDER BY {order} LIMIT 51");
    let ids: Vec<OneId> = diesel::sql_query(format!("SELECT c.id AS id {where_}")).load(conn)?;
    let ids = ids
        .iter()
        .map(|i| i.id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let ids = if ids.is_empty() { "-1".to_owned() } else { ids };
    Ok(format!(
        "SELECT {ROW_COLUMNS} {where_};
         SELECT f.conversation_id, f.kind, f.name FROM conversation_features f
           WHERE f.conversation_id IN ({ids}) AND f.kind IN ('intent', 'action')
           ORDER BY f.conversation_id, f.occurrences DESC, f.name;
         SELECT ct.conversation_id, t.id, t.name, t.color FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
           WHERE ct.conversation_id IN ({ids});"
    ))
}

pub(super) fn count_sql(cond: &str) -> String {
    format!("SELECT count(*) FROM conversations c WHERE c.deleted_at IS NULL AND {cond}")
}
