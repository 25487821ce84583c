//! Review queues' own logic, free of storage and HTTP: which conversations a sampling rule
//! takes, and the statistics of what the reviews found.

pub mod sampling;
pub mod stats;
