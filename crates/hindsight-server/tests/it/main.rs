//! Integration tests: the real server over HTTP against real SQLite and PostgreSQL databases.

mod harness;
mod rasa;

mod auth;
mod bench;
mod conversation;
mod errors;
mod export;
mod facet_counts;
mod hardening;
mod ingest;
mod listing;
mod openapi;
mod pg_restart;
mod tags_flags;
mod workflow;
