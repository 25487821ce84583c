//! The inbox filter as SQL: a [`ConversationFilter`] applied condition by condition to a
//! boxed query of live conversations.

use diesel::dsl::not;
use diesel::prelude::*;
use hindsight_types::{ConversationFilter, SortOrder};

use super::holders::{holding_feature, with_tags, Hashed};
use super::BoxedConversations;
use crate::db::cached_sql::verbatim;
use crate::db::connection::Backend;
use crate::db::schema::{conversation_features, conversation_tags, conversations, tags};
use crate::db::schema::{discover_group_messages, message_annotations};

/// Applies every condition of the filter (not the order) to a query of live conversations,
/// with portable SQL only (the text filter then scans the user messages): prefer
/// [`filtered_for`], which uses the backend's text index.
pub fn filtered(filter: &ConversationFilter) -> BoxedConversations<'_> {
    filtered_on(filter, &Plan::default())
}

/// Applies every condition of the filter (not the order) to a query of live conversations on
/// `backend`.
pub fn filtered_for(backend: Backend, filter: &ConversationFilter) -> BoxedConversations<'_> {
    filtered_on(filter, &Plan::on(backend))
}

/// Applies every condition of the filter to the live conversations among `ids` (sorted, a
/// few thousand apart at most: the text filter reads its index between the first and the
/// last), each condition tested on those rows only: what a filter matches of the
/// conversations an import just stored costs what the import's size costs, not the
/// database's.
pub fn filtered_among(
    backend: Backend,
    filter: &ConversationFilter,
    ids: Vec<i64>,
) -> BoxedConversations<'_> {
    let plan = Plan {
        ids: Some(ids),
        ..Plan::on(backend)
    };
    filtered_on(filter, &plan)
}

/// How [`filtered_on`] shapes the conditions that read other tables.
#[derive(Debug, Default, Clone)]
pub(super) struct Plan {
    /// The backend (`None`: portable SQL only).
    pub backend: Option<Backend>,
    /// Feature kinds (and `text` for words) whose any-of filter is tested row by row instead
    /// of driving the query: see [`crate::db::plan`].
    pub probe: Vec<&'static str>,
    /// Only conversations with these ids (consecutive ones: a window of the sample of an
    /// estimate), every condition tested row by row: gathering every match of a condition
    /// would cost what the exact count costs. A list rather than a range, so that SQLite's
    /// planner reads the window by id instead of through another condition's index.
    pub ids: Option<Vec<i64>>,
    /// Every condition tested row by row while the page walks its order's index: chosen from
    /// a sample's density when the filter is common ([`super::page_plan`]).
    pub per_row: bool,
    /// The estimate's sample on PostgreSQL, a few thousand conversations read in one
    /// statement: every condition is written row by row, which PostgreSQL may still turn into
    /// a join where its statistics favour one, and the text conditions (which it would
    /// gather from their indexes, as many matches as the exact count reads) are kept row by
    /// row.
    pub sample: bool,
    /// The channel condition tested on each row as the page walks its order's index, rather
    /// than read from the channel's index and sorted (SQLite; [`crate::db::plan::walk_channels`]).
    pub channels_by_order: bool,
    /// A word's matches tested against the rows another condition's shorter posting list
    /// yields, rather than driving the query (SQLite cannot tell how many a word matches).
    pub words_follow: bool,
    /// The sequence pattern's paths are left untested: the caller reads the candidates' paths
    /// and tests them itself (`sequence::count_by_status_in_process`).
    pub paths_tested_apart: bool,
    /// Every conversation's path is written and of the current format (none is left to an
    /// upgrade's rewrite, [`crate::db::paths::rewrite_needed`]): SQLite may then test a
    /// substring against the paths rather than the messages (`text::with_text`).
    pub paths_current: bool,
    /// Feature kinds whose probe is fenced from PostgreSQL's planner (`OFFSET 0`) in the
    /// estimate's sample: kinds with many holders, which its statistics underrate and it
    /// would hash whole rather than look up per sampled conversation (see
    /// `estimate::estimate_by_status`).
    pub fenced_kinds: Vec<&'static str>,
    /// The sequence pattern's step features (kind, name) whose probe is fenced the same way
    /// in the estimate's sample, for the same reason.
    pub fenced_step_features: Vec<(&'static str, String)>,
    /// A lone feature value's holders read into a hash while the page walks its order
    /// (PostgreSQL: [`crate::db::plan::HoldersRead::Hashed`]).
    pub hashed_holders: bool,
}

impl Plan {
    /// The plain plan on `backend`: every condition gathered.
    pub fn on(backend: Backend) -> Plan {
        Plan {
            backend: Some(backend),
            ..Plan::default()
        }
    }

