//! Integration tests: the real server over HTTP against real SQLite and PostgreSQL databases.

mod harness;
mod rasa;

mod auth;
mod budget;
mod contract;
mod conversation;
mod counts;
mod errors;
mod export;
mod facet_counts;
mod hardening;
mod ingest;
mod ingest_rules;
mod listing;
mod login_security;
mod openapi;
mod pg_restart;
mod tags_flags;
mod tracker_store;
mod word_search;
mod workflow;
