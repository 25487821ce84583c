//! Hindsight: imports Rasa conversations and serves the review inbox.

pub mod db;
pub mod error;
pub mod ingest;
