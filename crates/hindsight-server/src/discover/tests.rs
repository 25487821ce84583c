//! The grouping on small examples whose right answer is obvious.

use super::*;

fn fixture() -> Vec<String> {
    let mut texts = Vec::new();
    for s in [
        "can I pay with bitcoin",
        "do you take bitcoin",
        "pay in bitcoin please",
        "bitcoin payment possible?",
        "Can I pay with Bitcoin?",
        "can i pay using bitcoin",
    ] {
        texts.push(s.to_owned());
    }
    for s in [
        "where is the nearest store",
        "nearest store to me",
        "store near me",
        "find a store near me",
        "is there a store nearby",
        "where's your nearest store",
    ] {
        texts.push(s.to_owned());
    }
    for s in [
        "talk to a human",
        "I want to talk to a human",
        "let me talk to a real human",
        "can I talk to a human agent",
        "a real human now",
        "talk to human",
    ] {
        texts.push(s.to_owned());
    }
    texts.push("the quick brown fox".to_owned());
    texts.push("ok".to_owned());
    texts.push("?!".to_owned());
    texts
}

#[test]
fn three_obvious_groups_are_found_with_their_labels() {
    let texts = fixture();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let params = Params {
        min_group_size: 3,
        min_samples: 2,
        dims: 64,
    };
    let groups = group(&refs, &params);
    assert_eq!(groups.len(), 3, "{groups:#?}");
    let mut found: Vec<(Vec<usize>, String)> = groups
        .iter()
        .map(|g| (g.members.clone(), g.terms[0].clone()))
        .collect();
    found.sort();
    assert_eq!(found[0].0, (0..6).collect::<Vec<_>>());
    assert_eq!(found[0].1, "bitcoin");
    assert_eq!(found[1].0, (6..12).collect::<Vec<_>>());
    assert_eq!(found[1].1, "store");
    assert_eq!(found[2].0, (12..18).collect::<Vec<_>>());
    assert_eq!(found[2].1, "human");
    // No single letter in a label ("a" is in most of the human messages).
    assert!(
        groups.iter().all(|g| g.terms.iter().all(|t| t.len() > 1)),
        "{groups:?}"
    );
    for g in &groups {
        assert_eq!(g.representatives.len(), 5);
        assert!(g.representatives.iter().all(|r| g.members.contains(r)));
    }
}

#[test]
fn a_text_repeated_often_is_a_group_of_its_own() {
    let mut texts = vec!["refund my ticket"; 8];
    texts.extend(["hello there", "weather tomorrow", "xyz"]);
    let groups = group(&texts, &Params::default());
    assert_eq!(groups.len(), 1, "{groups:#?}");
    // And alone, as one cluster of everything.
    let alone = group(&texts[..8], &Params::default());
    assert_eq!(alone.len(), 1, "{alone:#?}");
    assert_eq!(groups[0].members, (0..8).collect::<Vec<_>>());
    // Distinct texts only: the one text once.
    assert_eq!(groups[0].representatives, vec![0]);
}

#[test]
fn nothing_to_group() {
    assert!(group(&[], &Params::default()).is_empty());
    assert!(group(&["!!", "…"], &Params::default()).is_empty());
    assert!(group(&["one", "two"], &Params::default()).is_empty());
    let unrelated = [
        "apples",
        "bicycle repair",
        "zurich weather",
        "quantum",
        "jazz tonight",
    ];
    assert!(group(&unrelated, &Params::default()).is_empty());
}

#[test]
fn a_stray_hung_on_a_cluster_is_taken_off() {
    let texts = fixture();
    let folded: Vec<String> = texts.iter().map(|t| text::fold(t)).collect();
    let refs: Vec<&str> = folded.iter().map(String::as_str).collect();
    let ones = vec![1; refs.len()];
    let v = vectors::vectorise(&refs, &ones, 64);
    // "the quick brown fox" (18) shares "the" with the stores, nothing with the others.
    for members in [0..6, 6..12, 12..18] {
        let with_fox: Vec<usize> = members.clone().chain([18]).collect();
        assert_eq!(
            without_strays(with_fox, &ones, &v),
            members.collect::<Vec<_>>()
        );
    }
    // A text alone has no others to be near.
    assert!(without_strays(vec![19], &ones, &v).is_empty());
}

