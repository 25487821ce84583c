//! Comments: a thread with a form to add one and buttons to edit or delete one's own (a
//! message's in its panel, the conversation's above the transcript), a message's comments
//! under it in the transcript, and `@username` mentions highlighted. Texts are text nodes,
//! never HTML.

use hindsight_types::comments::{mention_pieces, MAX_COMMENT_CHARS};
use hindsight_types::{Comment, Role};
use leptos::prelude::*;

use crate::api;
use crate::components::common::ErrorBox;
use crate::format::local_time;
use crate::live::live;
use crate::state::OpenConversation;

/// Loads the open conversation's comments into `open.comments`, and loads them again
/// whenever the live stream says they changed (a teammate wrote, edited or deleted one, or
/// changes were missed), for as long as the conversation is open.
pub fn load_comments(open: OpenConversation) {
    // Answers may come back out of order: only the latest request's is kept.
    let latest = StoredValue::new(0u32);
    let load = move |first: bool| {
        let Some(id) = open.id.try_get_value() else {
            return;
        };
        let Some(n) = latest.try_update_value(|n| {
            *n += 1;
            *n
        }) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match api::comments::of_conversation(&id).await {
                Ok(list) => {
                    if latest.try_get_value() == Some(n) {
                        open.comments.try_set(list);
                    }
                }
                Err(e) if first => open.ws.fail(e),
                // Deleted meanwhile, or the server unreachable (its banner says so): the
                // next change asks again.
                Err(_) => {}
            }
        });
    };
    load(true);
    let live = live();
    Effect::watch(
        move || live.changes.get(),
        move |changes, _, _| {
            if open
                .id
                .try_with_value(|id| changes.comments_of(id))
                .unwrap_or(false)
            {
                load(false);
            }
        },
        false,
    );
}

/// Who is logged in and whether they are an admin.
fn me() -> (Option<String>, bool) {
    api::session().with_untracked(|u| match u {
        Some(u) => (Some(u.username.clone()), u.role == Role::Admin),
        None => (None, false),
    })
}

/// When a comment was written, and "edited" when it was.
fn when(c: &Comment) -> String {
    let at = local_time(c.created_at.timestamp_millis() as f64);
    match c.edited_at {
        Some(e) => format!("{at} · edited {}", local_time(e.timestamp_millis() as f64)),
        None => at,
    }
}

/// A comment's text with its mentions marked (the reader's own more strongly).
#[component]
pub fn CommentText(body: String, mentions: Vec<String>) -> impl IntoView {
    let (me, _) = me();
    let pieces: Vec<(String, bool)> = mention_pieces(&body, &mentions)
        .into_iter()
        .map(|(text, mention)| (text.to_owned(), mention))
        .collect();
    view! {
        <span class="comment-text">
            {pieces.into_iter().map(|(text, mention)| if mention {
                let mine = me.as_deref() == text.strip_prefix('@');
                view! { <mark class="mention" class:mention-me=mine>{text}</mark> }.into_any()
            } else {
                text.into_any()
            }).collect_view()}
        </span>
    }
}

