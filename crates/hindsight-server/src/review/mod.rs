//! Review queues' own logic, free of storage and HTTP: which conversations a sampling rule
//! takes, where the reviews of a conversation disagree, and the statistics of what the reviews
//! found.

pub mod disagreements;
pub mod sampling;
pub mod stats;
