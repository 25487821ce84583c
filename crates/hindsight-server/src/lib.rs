//! Hindsight: imports Rasa conversations and serves the review inbox.

pub mod app;
pub mod auth;
pub mod broker;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod discover;
pub mod error;
pub mod error_shape;
pub mod ingest;
pub mod review;
pub mod routes;
pub mod sequence;
pub mod service;
pub mod story;
pub mod training;
