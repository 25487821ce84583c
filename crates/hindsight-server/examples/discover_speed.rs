//! How long Discover's grouping takes and how well it finds the goals (issue 15): `N`
//! synthetic unhandled messages (default 100,000) of known goals grouped as a run groups its
//! candidates, then measured against those goals (purity, coverage, adjusted Rand index:
//! [`hindsight_server::discover::quality`]). Not a test: a measurement.
//!
//! ```sh
//! cargo build --release --example discover_speed
//! /usr/bin/time -v target/release/examples/discover_speed 100000
//! ```
//!
//! The messages: 80% ask for one of 50 goals (a filler such as "can you" or "is it possible
//! to", one of the goal's 3 verbs and 3 objects, sometimes a stray word), 20% are 2 to 7
//! random words of a 3,000-word vocabulary; words are made of random syllables.

use rand::{Rng, SeedableRng};

const GOALS: usize = 50;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(100_000, |s| s.parse().expect("a number of messages"));
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let syllables = [
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fe", "gu", "hi", "ja",
        "be", "co", "di", "fu", "ga",
    ];
    let word = |rng: &mut rand::rngs::StdRng| -> String {
        (0..rng.gen_range(2..4))
            .map(|_| syllables[rng.gen_range(0..syllables.len())])
            .collect()
    };
    let fillers = [
        "please",
        "can you",
        "i want to",
        "how do i",
        "help me",
        "hey",
        "hi",
        "quick question",
        "i need to",
        "is it possible to",
        "tell me how to",
        "could you",
    ];
    let vocabulary: Vec<String> = (0..3000).map(|_| word(&mut rng)).collect();
    let goals: Vec<(Vec<String>, Vec<String>)> = (0..GOALS)
        .map(|_| {
            let verbs = (0..3).map(|_| word(&mut rng)).collect();
            let objects = (0..3).map(|_| word(&mut rng)).collect();
            (verbs, objects)
        })
        .collect();
    let mut texts = Vec::with_capacity(n);
    // Each message's goal; `None`: random words.
    let mut truth = Vec::with_capacity(n);
    for _ in 0..n {
        if rng.gen_bool(0.2) {
            truth.push(None);
            let words: Vec<&str> = (0..rng.gen_range(2..8))
                .map(|_| vocabulary[rng.gen_range(0..vocabulary.len())].as_str())
                .collect();
            texts.push(words.join(" "));
        } else {
            let goal = rng.gen_range(0..GOALS);
            truth.push(Some(goal));
            let (verbs, objects) = &goals[goal];
            let stray = if rng.gen_bool(0.3) {
                vocabulary[rng.gen_range(0..vocabulary.len())].as_str()
            } else {
                ""
            };
            texts.push(format!(
                "{} {} my {} {stray}",
                fillers[rng.gen_range(0..fillers.len())],
                verbs[rng.gen_range(0..3)],
                objects[rng.gen_range(0..3)],
            ));
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let started = std::time::Instant::now();
    let groups = hindsight_server::discover::group(&refs, &Default::default());
    let elapsed = started.elapsed();
    let grouped: usize = groups.iter().map(|g| g.members.len()).sum();
    println!(
        "{n} messages: {} groups holding {grouped} messages in {elapsed:.2?}",
        groups.len()
    );
    let members: Vec<Vec<usize>> = groups.iter().map(|g| g.members.clone()).collect();
    let q = hindsight_server::discover::quality::quality(&truth, &members);
    println!("quality: {q}");
    for g in groups.iter().take(3) {
        let examples: Vec<&str> = g.representatives.iter().map(|&r| refs[r]).collect();
        println!(
            "  {} messages, {:?}: {examples:?}",
            g.members.len(),
            g.terms
        );
    }
}
