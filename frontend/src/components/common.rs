//! Small shared pieces: spinner, error box, chips, badges, toasts.

use hindsight_types::{ReviewStatus, Tag};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::format::{confidence, Level};
use crate::state::{conversation_href, workspace};

/// A small spinner with a label.
#[component]
pub fn Spinner(#[prop(into, default = "Loading…".into())] label: String) -> impl IntoView {
    view! { <div class="spinner" role="status"><span class="spinner-dot"></span>{label}</div> }
}

/// A failure, readable.
#[component]
pub fn ErrorBox(#[prop(into)] message: String) -> impl IntoView {
    view! { <div class="error-box" role="alert">{message}</div> }
}

/// A tag's colour as six hex digits: a leading `#` is tolerated, anything else is grey.
pub fn tag_colour(color: &str) -> &str {
    let hex = color.trim_start_matches('#');
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex
    } else {
        "9aa3b5"
    }
}

/// Readable text for a chip on a colour given as six hex digits: black or white, whichever
/// contrasts more by WCAG's relative luminance (one of the two always reaches 4.5:1).
pub fn text_colour(hex: &str) -> &'static str {
    let linear = |i: usize| {
        let c = f64::from(u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128))
            / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * linear(0) + 0.7152 * linear(2) + 0.0722 * linear(4);
    let on_white = 1.05 / (luminance + 0.05);
    let on_black = (luminance + 0.05) / 0.05;
    if on_black >= on_white {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// A tag as a coloured chip, with an optional remove button.
#[component]
pub fn TagChip(tag: Tag, #[prop(optional)] on_remove: Option<Callback<Tag>>) -> impl IntoView {
    let hex = tag_colour(&tag.color);
    let style = format!("background:#{hex};color:{}", text_colour(hex));
    let removable = on_remove.map(|cb| {
        let t = tag.clone();
        let label = format!("Remove tag {}", tag.value);
        view! {
            <button class="chip-remove" title=label.clone() aria-label=label
                on:click=move |ev| { ev.stop_propagation(); cb.run(t.clone()) }>"×"</button>
        }
    });
    view! { <span class="chip tag-chip" style=style data-tag=tag.value.clone()>{tag.value.clone()}{removable}</span> }
}

/// A confidence with its level's colour.
#[component]
pub fn ConfidenceBadge(value: f64, #[prop(optional, into)] title: Option<String>) -> impl IntoView {
    let threshold = workspace().threshold;
    view! {
        <span class=move || Level::of(value, threshold.get()).class() title=title>
            {confidence(value)}
        </span>
    }
}

/// Review status as a small badge.
#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<ReviewStatus>) -> impl IntoView {
    let label = move || match status.get() {
        ReviewStatus::Unread => "Unread",
        ReviewStatus::SavedForLater => "Saved for later",
        ReviewStatus::Reviewed => "Reviewed",
    };
    view! { <span class=move || format!("status status-{}", status.get().as_str())>{label}</span> }
}

/// The thin bar at the top while requests run.
#[component]
pub fn ProgressBar() -> impl IntoView {
    let pending = api::pending();
    view! { <div class="progress" class:active=move || { pending.get() > 0 } aria-hidden="true"></div> }
}

/// Focus for a dialog shown while `open` is true: moves into it when it opens (its first
/// control) and back to what had focus when it closes.
pub fn keep_focus(open: RwSignal<bool>, dialog: NodeRef<leptos::html::Div>) {
    let before = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::watch(
        move || open.get(),
        move |is_open, _, _| {
            if *is_open {
                before.set_value(
                    document()
                        .active_element()
                        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
                );
                request_animation_frame(move || {
                    if let Some(first) = dialog
                        .get_untracked()
                        .and_then(|d| focusables(&d).into_iter().next())
                    {
                        let _ = first.focus();
                    }
                });
            } else if let Some(el) = before.try_update_value(Option::take).flatten() {
                let _ = el.focus();
            }
        },
        false,
    );
}