#[test]
fn small_groups_with_the_default_density() {
    // The integration test's candidates: three groups of 6 or 7 and two loners.
    let texts = [
        "can I pay with bitcoin",
        "do you take bitcoin",
        "pay in bitcoin please",
        "bitcoin payment possible",
        "Can I pay with Bitcoin?",
        "can i pay using bitcoin",
        "where is the nearest store",
        "nearest store to me",
        "is there a store near me",
        "find a store near me",
        "store near me open now",
        "where's your nearest store",
        "let me talk to a human now",
        "let me talk to a human now!!",
        "talk to a human",
        "I want to talk to a human",
        "can I talk to a human agent",
        "talk to human",
        "please let me talk to a human",
        "the quick brown fox",
        "zzz qqq",
    ];
    for min_group_size in [4, 5, 6] {
        let params = Params {
            min_group_size,
            ..Params::default()
        };
        let mut found: Vec<Vec<usize>> = group(&texts, &params)
            .into_iter()
            .map(|g| g.members)
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                (0..6).collect::<Vec<_>>(),
                (6..12).collect(),
                (12..19).collect()
            ],
            "{min_group_size}"
        );
    }
}

/// The shipped paraphrase families (`samples/discover/goals.json`): the texts HDBSCAN left as
/// noise around a group's dense core join the group of their phrasing, and the noise stays
/// out. (Beyond the fit's sample, at 100,000 messages, `examples/discover_quality.rs`
/// measures it: a test in a debug build would take minutes.)
#[test]
fn the_shipped_families_are_found() {
    let families =
        labelled::Families::parse(include_str!("../../../../samples/discover/goals.json"))
            .expect("the shipped families parse");
    let set = families.expand(2_000, 0.2, 15);
    let refs: Vec<&str> = set.texts.iter().map(String::as_str).collect();
    let groups = group(&refs, &Params::default());
    let members: Vec<Vec<usize>> = groups.into_iter().map(|g| g.members).collect();
    let q = quality::quality(&set.truth, &members);
    // Measured: purity 0.959, 92.6 % of the goals' messages grouped; 91.0 % without
    // `join_nearest`.
    assert!(q.purity >= 0.94, "{q:?}");
    assert!(q.coverage >= 0.92, "{q:?}");
    assert_eq!(q.labels_found, families.goals.len(), "{q:?}");
}

#[test]
fn a_text_outside_the_fit_joins_the_cluster_it_is_close_to() {
    let texts = fixture();
    let mut folded: Vec<String> = texts.iter().map(|t| text::fold(t)).collect();
    // Not fitted: a rephrasing with a typo, one of a store, and one of nothing.
    folded.extend(["can i pay in bitcoinn", "any store near me", "quantum jazz"].map(String::from));
    let refs: Vec<&str> = folded.iter().map(String::as_str).collect();
    let ones = vec![1; refs.len()];
    let v = vectors::vectorise(&refs, &ones, 64);
    // The fit: the bitcoin texts cluster 7, the stores 3, the humans noise.
    let owner: Vec<usize> = (0..18).collect();
    let fitted_label: Vec<Option<usize>> = (0..18)
        .map(|k| match k {
            0..6 => Some(7),
            6..12 => Some(3),
            _ => None,
        })
        .collect();
    let data: Vec<f32> = owner.iter().flat_map(|&k| v.row(k).to_vec()).collect();
    let fitted = Array2::from_shape_vec((18, v.dims), data).expect("rows × dims");
    let mut labels: Vec<Option<usize>> = fitted_label.clone();
    labels.resize(refs.len(), None);
    join_nearest(&fitted, &owner, &fitted_label, &v, &mut labels);
    assert_eq!(&labels[..12], &fitted_label[..12], "the fitted keep theirs");
    // "talk to a human" texts have no cluster near them: the nearest clustered point is
    // a bitcoin or store text, whose centre they share too little with.
    assert_eq!(&labels[12..18], &[None; 6]);
    assert_eq!(&labels[21..], &[Some(7), Some(3), None]);
}

#[test]
fn a_word_common_to_many_groups_names_none() {
    // Four topics, every message asking "please": without the rule, "please" is in every
    // message of each group and so among its most characteristic terms.
    let mut texts = Vec::new();
    for forms in [
        [
            "refund",
            "refund now",
            "a refund",
            "refund it",
            "my refund",
            "refund today",
        ],
        [
            "invoice",
            "invoice now",
            "an invoice",
            "invoice it",
            "my invoice",
            "invoice today",
        ],
        [
            "visa",
            "visa now",
            "a visa",
            "visa info",
            "my visa",
            "visa today",
        ],
        [
            "lounge",
            "lounge now",
            "a lounge",
            "lounge pass",
            "my lounge",
            "lounge today",
        ],
    ] {
        for form in forms {
            texts.push(format!("please {form} please"));
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let params = Params {
        min_group_size: 4,
        ..Params::default()
    };
    let groups = group(&refs, &params);
    assert_eq!(groups.len(), 4, "{groups:#?}");
    for g in &groups {
        assert!(
            g.terms.iter().all(|t| !t.split(' ').any(|w| w == "please")),
            "{:?}",
            g.terms
        );
        assert!(!g.terms.is_empty(), "{g:?}");
    }
}
