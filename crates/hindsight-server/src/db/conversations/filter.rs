//! The inbox filter as SQL: a [`ConversationFilter`] applied condition by condition to a
//! boxed query of live conversations.

use diesel::dsl::not;
use diesel::prelude::*;
use hindsight_types::{ConversationFilter, TextMode};

use super::BoxedConversations;
use crate::db::connection::Backend;
use crate::db::schema::{conversation_features, conversation_tags, conversations, events, tags};
use crate::db::schema::{message_annotations, queue_answers};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

/// `SELECT conversation_id FROM conversation_features WHERE kind = ? AND name IN (…)`.
type FeatureIds<'a> = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            conversation_features::table,
            diesel::dsl::Eq<conversation_features::kind, &'a str>,
        >,
        diesel::dsl::EqAny<conversation_features::name, &'a [String]>,
    >,
    conversation_features::conversation_id,
>;

/// `SELECT conversation_id FROM conversation_tags JOIN tags … WHERE tags.name IN (…)`.
type TaggedIds<'a> = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::InnerJoin<conversation_tags::table, tags::table>,
        diesel::dsl::EqAny<tags::name, &'a [String]>,
    >,
    conversation_tags::conversation_id,
>;

/// Conversations having a feature of `kind` named any of `names`. (Not boxed: diesel's
/// multi-backend cannot nest a boxed subquery.)
fn with_feature<'a>(kind: &'a str, names: &'a [String]) -> FeatureIds<'a> {
    conversation_features::table
        .filter(conversation_features::kind.eq(kind))
        .filter(conversation_features::name.eq_any(names))
        .select(conversation_features::conversation_id)
}

/// Conversations tagged with any of `names`.
fn with_tags(names: &[String]) -> TaggedIds<'_> {
    conversation_tags::table
        .inner_join(tags::table)
        .filter(tags::name.eq_any(names))
        .select(conversation_tags::conversation_id)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_contains(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Whether the filter's `text` is matched as words: the default, unless a substring was asked
/// for or the text holds no letter or digit (no word to look up: `?!` is then a substring).
pub(in crate::db) fn matches_words(filter: &ConversationFilter, text: &str) -> bool {
    filter.text_mode == TextMode::Words && text.chars().any(char::is_alphanumeric)
}

/// `SELECT conversation_id FROM events WHERE type_name = 'user' AND lower(text) LIKE …`.
type SubstringIds = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<events::table, diesel::dsl::Eq<events::type_name, &'static str>>,
        diesel::helper_types::Escape<diesel::dsl::Like<lower<events::text>, String>>,
    >,
    events::conversation_id,
>;

/// Conversations with a user message containing `text`, by portable SQL (a scan).
fn substring_matches(text: &str) -> SubstringIds {
    events::table
        .filter(events::type_name.eq("user"))
        .filter(lower(events::text).like(like_contains(text)).escape('\\'))
        .select(events::conversation_id)
}

/// `text` as an FTS5 phrase: a quoted string, its quotes doubled.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Applies every condition of the filter (not the order) to a query of live conversations,
/// with portable SQL only (the text filter then scans the user messages): prefer
/// [`filtered_for`], which uses the backend's text index.
pub fn filtered(filter: &ConversationFilter) -> BoxedConversations<'_> {
    filtered_on(filter, None, &[])
}

/// Applies every condition of the filter (not the order) to a query of live conversations on
/// `backend`.
pub fn filtered_for(backend: Backend, filter: &ConversationFilter) -> BoxedConversations<'_> {
    filtered_on(filter, Some(backend), &[])
}

