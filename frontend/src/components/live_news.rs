//! "N new conversations": the inbox list's banner for conversations the live stream announced
//! since the list loaded. The list itself never reshuffles under the reviewer; the banner
//! floats over its top edge (taking no room, so nothing moves when it appears) and, clicked,
//! reloads the list from the top.

use std::collections::HashSet;

use leptos::prelude::*;

use crate::live::{live, news_label};
use crate::state::workspace;

/// The banner; `show` reloads the list at its top.
#[component]
pub fn LiveNews(show: Callback<()>) -> impl IntoView {
    let ws = workspace();
    let live = live();
    // New conversations not already in the list (one may have arrived while it loaded).
    let fresh = Memo::new(move |_| {
        live.new_ids.with(|ids| {
            if ids.is_empty() {
                return 0;
            }
            ws.rows.with(|rows| {
                let listed: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
                ids.iter()
                    .filter(|id| !listed.contains(id.as_str()))
                    .count()
            })
        })
    });
    let label = Memo::new(move |_| news_label(fresh.get(), live.stale.get()));
    // A polite live region that is always there, so that screen readers announce the button
    // when it appears; first in the list's tab order.
    view! {
        <div class="live-news" role="status" aria-live="polite"
            data-connected=move || live.connected.get().to_string()>
            {move || label.get().map(|text| view! {
                <button type="button" class="btn live-news-btn" id="live-news"
                    on:click=move |_| show.run(())>
                    <span aria-hidden="true">"↑ "</span>{text}
                </button>
            })}
        </div>
    }
}
