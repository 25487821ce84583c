//! The inbox: the list (and filter drawer) on the left, the open conversation beside it.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::components::conversation_list::ConversationList;
use crate::components::filter_panel::FilterPanel;
use crate::pages::conversation::ConversationPage;
use crate::state::{parse_route, workspace};

/// `/` and everything under `/conversations/…`.
#[component]
pub fn InboxPage() -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    let open = Memo::new(move |_| parse_route(&location.pathname.get()).0.is_some());
    view! {
        <div class="inbox" class:filters-open=move || ws.filters_open.get() class:has-conversation=move || open.get()>
            <Show when=move || ws.filters_open.get()>
                <aside class="filter-pane"><FilterPanel/></aside>
            </Show>
            <ConversationList/>
            <section class="conversation-pane">
                <Show when=move || open.get() fallback=NoConversation><ConversationPage/></Show>
            </section>
        </div>
    }
}

/// The conversation pane before one is opened.
#[component]
pub fn NoConversation() -> impl IntoView {
    view! {
        <div class="empty-state placeholder">
            <h2>"Pick a conversation"</h2>
            <p>"Open one from the list, or press "<kbd>"j"</kbd>" for the first. "<kbd>"?"</kbd>" shows every shortcut."</p>
        </div>
    }
}