/// Keeps Tab and Shift+Tab inside the dialog the event belongs to (its `on:keydown`).
pub fn trap_focus(ev: leptos::ev::KeyboardEvent) {
    if ev.key() != "Tab" {
        return;
    }
    let Some(dialog) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let all = focusables(&dialog);
    let (Some(first), Some(last)) = (all.first(), all.last()) else {
        return;
    };
    let active = document().active_element();
    let at = |el: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
    };
    if ev.shift_key() && at(first) {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && at(last) {
        ev.prevent_default();
        let _ = first.focus();
    }
}

fn focusables(root: &web_sys::HtmlElement) -> Vec<web_sys::HtmlElement> {
    let Ok(list) = root.query_selector_all(
        "button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex='0']",
    ) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

/// The one notice that the server cannot be reached, with Retry (which loads every shown
/// list and conversation again). Views show no error of their own for this.
#[component]
pub fn OfflineBanner() -> impl IntoView {
    let offline = api::offline();
    view! {
        <Show when=move || offline.get()>
            <div class="offline-banner" id="offline-banner" role="alert">
                <span>{api::OFFLINE_MESSAGE}" Check your connection, or whether the server is running."</span>
                <button class="btn btn-small" id="retry" on:click=move |_| api::retry()>"Retry"</button>
            </div>
        </Show>
    }
}

/// What a view shows in place of data it could not load: nothing but a word when the
/// server is unreachable (the banner says it), the server's message otherwise.
pub fn load_error(e: &api::ApiFailure) -> AnyView {
    if e.status == 0 {
        view! { <p class="muted not-loaded">"Not loaded."</p> }.into_any()
    } else {
        view! { <ErrorBox message=e.message.clone()/> }.into_any()
    }
}

/// The toast at the bottom, with "Undo" for deletions. Disappears after a while.
#[component]
pub fn Toasts() -> impl IntoView {
    let ws = workspace();
    let navigate = use_navigate();
    let location = use_location();
    // Every new toast restarts the clock.
    let serial = StoredValue::new(0u32);
    Effect::new(move |_| {
        if ws.toast.with(Option::is_some) {
            let mine = serial.get_value() + 1;
            serial.set_value(mine);
            set_timeout(
                move || {
                    if serial.get_value() == mine {
                        ws.toast.set(None);
                    }
                },
                std::time::Duration::from_secs(8),
            );
        }
    });
    let undo = move |id: String| {
        let navigate = navigate.clone();
        ws.toast.set(None);
        leptos::task::spawn_local(async move {
            match api::conversations::restore(&id).await {
                Ok(()) => {
                    ws.list_version.update(|v| *v += 1);
                    ws.counts_version.update(|v| *v += 1);
                    ws.notify("Conversation restored.");
                    let query = location.search.get_untracked();
                    navigate(&conversation_href(&id, None, &query), Default::default());
                }
                Err(e) => ws.fail(e),
            }
        });
    };
    view! {
        {move || ws.toast.get().map(|t| {
            let undo = undo.clone();
            view! {
                <div class="toast" class:toast-error=t.error role="status">
                    <span>{t.message.clone()}</span>
                    {t.undo_delete.clone().map(|id| view! {
                        <button class="btn btn-small" on:click=move |_| undo(id.clone())>"Undo"</button>
                    })}
                    <button class="toast-close" aria-label="Dismiss" on:click=move |_| ws.toast.set(None)>"×"</button>
                </div>
            }
        })}
    }
}

/// Moves the keyboard focus to the element with id `id`, if it is there.
pub fn focus_by_id(id: &str) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_colours_are_six_hex_digits_or_grey() {
        assert_eq!(tag_colour("e5484d"), "e5484d");
        assert_eq!(tag_colour("#e5484d"), "e5484d");
        assert_eq!(tag_colour("red;position:fixed"), "9aa3b5");
        assert_eq!(text_colour("ffffff"), "#000000");
        assert_eq!(text_colour("1d2433"), "#ffffff");
        // A mid grey where the old brightness rule chose dark grey text at under 4.5:1.
        assert_eq!(text_colour("8d8d8d"), "#000000");
    }
}
