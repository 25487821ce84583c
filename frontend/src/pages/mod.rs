//! One component per screen.

pub mod admin;
pub mod conversation;
pub mod discover;
pub mod inbox;
pub mod login;
pub mod mentions;
pub mod paths;
pub mod queues;
pub mod review;
pub mod training;
