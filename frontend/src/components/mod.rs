//! Pieces of the screens.

pub mod add_to_queue;
pub mod annotation_panel;
pub mod broker_admin;
pub mod charts;
pub mod comments;
pub mod common;
pub mod conversation_header;
pub mod conversation_list;
pub mod event_panel;
pub mod event_store;
pub mod filter_panel;
pub mod live_news;
pub mod multi_pick;
pub mod path_settings;
pub mod queue_admin;
pub mod queue_disagreements;
pub mod queue_draft;
pub mod queue_form;
pub mod rubric_form;
pub mod save_training_item;
pub mod sequence_builder;
pub mod shortcuts;
pub mod tag_picker;
pub mod templates;
pub mod top_bar;
pub mod transcript;
