//! The inbox list's footer: how many are shown of how many, the export links, "Mark all
//! reviewed" and "Add to queue…" for the list's filter.

use hindsight_types::{
    BulkAction, BulkRequest, BulkSelection, ConversationFilter, FilterError, ReviewStatus, Role,
};
use leptos::prelude::*;

use super::Count;
use crate::api;
use crate::components::add_to_queue::AddToQueue;
use crate::state::workspace;

/// The footer; `snapshot` is the first page's, which "Mark all reviewed" is as of.
#[component]
pub(super) fn ListFoot(
    filter: Memo<Result<ConversationFilter, FilterError>>,
    query: Memo<String>,
    total: RwSignal<Option<Count>>,
    snapshot: StoredValue<Option<i64>>,
) -> impl IntoView {
    let ws = workspace();
    // The export of the filter as shown, for a download link.
    let export_href = move |format: &str| {
        let q = filter.with(|f| f.as_ref().map(|f| f.to_query()).unwrap_or_default());
        api::conversations::export_url(&q, format)
    };
    let can_bulk =
        move || api::session().with(|u| u.as_ref().is_some_and(|u| u.role != Role::Viewer));
    let is_admin =
        move || api::session().with(|u| u.as_ref().is_some_and(|u| u.role == Role::Admin));
    let bulk_reviewed = move |n: Option<Count>| {
        let Some(n) = n else {
            return;
        };
        let q = query.get_untracked();
        if !window()
            .confirm_with_message(&format!(
                "Mark all {n} conversations of this list reviewed?"
            ))
            .unwrap_or(false)
        {
            return;
        }
        leptos::task::spawn_local(async move {
            let request = BulkRequest {
                selection: BulkSelection::Filter(q),
                action: BulkAction::SetReviewStatus {
                    review_status: ReviewStatus::Reviewed,
                },
                as_of: snapshot.get_value(),
            };
            match api::conversations::bulk(&request).await {
                Ok(r) => {
                    ws.notify(format!("{} conversations marked reviewed.", r.changed));
                    ws.list_version.update(|v| *v += 1);
                    ws.counts_version.update(|v| *v += 1);
                }
                Err(e) => ws.fail(e),
            }
        });
    };

    view! {
            <div class="list-foot muted small">
                <span>{move || total.get().map(|t| format!("{} of {t} shown", ws.rows.with(Vec::len)))}</span>
                <Show when=move || { total.get().is_some_and(|t| t.n > 0) }>
                    <a class="btn btn-small" id="export" download title="Every conversation of this filter, as JSON lines"
                        href=move || export_href("jsonl")>"Export"</a>
                    <a class="btn btn-small" id="export-csv" download title="Every conversation of this filter, as CSV"
                        href=move || export_href("csv")>"CSV"</a>
                </Show>
                <Show when=move || { can_bulk() && total.get().is_some_and(|t| t.n > 0) }>
                    <button class="btn btn-small" id="bulk-reviewed" on:click=move |_| bulk_reviewed(total.get_untracked())>
                        "Mark all reviewed"
                    </button>
                </Show>
                <Show when=move || { is_admin() && total.get().is_some_and(|t| t.n > 0) }>
                    <AddToQueue query count=Signal::derive(move || total.get().map(|t| t.n))/>
                </Show>
            </div>
    }
}