/// [`filtered_for`], with the any-of filters of the `probe` kinds (and `text` for words)
/// tested row by row instead of driving the query: see [`super::plan`].
pub(super) fn filtered_on<'a>(
    filter: &'a ConversationFilter,
    backend: Option<Backend>,
    probe: &[&str],
) -> BoxedConversations<'a> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let f = filter;
    let mut q = conversations::table
        .filter(conversations::deleted_at.is_null())
        .into_boxed();
    if backend == Some(Backend::Sqlite) {
        // SQLite has no statement timeout: the conversations the query visits check the
        // request's time budget (see `db::connection`). First, so that SQLite tests it before
        // the other conditions and a long walk over non-matching rows is stopped too. Only
        // one row in 64 (by id) calls the function: a call costs about 100 ns, which made an
        // unfiltered count of 520,000 conversations 50 ms slower when every row called it.
        q = q.filter(sql::<Bool>(
            "(conversations.id % 64 <> 0 OR hindsight_within_budget())",
        ));
    }
    if let Some(n) = f.min_user_messages {
        q = q.filter(conversations::user_message_count.ge(n));
    }
    if let Some(n) = f.max_user_messages {
        q = q.filter(conversations::user_message_count.le(n));
    }
    if !f.channels.is_empty() {
        q = q.filter(conversations::channel.eq_any(&f.channels));
    }
    if !f.environments.is_empty() {
        q = q.filter(conversations::environment.eq_any(&f.environments));
    }
    if let Some(c) = f.min_intent_confidence {
        q = q.filter(conversations::min_intent_confidence.ge(c));
    }
    if let Some(c) = f.max_intent_confidence {
        q = q.filter(conversations::min_intent_confidence.le(c));
    }
    if let Some(c) = f.min_action_confidence {
        q = q.filter(conversations::min_action_confidence.ge(c));
    }
    if let Some(c) = f.max_action_confidence {
        q = q.filter(conversations::min_action_confidence.le(c));
    }
    for (kind, any, none) in [
        ("intent", &f.intents, &f.exclude_intents),
        ("action", &f.actions, &f.exclude_actions),
        ("entity", &f.entities, &f.exclude_entities),
        ("policy", &f.policies, &f.exclude_policies),
    ] {
        if !any.is_empty() && probe.contains(&kind) {
            q = q.filter(diesel::dsl::exists(
                conversation_features::table
                    .filter(conversation_features::conversation_id.eq(conversations::id))
                    .filter(conversation_features::kind.eq(kind))
                    .filter(conversation_features::name.eq_any(any)),
            ));
        } else if !any.is_empty() {
            q = q.filter(conversations::id.eq_any(with_feature(kind, any)));
        }
        if !none.is_empty() {
            q = q.filter(not(conversations::id.eq_any(with_feature(kind, none))));
        }
    }
    for slot in &f.slots {
        let named = conversation_features::table
            .filter(conversation_features::kind.eq("slot"))
            .filter(conversation_features::name.eq(&slot.name));
        q = match &slot.value {
            Some(value) => q.filter(
                conversations::id.eq_any(
                    named
                        .filter(conversation_features::value.eq(value))
                        .select(conversation_features::conversation_id),
                ),
            ),
            None => q.filter(
                conversations::id.eq_any(named.select(conversation_features::conversation_id)),
            ),
        };
    }
    // Activity in the range: the conversation's span overlaps it.
    if let Some(start) = f.start {
        q = q.filter(conversations::latest_event_at.ge(start.naive_utc()));
    }
    if let Some(until) = f.until {
        q = q.filter(conversations::first_event_at.le(until.naive_utc()));
    }
    if let Some(window) = f.time_of_day {
        let (from, to) = window.minutes();
        q = if from <= to {
            q.filter(
                conversations::start_minute_local
                    .ge(from)
                    .and(conversations::start_minute_local.lt(to)),
            )
        } else {
            q.filter(
                conversations::start_minute_local
                    .ge(from)
                    .or(conversations::start_minute_local.lt(to)),
            )
        };
    }
    if !f.review_status.is_empty() {
        let statuses: Vec<&'static str> = f.review_status.iter().map(|s| s.as_str()).collect();
        q = q.filter(conversations::review_status.eq_any(statuses));
    }
    if !f.tags_any.is_empty() {
        q = q.filter(conversations::id.eq_any(with_tags(&f.tags_any)));
    }
    for tag in &f.tags_all {
        q = q.filter(conversations::id.eq_any(with_tags(std::slice::from_ref(tag))));
    }
    if !f.tags_none.is_empty() {
        q = q.filter(not(conversations::id.eq_any(with_tags(&f.tags_none))));
    }
    if let Some(flagged) = f.flagged {
        q = q.filter(conversations::flagged.eq(flagged));
    }
    if let Some(news) = f.has_news {
        q = q.filter(conversations::has_news.eq(news));
    }
    // Training data (issue 10): conversations with (or without) annotated messages, or with
    // (or without) a corrected prediction.
    if let Some(annotated) = f.annotated {
        let ids = message_annotations::table.select(message_annotations::conversation_id);
        q = if annotated {
            q.filter(conversations::id.eq_any(ids))
        } else {
            q.filter(not(conversations::id.eq_any(ids)))
        };
    }
    if let Some(misclassified) = f.misclassified {
        let ids = message_annotations::table
            .filter(message_annotations::differs.eq(true))
            .select(message_annotations::conversation_id);
        q = if misclassified {
            q.filter(conversations::id.eq_any(ids))
        } else {
            q.filter(not(conversations::id.eq_any(ids)))
        };
    }
    // Review queues (issue 13): a review answered the question with one of the values.
    for s in &f.scores {
        q = q.filter(
            conversations::id.eq_any(
                queue_answers::table
                    .filter(queue_answers::question.eq(&s.question))
                    .filter(queue_answers::value.eq_any(&s.values))
                    .select(queue_answers::conversation_id),
            ),
        );
    }
    if let Some(text) = f.text.as_deref().filter(|t| matches_words(f, t)) {
        // Each backend has its own word index (migration 2026-12-02-000061_word_index).
        q = match backend {
            // SQLite: FTS5 unicode61, its rowid (conversation_id << 24) | seq: the matching
            // conversations come from the index alone.
            // Probed (see `super::plan`): `+` keeps SQLite from reading the matches as the
            // rows to visit, so it walks the order's index and tests each conversation
            // against the matches, gathered once.
            Some(Backend::Sqlite) => q.filter(
                sql::<Bool>(if probe.contains(&"text") {
                    "+conversations.id IN (SELECT rowid >> 24 FROM user_words \
                     WHERE user_words MATCH "
                } else {
                    "conversations.id IN (SELECT rowid >> 24 FROM user_words \
                     WHERE user_words MATCH "
                })
                .bind::<Text, _>(fts_phrase(text))
                .sql(")"),
            ),
            // PostgreSQL: the GIN index of exactly this expression over user messages.
            Some(Backend::Postgres) => q.filter(
                sql::<Bool>(
                    "conversations.id IN (SELECT e.conversation_id FROM events e \
                     WHERE e.type_name = 'user' AND \
                     to_tsvector('simple', hindsight_fold(e.text)) @@ \
                     phraseto_tsquery('simple', hindsight_fold(",
                )
                .bind::<Text, _>(text)
                .sql(")))"),
            ),
            // Portable SQL has no word index: the substring, a superset.
            None => q.filter(conversations::id.eq_any(substring_matches(text))),
        };
    } else if let Some(text) = &f.text {
        // Each backend has its own index for substrings (migration 2026-11-24-200000_scale).
        q = match backend {
            // SQLite: the FTS5 trigram index, case-insensitive; it needs 3 characters or more
            // (the query parameter asks for them). Each matching message checks the budget.
            Some(Backend::Sqlite) if text.chars().count() >= 3 => q.filter(
                sql::<Bool>(
                    "conversations.id IN (SELECT e.conversation_id FROM events e \
                     WHERE hindsight_within_budget() AND e.id IN \
                     (SELECT rowid FROM user_texts WHERE user_texts MATCH ",
                )
                .bind::<Text, _>(fts_phrase(text))
                .sql("))"),
            ),
            // PostgreSQL: the pg_trgm index on lower(text) of user messages; the literal
            // 'user' lets the planner match the partial index even in a generic plan.
            Some(Backend::Postgres) => q.filter(
                sql::<Bool>(
                    "conversations.id IN (SELECT e.conversation_id FROM events e \
                     WHERE e.type_name = 'user' AND lower(e.text) LIKE ",
                )
                .bind::<Text, _>(like_contains(text))
                .sql(")"),
            ),
            _ => q.filter(conversations::id.eq_any(substring_matches(text))),
        };
    }
    if let Some(sender) = &f.sender_id {
        q = q.filter(conversations::sender_id.eq(sender));
    }
    q
}
