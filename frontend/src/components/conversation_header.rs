//! The conversation's header: who and when, triage buttons, tags.

use hindsight_types::ReviewStatus;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::common::{StatusBadge, TagChip};
use crate::components::save_training_item::SaveTrainingButtons;
use crate::components::tag_picker::TagPicker;
use crate::format::local;
use crate::state::{with_query, workspace, Command, OpenConversation, Toast};

/// Copies text to the clipboard; says so in a toast (or shows the text when refused).
pub fn copy_text(text: String, what: &'static str) {
    let ws = workspace();
    leptos::task::spawn_local(async move {
        let clipboard = window().navigator().clipboard();
        match wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text)).await {
            Ok(_) => ws.notify(format!("{what} copied.")),
            Err(_) => ws.notify(format!("Copy this {}: {text}", what.to_ascii_lowercase())),
        }
    });
}

/// The header; `children` (the conversation's comments) go at its end.
#[component]
pub fn ConversationHeader(
    open: OpenConversation,
    read_only: bool,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    let navigate = use_navigate();
    let summary = open.summary;
    let status = Signal::derive(move || summary.with(|s| s.review_status));
    let set = move |s: ReviewStatus| open.set_status(s, location.search.get_untracked());

    let delete = move |_| {
        let id = open.id.get_value();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::conversations::delete(&id).await {
                Ok(()) => {
                    ws.send(Command::NextConversation);
                    ws.rows.update(|rows| rows.retain(|r| r.id != id));
                    ws.counts_version.update(|v| *v += 1);
                    ws.toast.set(Some(Toast {
                        message: format!("Conversation {id} moved to the trash."),
                        error: false,
                        undo_delete: Some(id),
                    }));
                    // When no next conversation exists, at least leave the deleted one.
                    if ws.rows.with_untracked(Vec::is_empty) {
                        navigate(
                            &with_query("/".into(), &location.search.get_untracked()),
                            Default::default(),
                        );
                    }
                }
                Err(e) => ws.fail(e),
            }
        });
    };
    let copy_link = move |_| copy_text(window().location().href().unwrap_or_default(), "Link");
    // Under 800 px the list is hidden while a conversation is open: this goes back to it.
    let back = move || with_query("/".into(), &location.search.get());

    let meta = move || {
        summary.with(|s| {
            let mut parts = vec![];
            if let Some(c) = &s.channel {
                parts.push(c.clone());
            }
            parts.push(format!("started {}", local(s.first_event_at)));
            parts.push(format!("last activity {}", local(s.latest_event_at)));
            parts.push(format!("{} user messages", s.user_message_count));
            parts.push(format!("{} events", s.event_count));
            parts.join(" · ")
        })
    };
    let triage = (!read_only).then(|| view! {
        <div class="conv-actions">
            <button class="btn btn-primary" id="mark-reviewed" disabled=move || status.get() == ReviewStatus::Reviewed
                on:click=move |_| set(ReviewStatus::Reviewed)>"✓ Reviewed "<kbd>"r"</kbd></button>
            <button class="btn" id="save-for-later" disabled=move || status.get() == ReviewStatus::SavedForLater
                on:click=move |_| set(ReviewStatus::SavedForLater)>"Save for later "<kbd>"s"</kbd></button>
            <Show when=move || status.get() != ReviewStatus::Unread>
                <button class="btn" id="mark-unread" on:click=move |_| set(ReviewStatus::Unread)>"Mark unread"</button>
            </Show>
            <button class="btn btn-danger" id="delete-conversation" on:click=delete.clone()>"Delete"</button>
            <SaveTrainingButtons open=open/>
            <span class="spacer"></span>
            <button class="btn" id="copy-link" title="Copy a link to this conversation (and selected message)" on:click=copy_link>"Copy link"</button>
            <button class="btn" id="next-conversation" on:click=move |_| ws.send(Command::NextConversation)>"Next "<kbd>"j"</kbd></button>
        </div>
    });
    let remove = Callback::new(move |t| open.remove_tag(t));
    view! {
        <header class="conv-header">
            <div class="conv-title">
                <a class="btn btn-small back-to-list" id="back-to-list" href=back>"← Inbox"</a>
                <h2 id="conversation-title" tabindex="-1" title="Conversation (sender) id">{open.id.get_value()}</h2>
                <StatusBadge status=status/>
                {move || summary.with(|s| s.flagged).then(|| view! { <span class="flag-mark" title="Has a flagged message">"⚑ flagged"</span> })}
                {move || summary.with(|s| s.has_news).then(|| view! { <span class="badge badge-news">"new events"</span> })}
            </div>
            <div class="conv-meta muted">{meta}</div>
            {triage}
            <div class="conv-tags">
                {move || summary.get().tags.into_iter().map(|t| if read_only {
                    view! { <TagChip tag=t/> }.into_any()
                } else {
                    view! { <TagChip tag=t on_remove=remove/> }.into_any()
                }).collect_view()}
                {(!read_only).then(|| view! {
                    <span class="menu-anchor">
                        <button class="btn btn-ghost gear" id="tag-gear" title="Add a tag (t)" aria-label="Add a tag"
                            on:click=move |_| open.tag_open.update(|o| *o = !*o)>"⚙ Tags"</button>
                        <Show when=move || open.tag_open.get()>
                            <TagPicker open=open/>
                        </Show>
                    </span>
                })}
            </div>
            {children.map(|c| c())}
        </header>
    }
}
