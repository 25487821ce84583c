//! Integration tests: the real server over HTTP against real SQLite and PostgreSQL databases.

mod harness;
mod rasa;

mod auth;
mod bench;
mod conversation;
mod errors;
mod facet_counts;
mod ingest;
mod listing;
mod login_security;
mod openapi;
mod tags_flags;
mod workflow;