    /// The first and last id of the window, when there is one.
    pub(super) fn window(&self) -> Option<(i64, i64)> {
        let ids = self.ids.as_ref()?;
        Some((*ids.first()?, *ids.last()?))
    }

    /// Whether every condition is tested row by row.
    pub(super) fn per_row(&self) -> bool {
        self.per_row || self.ids.is_some() || self.sample
    }

    /// Whether the row-by-row tests are fenced from PostgreSQL's planner (`OFFSET 0`), as
    /// the page walks its order: written as a plain `EXISTS`, it turns each into a semi-join
    /// that reads every holder of the feature before the walk starts (see
    /// `sequence::with_fenced_probe`). The estimate's sample and id windows are left to it.
    fn fences_probes(&self) -> bool {
        self.per_row
            && self.ids.is_none()
            && !self.sample
            && self.backend == Some(Backend::Postgres)
    }

    /// Whether the any-of filter of `kind` is tested row by row.
    fn probes(&self, kind: &str) -> bool {
        self.per_row() || self.probe.contains(&kind)
    }
}

/// Applies every condition of the filter (not the order) to a query of live conversations,
/// shaped by `plan`.
pub(super) fn filtered_on<'a>(
    filter: &'a ConversationFilter,
    plan: &Plan,
) -> BoxedConversations<'a> {
    use diesel::dsl::exists;
    use diesel::sql_types::{Bool, Nullable, Text};
    let backend = plan.backend;
    let per_row = plan.per_row();
    let f = filter;
    let mut q = conversations::table
        .filter(conversations::deleted_at.is_null())
        .into_boxed();
    if let Some(ids) = &plan.ids {
        q = q.filter(conversations::id.eq_any(ids.clone()));
    }
    if backend == Some(Backend::Sqlite) {
        // SQLite has no statement timeout: the conversations the query visits check the
        // request's time budget (see `db::connection`). First, so that SQLite tests it before
        // the other conditions and a long walk over non-matching rows is stopped too. Only
        // one row in 64 (by id) calls the function: a call costs about 100 ns, which made an
        // unfiltered count of 520,000 conversations 50 ms slower when every row called it.
        q = q.filter(verbatim::<Bool>(
            "(conversations.id % 64 <> 0 OR hindsight_within_budget())",
        ));
    }
    if let Some(n) = f.min_user_messages {
        q = q.filter(conversations::user_message_count.ge(n));
    }
    if let Some(n) = f.max_user_messages {
        q = q.filter(conversations::user_message_count.le(n));
    }
    // When a page walks its order's index on SQLite, the few-valued columns are tested as
    // `+column`, which no index serves: SQLite overrates their indexes (a channel's index
    // read whole and sorted took 1.3 s at a million, against a few ms walking the order).
    let walking = plan.per_row && plan.ids.is_none() && backend == Some(Backend::Sqlite);
    // One channel in the newest-first order: its index (channel, latest_event_at, id) walks
    // that order itself, over that channel's conversations only.
    let channel_walks_in_order = f.channels.len() == 1 && f.sort == SortOrder::Latest;
    if !f.channels.is_empty() {
        q = if (walking && !channel_walks_in_order) || plan.channels_by_order {
            q.filter(verbatim::<Nullable<Text>>("+conversations.channel").eq_any(&f.channels))
        } else if let [channel] = f.channels.as_slice() {
            // `=`, not `= ANY(array)`: PostgreSQL walks an index in order only under an
            // equality (a million conversations, slack + intent + confidence, a page of 100:
            // 62 ms through the date index filtering 19,000 rows, 14 ms through the channel's).
            q.filter(conversations::channel.eq(channel))
        } else {
            q.filter(conversations::channel.eq_any(&f.channels))
        };
    }
    if !f.environments.is_empty() {
        q = if walking {
            q.filter(
                verbatim::<Nullable<Text>>("+conversations.environment").eq_any(&f.environments),
            )
        } else {
            q.filter(conversations::environment.eq_any(&f.environments))
        };
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
        if !any.is_empty() && plan.probes(kind) {
            let probe = conversation_features::table
                .filter(conversation_features::conversation_id.eq(conversations::id))
                .filter(conversation_features::kind.eq(kind))
                .filter(conversation_features::name.eq_any(any));
            q = if plan.fences_probes() || plan.fenced_kinds.contains(&kind) {
                q.filter(exists(
                    probe
                        .select(conversation_features::conversation_id)
                        .offset(0),
                ))
            } else {
                q.filter(exists(probe))
            };
        } else if !any.is_empty() {
            q = holding_feature(q, kind, any, false, plan.hashed_holders);
        }
        if !none.is_empty() && per_row {
            q = q.filter(not(exists(
                conversation_features::table
                    .filter(conversation_features::conversation_id.eq(conversations::id))
                    .filter(conversation_features::kind.eq(kind))
                    .filter(conversation_features::name.eq_any(none)),
            )));
        } else if !none.is_empty() {
            q = holding_feature(q, kind, none, true, false);
        }
    }
    for slot in &f.slots {
        use conversation_features::{conversation_id, value};
        let named = conversation_features::table
            .filter(conversation_features::kind.eq("slot"))
            .filter(conversation_features::name.eq(&slot.name));
        let this_row = conversation_id.eq(conversations::id);
        q = match (&slot.value, per_row) {
            (Some(v), false) if plan.hashed_holders => q.filter(Hashed(
                conversations::id.eq_any(named.filter(value.eq(v)).select(conversation_id)),
            )),
            (Some(v), false) => q.filter(
                conversations::id.eq_any(named.filter(value.eq(v)).select(conversation_id)),
            ),
            (None, false) => q.filter(conversations::id.eq_any(named.select(conversation_id))),
            (Some(v), true) => q.filter(exists(named.filter(this_row).filter(value.eq(v)))),
            (None, true) => q.filter(exists(named.filter(this_row))),
        };
    }
    // Activity in the range: the conversation's span overlaps it.
    if let Some(start) = f.start {
        q = q.filter(conversations::latest_event_at.ge(start.naive_utc()));
    }
    if let Some(until) = f.until {
        q = q.filter(conversations::first_event_at.le(until.naive_utc()));
        // Implied by the condition above, given the longest conversation (migration
        // `2026-12-03-000096_longest_span`), and what lets the default order's index start at
        // `until` rather than at the newest conversation. Timestamp arithmetic is spelled
        // differently by each backend. Not where the rows are read by id (an estimate's
        // sample): PostgreSQL, misjudging the bounded range as a few rows, read it from the
        // date index once per window of the sample (a million conversations, June: 78 ms
        // against 9 ms without it).
        let by_id = plan.sample || plan.ids.is_some();
        let ends_by = match backend {
            _ if by_id => None,
            Some(Backend::Sqlite) => Some(
                "conversations.latest_event_at <= datetime(?, '+' || (SELECT longest_seconds \
                 FROM conversation_span_bound WHERE id = 1) || ' seconds')",
            ),
            Some(Backend::Postgres) => Some(
                "conversations.latest_event_at <= ? + make_interval(secs => (SELECT \
                 longest_seconds FROM conversation_span_bound WHERE id = 1))",
            ),
            None => None,
        };
        if let Some(ends_by) = ends_by {
            let (head, tail) = ends_by.split_once('?').expect("one placeholder");
            q = q.filter(
                diesel::dsl::sql::<Bool>(head)
                    .bind::<diesel::sql_types::Timestamp, _>(until.naive_utc())
                    .sql(tail),
            );
        }
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
        // The status's index serves the newest-first order itself; for another order it would
        // be read whole and sorted.
        q = if walking && f.sort != SortOrder::Latest {
            q.filter(verbatim::<Text>("+conversations.review_status").eq_any(statuses))
        } else if let [status] = statuses.as_slice() {
            // `=`, not `= ANY(array)`: PostgreSQL walks the status's index in the newest-first
            // order only under an equality (a million conversations, `saved_for_later`'s
            // first page: 16 ms filtering the date index, 0.1 ms from the status's). Written
            // as a literal (one of four fixed names) so the statement stays unprepared and
            // is planned for this status, as `= ANY` kept it: 70 % of the conversations are
            // unread and 4 % saved for later, which a plan kept for any status cannot weigh.
            q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                "conversations.review_status = '{status}'"
            )))
        } else {
            q.filter(conversations::review_status.eq_any(statuses))
        };
    }
    // Tagged with any of `names`, tested on this row.
    let tagged_here = |names: &'a [String]| {
        exists(
            conversation_tags::table
                .inner_join(tags::table)
                .filter(conversation_tags::conversation_id.eq(conversations::id))
                .filter(tags::name.eq_any(names)),
        )
    };
    if !f.tags_any.is_empty() {
        q = if per_row {
            q.filter(tagged_here(&f.tags_any))
        } else {
            q.filter(conversations::id.eq_any(with_tags(&f.tags_any)))
        };
    }
    for tag in &f.tags_all {
        let tag = std::slice::from_ref(tag);
        q = if per_row {
            q.filter(tagged_here(tag))
        } else {
            q.filter(conversations::id.eq_any(with_tags(tag)))
        };
    }
    if !f.tags_none.is_empty() {
        q = if per_row {
            q.filter(not(tagged_here(&f.tags_none)))
        } else {
            q.filter(not(conversations::id.eq_any(with_tags(&f.tags_none))))
        };
    }
    if let Some(flagged) = f.flagged {
        q = if walking {
            q.filter(verbatim::<Bool>("+conversations.flagged").eq(flagged))
        } else {
            q.filter(conversations::flagged.eq(flagged))
        };
    }
    if let Some(news) = f.has_news {
        q = if walking {
            q.filter(verbatim::<Bool>("+conversations.has_news").eq(news))
        } else {
            q.filter(conversations::has_news.eq(news))
        };
    }
    // Training data (issue 10): conversations with (or without) annotated messages, or with
    // (or without) a corrected prediction.
    let annotated_here = || {
        message_annotations::table
            .filter(message_annotations::conversation_id.eq(conversations::id))
    };
    if let Some(annotated) = f.annotated {
        let ids = message_annotations::table.select(message_annotations::conversation_id);
        q = match (annotated, per_row) {
            (true, false) => q.filter(conversations::id.eq_any(ids)),
            (false, false) => q.filter(not(conversations::id.eq_any(ids))),
            (true, true) => q.filter(exists(annotated_here())),
            (false, true) => q.filter(not(exists(annotated_here()))),
        };
    }
    if let Some(misclassified) = f.misclassified {
        let ids = message_annotations::table
            .filter(message_annotations::differs.eq(true))
            .select(message_annotations::conversation_id);
        let here = annotated_here().filter(message_annotations::differs.eq(true));
        q = match (misclassified, per_row) {
            (true, false) => q.filter(conversations::id.eq_any(ids)),
            (false, false) => q.filter(not(conversations::id.eq_any(ids))),
            (true, true) => q.filter(exists(here)),
            (false, true) => q.filter(not(exists(here))),
        };
    }
    // Review queues (issue 13): the answer of record is one of the values.
    for s in &f.scores {
        q = super::score::with_score(q, s, plan);
    }
    if let Some(text) = &f.text {
        q = super::text::with_text(q, f, text, plan);
    }
    if let Some(pattern) = &f.sequence {
        q = super::sequence::with_sequence(q, pattern, plan);
    }
    // Discover (issue 15): the conversations of a group's messages.
    if let Some(group) = f.discover_group {
        let of_group =
            discover_group_messages::table.filter(discover_group_messages::group_id.eq(group));
        q = if per_row {
            q.filter(exists(of_group.filter(
                discover_group_messages::conversation_id.eq(conversations::id),
            )))
        } else {
            q.filter(
                conversations::id.eq_any(of_group.select(discover_group_messages::conversation_id)),
            )
        };
    }
    if let Some(sender) = &f.sender_id {
        q = q.filter(conversations::sender_id.eq(sender));
    }
    q
}
