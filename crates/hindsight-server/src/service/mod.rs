//! The service layer: authorises the caller, validates, and writes each change with its audit
//! row in one transaction. Handlers in `routes/` call it; it calls `db/`.

pub mod auth;
pub mod users;
