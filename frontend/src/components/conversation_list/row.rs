//! One inbox row, and what the list shows when it has none.

use hindsight_types::{ConversationSummary, ReviewStatus};
use leptos::prelude::*;

use crate::components::common::{ConfidenceBadge, StatusBadge, TagChip};
use crate::format::{ago, now_ms};
use crate::state::conversation_href;

/// The empty list: an inbox with nothing imported says how to import; a filter matching
/// nothing says how to loosen it.
pub(super) fn empty_state(unfiltered: bool, total: Option<i64>) -> impl IntoView {
    if unfiltered && total == Some(0) {
        view! {
            <div class="empty-state" id="empty-inbox">
                <h3>"Nothing here"</h3>
                <p>"No conversation has this status. Try the other tabs, or import conversations:"</p>
                <pre>"just import path/to/trackers/\nhindsight import tracker_store.db"</pre>
                <p class="muted">"Or point Rasa's tracker store or event broker at Hindsight (see the README)."</p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="empty-state" id="empty-inbox">
                <h3>"No conversation matches"</h3>
                <p>"Loosen the filter, or "<a href="/">"clear it"</a>"."</p>
            </div>
        }
        .into_any()
    }
}

/// One inbox row.
#[component]
pub(super) fn Row(
    row: ConversationSummary,
    current: Memo<Option<String>>,
    query: Memo<String>,
) -> impl IntoView {
    let id = row.id.clone();
    let href = {
        let id = id.clone();
        move || conversation_href(&id, None, &query.get())
    };
    let active = {
        let id = id.clone();
        move || current.with(|c| c.as_deref() == Some(id.as_str()))
    };
    let first = row
        .first_user_message
        .clone()
        .unwrap_or_else(|| "(no user message)".into());
    let status = row.review_status;
    let low = row
        .min_intent_confidence
        .map(|c| view! { <ConfidenceBadge value=c title="Lowest intent confidence"/> });
    view! {
        <a class="row" class:active=active class:unread=status == ReviewStatus::Unread href=href data-id=id.clone()>
            <div class="row-line">
                {(status == ReviewStatus::Unread).then(|| view! { <span class="unread-dot" title="Unread"></span> })}
                <span class="row-text" title=first.clone()>{first.clone()}</span>
                {row.flagged.then(|| view! { <span class="flag-mark" title="Has a flagged message">"⚑"</span> })}
            </div>
            <div class="row-meta">
                {row.channel.clone().map(|c| view! { <span class="channel">{c}</span> })}
                <span title=crate::format::local(row.latest_event_at)>{ago(row.latest_event_at, now_ms())}</span>
                <span title="User messages">{format!("{} msg", row.user_message_count)}</span>
                {low}
                {row.has_news.then(|| view! { <span class="badge badge-news">"new"</span> })}
                {(status != ReviewStatus::Unread).then(|| view! { <StatusBadge status=status/> })}
                // On the meta line: every row has the same height (see `ROW_HEIGHT`).
                {(!row.tags.is_empty()).then(|| view! {
                    <span class="row-tags">{row.tags.clone().into_iter().map(|t| view! { <TagChip tag=t/> }).collect_view()}</span>
                })}
            </div>
        </a>
    }
}
