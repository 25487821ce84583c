//! Hindsight's reviewer web app: a Leptos single-page app, compiled to WebAssembly by trunk.

mod api;
mod app;
mod components;
mod format;
mod live;
mod load;
mod pages;
mod state;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
