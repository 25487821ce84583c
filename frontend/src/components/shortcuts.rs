//! Keyboard shortcuts and the `?` overlay that lists them.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::common::{keep_focus, trap_focus};
use crate::state::{workspace, Command};

/// The shortcuts, as shown in the overlay.
pub const SHORTCUTS: [(&str, &str); 11] = [
    ("j / k", "Next / previous conversation"),
    ("↓ / ↑", "Next / previous message"),
    ("r", "Mark reviewed"),
    ("s", "Save for later"),
    ("f", "Flag or unflag the selected message"),
    ("t", "Tag the conversation"),
    ("/", "Search user messages"),
    ("?", "Show or hide this help"),
    ("Esc", "Close panels and menus"),
    ("Enter", "Apply a filter, create a tag"),
    ("Click", "A message: its story, slots and raw event"),
];

/// Whether a key went to a field the user types in (its letters are not shortcuts).
pub fn typing_in_a_field(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| {
            let tag = el.tag_name().to_ascii_lowercase();
            matches!(tag.as_str(), "input" | "textarea" | "select")
                || el.has_attribute("contenteditable")
        })
        .unwrap_or(false)
}

/// Listens to the keyboard for the whole app (call once, inside the router).
pub fn install_shortcuts() {
    let ws = workspace();
    let location = leptos_router::hooks::use_location();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() {
            return;
        }
        let key = ev.key();
        if key == "Escape" {
            let closes = ws.help_open.get_untracked()
                || ws.filters_open.get_untracked()
                || ws.templates_open.get_untracked();
            ws.help_open.set(false);
            ws.filters_open.set(false);
            ws.templates_open.set(false);
            // This Escape closed something: no other key handler acts on it (the review page's
            // Escape would release the reserved conversation).
            if closes {
                ev.prevent_default();
            }
            return;
        }
        let path = location.pathname.get_untracked();
        // Arrows still move between messages with the shortcuts off: they are not
        // single-character keys (WCAG 2.1.4) and the transcript rows take focus.
        let arrow = key == "ArrowDown" || key == "ArrowUp";
        if (!arrow && !ws.shortcuts_on.get_untracked())
            || typing_in_a_field(&ev)
            || api::session().with_untracked(Option::is_none)
            || path == "/login"
            || path == "/admin"
            // A review session has its own keys (pages/review.rs).
            || path.starts_with("/queues")
        {
            return;
        }
        let in_conversation = path.starts_with("/conversations/");
        let command = match key.as_str() {
            "j" => Some(Command::NextConversation),
            "k" => Some(Command::PrevConversation),
            "ArrowDown" if in_conversation => Some(Command::NextMessage),
            "ArrowUp" if in_conversation => Some(Command::PrevMessage),
            "r" if in_conversation => Some(Command::Reviewed),
            "s" if in_conversation => Some(Command::SaveForLater),
            "f" if in_conversation => Some(Command::Flag),
            "t" if in_conversation => Some(Command::Tag),
            "/" => Some(Command::Search),
            "?" => {
                ws.help_open.update(|o| *o = !*o);
                ev.prevent_default();
                None
            }
            _ => None,
        };
        if let Some(c) = command {
            ev.prevent_default();
            ws.send(c);
        }
    });
    on_cleanup(move || handle.remove());
}

/// The overlay.
#[component]
pub fn ShortcutHelp() -> impl IntoView {
    let ws = workspace();
    let dialog = NodeRef::<leptos::html::Div>::new();
    keep_focus(ws.help_open, dialog);
    view! {
        <Show when=move || ws.help_open.get()>
            <div class="overlay" on:click=move |_| ws.help_open.set(false)>
                <div class="dialog" id="shortcut-help" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts and settings"
                    node_ref=dialog on:keydown=trap_focus on:click=|ev| ev.stop_propagation()>
                    <div class="panel-head">
                        <h3>"Keyboard shortcuts and settings"</h3>
                        <button class="btn btn-ghost" aria-label="Close" on:click=move |_| ws.help_open.set(false)>"×"</button>
                    </div>
                    <label class="check"><input type="checkbox" id="shortcuts-on" prop:checked=move || ws.shortcuts_on.get()
                        on:change=move |ev| ws.set_shortcuts(event_target_checked(&ev))/>"Single-key shortcuts on"</label>
                    <table class="kv shortcuts">
                        {SHORTCUTS.iter().map(|(k, what)| view! { <tr><td><kbd>{*k}</kbd></td><td>{*what}</td></tr> }).collect_view()}
                    </table>
                </div>
            </div>
        </Show>
    }
}