/// The comments of one message, under it in the transcript (read only: the panel writes).
#[component]
pub fn InlineComments(open: OpenConversation, event_id: i64) -> impl IntoView {
    let list = move || {
        open.comments.with(|cs| {
            cs.iter()
                .filter(|c| c.event_id == Some(event_id))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    move || {
        let list = list();
        (!list.is_empty()).then(|| {
            view! {
                <ul class="inline-comments" aria-label="Comments on this message">
                    {list.into_iter().map(|c| view! {
                        <li><span class="comment-author">{c.author.clone()}</span>" "
                            <CommentText body=c.body mentions=c.mentions/></li>
                    }).collect_view()}
                </ul>
            }
        })
    }
}

/// The comments on a message (`event_id`) or on the whole conversation (`None`), oldest
/// first, with the form to add one unless `read_only`.
#[component]
pub fn CommentThread(
    open: OpenConversation,
    event_id: Option<i64>,
    read_only: bool,
) -> impl IntoView {
    let list = move || {
        open.comments.with(|cs| {
            cs.iter()
                .filter(|c| c.event_id == event_id)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let empty = move || {
        open.comments
            .with(|cs| cs.iter().all(|c| c.event_id != event_id))
    };
    view! {
        <ul class="comment-list">
            <For each=list key=|c| (c.id, c.edited_at) let(c)>
                <CommentItem open=open comment=c read_only=read_only/>
            </For>
        </ul>
        {move || empty().then(|| view! { <p class="muted small">"No comments yet."</p> })}
        {(!read_only).then(|| view! { <CommentForm open=open event_id=event_id/> })}
    }
}

/// One comment of a thread: its author edits or deletes it, an admin deletes it.
#[component]
fn CommentItem(open: OpenConversation, comment: Comment, read_only: bool) -> impl IntoView {
    let (me, admin) = me();
    let mine = !read_only && me.as_deref() == Some(comment.author.as_str());
    let may_delete = mine || (!read_only && admin);
    let id = comment.id;
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let draft = RwSignal::new(comment.body.clone());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Textarea>::new();
    let input_id = format!("comment-edit-{id}");
    let original = comment.body.clone();
    let start = move |_| {
        draft.set(original.clone());
        error.set(None);
        editing.set(true);
        request_animation_frame(move || {
            if let Some(el) = input.get_untracked() {
                let _ = el.focus();
            }
        });
    };
    let save = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let body = draft.get_untracked();
        leptos::task::spawn_local(async move {
            match api::comments::edit(id, body).await {
                Ok(c) => {
                    open.comments.update(|cs| {
                        if let Some(old) = cs.iter_mut().find(|old| old.id == c.id) {
                            *old = c;
                        }
                    });
                    open.ws.notify("Comment saved.");
                }
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
            busy.try_set(false);
        });
    };
    let delete = move |_| {
        leptos::task::spawn_local(async move {
            match api::comments::delete(id).await {
                Ok(()) => {
                    open.comments.update(|cs| cs.retain(|c| c.id != id));
                    open.ws.notify("Comment deleted.");
                }
                Err(e) => open.ws.fail(e),
            }
        });
    };
    let Comment {
        author,
        body,
        mentions,
        ..
    } = comment.clone();
    let written = when(&comment);
    view! {
        <li class="comment" id=format!("comment-{id}") data-comment-id=id>
            <div class="comment-head">
                <span class="comment-author">{author}</span>
                <span class="muted small">{written}</span>
            </div>
            {move || if editing.get() {
                view! {
                    <form class="comment-form" on:submit=move |ev| { ev.prevent_default(); save() }>
                        <textarea id=input_id.clone() name="comment-edit" rows="3" node_ref=input
                            aria-label="Edit the comment"
                            maxlength=MAX_COMMENT_CHARS.to_string()
                            prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))
                            on:keydown=move |ev| submit_on_ctrl_enter(&ev, save)></textarea>
                        {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
                        <div class="row-buttons">
                            <button class="btn btn-primary btn-small" type="submit" disabled=move || busy.get()>"Save"</button>
                            <button class="btn btn-small" type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                        </div>
                    </form>
                }.into_any()
            } else {
                view! { <p class="comment-body"><CommentText body=body.clone() mentions=mentions.clone()/></p> }.into_any()
            }}
            {move || (!editing.get() && (mine || may_delete)).then(|| if confirming.get() {
                view! {
                    <div class="row-buttons" role="group" aria-label="Delete this comment?">
                        <span class="small">"Delete this comment?"</span>
                        <button class="btn btn-small btn-danger delete-comment-confirm" on:click=delete>"Delete"</button>
                        <button class="btn btn-small" on:click=move |_| confirming.set(false)>"Keep"</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <div class="row-buttons comment-actions">
                        {mine.then(|| view! { <button class="btn btn-small edit-comment" on:click=start.clone()>"Edit"</button> })}
                        {may_delete.then(|| view! {
                            <button class="btn btn-small delete-comment" on:click=move |_| confirming.set(true)>"Delete"</button>
                        })}
                    </div>
                }.into_any()
            })}
        </li>
    }
}

/// Ctrl+Enter (⌘+Enter) in a comment's box sends it.
fn submit_on_ctrl_enter(ev: &leptos::ev::KeyboardEvent, send: impl Fn()) {
    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
        ev.prevent_default();
        send();
    }
}

/// The form that adds a comment to the message `event_id`, or to the conversation.
#[component]
fn CommentForm(open: OpenConversation, event_id: Option<i64>) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let scope = event_id.map_or_else(|| "conversation".to_owned(), |e| format!("event-{e}"));
    let input_id = format!("comment-input-{scope}");
    let send = move || {
        let body = draft.get_untracked();
        if busy.get_untracked() || body.trim().is_empty() {
            return;
        }
        busy.set(true);
        error.set(None);
        let id = open.id.get_value();
        leptos::task::spawn_local(async move {
            match api::comments::create(&id, body, event_id).await {
                Ok(c) => {
                    open.comments.update(|cs| cs.push(c));
                    draft.try_set(String::new());
                    open.ws.notify("Comment added.");
                }
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
            busy.try_set(false);
        });
    };
    let label = if event_id.is_some() {
        "Comment on this message"
    } else {
        "Comment on the conversation"
    };
    view! {
        <form class="comment-form" id=format!("comment-form-{scope}") on:submit=move |ev| { ev.prevent_default(); send() }>
            <label for=input_id.clone()>{label}</label>
            <textarea id=input_id.clone() name="comment" rows="2" maxlength=MAX_COMMENT_CHARS.to_string()
                placeholder="Write a comment; @username mentions a teammate (Ctrl+Enter sends)"
                prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev| submit_on_ctrl_enter(&ev, send)></textarea>
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
            <div class="row-buttons">
                <button class="btn btn-primary btn-small add-comment" type="submit"
                    disabled=move || busy.get() || draft.with(|d| d.trim().is_empty())>"Comment"</button>
            </div>
        </form>
    }
}

/// The comments on the whole conversation, folded (the conversation's header, a review
/// session): the summary counts them.
#[component]
pub fn ConversationComments(open: OpenConversation, read_only: bool) -> impl IntoView {
    let count = move || {
        open.comments
            .with(|cs| cs.iter().filter(|c| c.event_id.is_none()).count())
    };
    view! {
        <details class="conversation-comments" id="conversation-comments">
            <summary>{move || match count() {
                0 => "Comments on the conversation".to_owned(),
                1 => "1 comment on the conversation".to_owned(),
                n => format!("{n} comments on the conversation"),
            }}</summary>
            <CommentThread open=open event_id=None read_only=read_only/>
        </details>
    }
}
