//! Types shared by the Hindsight server and its browser app.
//!
//! Everything here compiles for `wasm32-unknown-unknown`: no server-only dependencies.

pub mod api;
pub mod error;
pub mod filter;

pub use api::*;
pub use error::{ApiError, ErrorBody, ErrorCode};
pub use filter::{
    ConversationFilter, FilterError, PageRequest, SlotFilter, SortOrder, TextMode, TimeOfDay,
};
pub mod workflow;
pub use workflow::*;
pub mod export;
pub use export::{
    parse_export_query, ExportFormat, ExportOptions, ExportedConversation, CSV_COLUMNS,
};
