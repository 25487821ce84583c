//! Integration tests: the real server over HTTP against real SQLite and PostgreSQL databases.

mod amqp;
mod harness;
mod rasa;

mod annotations;
mod auth;
mod broker;
mod budget;
mod comments;
mod contract;
mod conversation;
mod counts;
mod errors;
mod event_window;
mod export;
mod facet_counts;
mod hardening;
mod ingest;
mod ingest_rules;
mod listing;
mod login_security;
mod openapi;
mod page_plan;
mod paths;
mod pg_restart;
mod queues;
mod queues_follow;
mod sequence;
mod stats;
mod stream;
mod tab_counts;
mod tags_flags;
mod tracker_store;
mod training;
mod word_search;
mod workflow;
