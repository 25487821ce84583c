//! `/mentions`: the comments that mention me, newest first, each linking to its message (or
//! its conversation), a page at a time.

use hindsight_types::Comment;
use leptos::prelude::*;

use crate::api;
use crate::components::comments::CommentText;
use crate::components::common::{load_error, Spinner};
use crate::format::local_time;
use crate::state::{conversation_href, workspace};

/// The page.
#[component]
pub fn MentionsPage() -> impl IntoView {
    let ws = workspace();
    let items = RwSignal::new(Vec::<Comment>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let first = RwSignal::new(None::<Result<(), api::ApiFailure>>);
    let load = move |cursor: Option<String>| {
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        leptos::task::spawn_local(async move {
            let more = cursor.is_some();
            match api::comments::mentions(cursor.as_deref()).await {
                Ok(page) => {
                    items.try_update(|list| list.extend(page.comments));
                    next.try_set(page.next_cursor);
                    first.try_set(Some(Ok(())));
                }
                Err(e) if more => ws.fail(e),
                Err(e) => {
                    first.try_set(Some(Err(e)));
                }
            }
            loading.try_set(false);
        });
    };
    load(None);
    view! {
        <div class="training-page mentions-page">
            <h1 id="mentions-title">"Mentions"</h1>
            <p class="muted">"Comments that mention you (@your name), newest first."</p>
            {move || match first.get() {
                None => view! { <Spinner label="Loading your mentions…"/> }.into_any(),
                Some(Err(e)) => load_error(&e),
                Some(Ok(())) if items.with(Vec::is_empty) => view! {
                    <p class="empty-state" id="no-mentions">"Nobody has mentioned you yet."</p>
                }.into_any(),
                Some(Ok(())) => view! {
                    <ul class="mention-list" id="mention-list">
                        <For each=move || items.get() key=|c| c.id let(c)>
                            <MentionItem comment=c/>
                        </For>
                    </ul>
                }.into_any(),
            }}
            {move || next.get().map(|cursor| view! {
                <button class="btn" id="more-mentions" disabled=move || loading.get()
                    on:click=move |_| load(Some(cursor.clone()))>"Show older mentions"</button>
            })}
        </div>
    }
}

#[component]
fn MentionItem(comment: Comment) -> impl IntoView {
    let href = conversation_href(&comment.conversation_id, comment.event_id, "");
    let place = match comment.event_id {
        Some(e) => format!("on message {e} of {}", comment.conversation_id),
        None => format!("on conversation {}", comment.conversation_id),
    };
    let mut meta = local_time(comment.created_at.timestamp_millis() as f64);
    if comment.edited_at.is_some() {
        meta.push_str(" · edited");
    }
    view! {
        <li class="mention-item" data-comment-id=comment.id>
            <div class="comment-head">
                <span class="comment-author">{comment.author.clone()}</span>
                <a class="mention-link" href=href>{place}</a>
                <span class="muted small">{meta}</span>
            </div>
            <p class="comment-body"><CommentText body=comment.body mentions=comment.mentions/></p>
        </li>
    }
}
