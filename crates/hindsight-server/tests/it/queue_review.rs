//! Review queues (issue 13): the review flow with its reservations, and eight reviewers at
//! once.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::queues::*;

both_backends! {
    async fn the_review_flow(app: TestApp) {
        conversations(&app, "c", 3, "web").await;
        let alice = app.user_token("alice", "reviewer").await;
        let bob = app.user_token("bob", "reviewer").await;
        let carol = app.user_token("carol", "reviewer").await;
        let dave = app.user_token("dave", "reviewer").await;
        let vic = app.user_token("vic", "viewer").await;
        let q = explicit(&app, "pairs", json!({"reviewers_per_conversation": 2, "assignees": ["alice", "bob", "carol"]}), &ids("c", 2)).await;
        // Not an assignee, or not a reviewer: 403.
        let (status, err) = next(&app, &dave, q).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
        assert!(err["error"]["message"].as_str().unwrap().contains("dave"), "{err}");
        assert_eq!(next(&app, &vic, q).await.0, StatusCode::FORBIDDEN);
        assert_eq!(next(&app, &alice, 999_999).await.0, StatusCode::NOT_FOUND);
        // Alice gets one and keeps it; Bob gets the other; Carol nothing while they hold them.
        let (status, a1) = next(&app, &alice, q).await;
        assert_eq!(status, StatusCode::OK, "{a1}");
        assert_eq!((a1["reviews_done"].as_i64(), a1["reviews_needed"].as_i64()), (Some(0), Some(2)));
        let x = conversation_of(&a1);
        assert_eq!(conversation_of(&next(&app, &alice, q).await.1), x);
        let (_, b1) = next(&app, &bob, q).await;
        let y = conversation_of(&b1);
        assert_ne!(x, y);
        let (status, err) = next(&app, &carol, q).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains("carol") && message.contains("2 reserved by other reviewers"), "{message}");
        // Answers are checked against the rubric, each error naming its answer.
        let bad = [
            (json!({"resolved": true}), "answers.outcome"),
            (json!({"outcome": "meh"}), "answers.outcome"),
            (json!({"outcome": "success", "resolved": "yes"}), "answers.resolved"),
            (json!({"outcome": "success", "tone": 6}), "answers.tone"),
            (json!({"outcome": "success", "tone": 2.5}), "answers.tone"),
            (json!({"outcome": "success", "notes": 3}), "answers.notes"),
            (json!({"outcome": "success", "bogus": 1}), "answers.bogus"),
        ];
        for (answers, field) in bad {
            let (status, err) = review(&app, &alice, q, &x, answers.clone()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{answers}: {err}");
            assert_eq!(err["error"]["field"], field, "{answers}: {err}");
        }
        let (status, done) = review(&app, &alice, q, &x, json!({"outcome": "failure", "resolved": false, "tone": 4, "notes": "looped"})).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["answers"], json!({"outcome": "failure", "resolved": false, "tone": 4, "notes": "looped"}));
        assert_eq!(done["reviewer"], "alice");
        let (status, err) = review(&app, &alice, q, &x, json!({"outcome": "failure"})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("reservation")));
        // A review without a reservation: 409.
        let (status, err) = review(&app, &carol, q, &y, json!({"outcome": "success"})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("reservation")));
        // X needs a second reviewer: Carol, never Alice again.
        let (_, c1) = next(&app, &carol, q).await;
        assert_eq!(conversation_of(&c1), x);
        assert_eq!(c1["reviews_done"], 1);
        assert_eq!(next(&app, &alice, q).await.0, StatusCode::NOT_FOUND);
        // Bob releases Y: it goes to Alice; she skips it: it goes to Bob again, not to her.
        assert_eq!(turn(&app, &bob, q, &y, "release").await, StatusCode::NO_CONTENT);
        assert_eq!(turn(&app, &bob, q, &y, "release").await, StatusCode::CONFLICT);
        assert_eq!(conversation_of(&next(&app, &alice, q).await.1), y);
        assert_eq!(turn(&app, &alice, q, &y, "skip").await, StatusCode::NO_CONTENT);
        assert_eq!(next(&app, &alice, q).await.0, StatusCode::NOT_FOUND);
        assert_eq!(conversation_of(&next(&app, &bob, q).await.1), y);
        assert_eq!(review(&app, &bob, q, &y, json!({"outcome": "success", "resolved": true})).await.0, StatusCode::OK);
        assert_eq!(review(&app, &carol, q, &x, json!({"outcome": "partial", "resolved": false})).await.0, StatusCode::OK);
        assert_eq!(conversation_of(&next(&app, &carol, q).await.1), y);
        assert_eq!(review(&app, &carol, q, &y, json!({"outcome": "success", "resolved": true})).await.0, StatusCode::OK);
        // Unknown conversation in the path: 404.
        assert_eq!(turn(&app, &carol, q, "ghost", "skip").await, StatusCode::NOT_FOUND);
        // Paused: 409 naming `paused`.
        let path = format!("/api/queues/{q}");
        assert_eq!(patch(&app, &path, &json!({"paused": true})).await.0, StatusCode::OK);
        let (status, err) = next(&app, &alice, q).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("paused")));
        assert_eq!(patch(&app, &path, &json!({"paused": false})).await.0, StatusCode::OK);
        // An expired reservation returns to the queue; its holder can no longer submit.
        app.post_json(&format!("/api/queues/{q}/conversations"), &json!({"conversation_ids": ["c2"]})).await;
        assert_eq!(conversation_of(&next(&app, &alice, q).await.1), "c2");
        {
            let mut conn = app.state.pool.get().unwrap();
            conn.batch_execute("UPDATE queue_reviews SET expires_at = '2000-01-01 00:00:00' WHERE status = 'reserved'").unwrap();
        }
        let (_, b2) = next(&app, &bob, q).await;
        assert_eq!(conversation_of(&b2), "c2");
        let (status, _) = review(&app, &alice, q, "c2", json!({"outcome": "success"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // Once reviews exist, the rubric may grow, not lose a question or a label.
        let mut grown = rubric();
        grown[0]["choices"] = json!(["success", "partial", "failure", "handover"]);
        grown.as_array_mut().unwrap().push(json!({"id": "extra", "prompt": "More?", "kind": "pass_fail"}));
        assert_eq!(patch(&app, &path, &json!({"rubric": grown})).await.0, StatusCode::OK);
        let mut shrunk = grown.clone();
        shrunk[0]["choices"] = json!(["success", "failure", "handover"]);
        let (status, err) = patch(&app, &path, &json!({"rubric": shrunk})).await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("rubric")), "{err}");
        let (status, _) = patch(&app, &path, &json!({"rubric": [grown[0].clone()]})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // Progress: X and Y complete (4 reviews), c2 reserved by Bob and needing one more.
        let p = app.get_ok(&format!("/api/queues/{q}/progress")).await;
        assert_eq!((p["population"].as_i64(), p["sampled"].as_i64()), (Some(3), Some(3)));
        assert_eq!((p["done"].as_i64(), p["reserved"].as_i64(), p["remaining"].as_i64()), (Some(4), Some(1), Some(1)), "{p}");
        assert_eq!(p["conversations_complete"], 2);
        assert!(p["median_seconds"].as_f64().is_some_and(|s| s >= 0.0), "{p}");
        let by_name: BTreeMap<String, Value> = p["reviewers"].as_array().unwrap().iter()
            .map(|r| (r["reviewer"].as_str().unwrap().to_owned(), r.clone())).collect();
        assert_eq!(by_name.keys().collect::<Vec<_>>(), ["alice", "bob", "carol"]);
        let counts = |name: &str| {
            let r = &by_name[name];
            (r["done"].as_i64().unwrap(), r["reserved"].as_i64().unwrap(), r["skipped"].as_i64().unwrap(), r["remaining"].as_i64().unwrap())
        };
        assert_eq!(counts("alice"), (1, 0, 1, 1));
        assert_eq!(counts("bob"), (1, 1, 0, 0));
        assert_eq!(counts("carol"), (2, 0, 0, 1));
        // The trail: reviews with their answers, skips.
        let audit = app.get_ok("/api/audit").await;
        let reviews: Vec<&Value> = audit.as_array().unwrap().iter().filter(|e| e["action"] == "queue_review_submitted").collect();
        assert_eq!(reviews.len(), 4);
        assert!(reviews.iter().any(|e| e["actor"] == "alice" && e["conversation_id"] == x.as_str() && e["after"]["answers"]["notes"] == "looped"));
        assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "queue_conversation_skipped" && e["actor"] == "alice"));
    }
    async fn eight_reviewers_at_once(app: TestApp) {
        const CONVERSATIONS: usize = 24;
        const NEEDED: usize = 2;
        conversations(&app, "c", CONVERSATIONS, "web").await;
        let mut tokens = Vec::new();
        for i in 0..8 {
            tokens.push(app.user_token(&format!("r{i}"), "reviewer").await);
        }
        let q = explicit(&app, "rush", json!({"reviewers_per_conversation": NEEDED}), &ids("c", CONVERSATIONS)).await;
        let client = app.client.clone();
        let base = app.base.clone();
        let mut workers = Vec::new();
        for token in tokens {
            let (client, base) = (client.clone(), base.clone());
            workers.push(tokio::spawn(async move {
                // (conversation, reserved_at, completed_at) of each review this worker made.
                let mut reviews = Vec::new();
                loop {
                    let res = client.post(format!("{base}/api/queues/{q}/next")).bearer_auth(&token).send().await.unwrap();
                    let status = res.status();
                    let body: Value = res.json().await.unwrap();
                    if status == StatusCode::NOT_FOUND {
                        // Nothing for me now: the queue is finished, or what is left is held
                        // by others or had my turn; wait for them.
                        let progress: Value = client.get(format!("{base}/api/queues/{q}/progress")).bearer_auth(&token)
                            .send().await.unwrap().json().await.unwrap();
                        if progress["reserved"] == 0 && progress["remaining"] == 0 {
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        continue;
                    }
                    assert_eq!(status, StatusCode::OK, "{body}");
                    let id = body["conversation"]["id"].as_str().unwrap().to_owned();
                    let res = client.post(format!("{base}/api/queues/{q}/conversations/{id}/review")).bearer_auth(&token)
                        .json(&json!({"answers": {"outcome": "success"}})).send().await.unwrap();
                    assert_eq!(res.status(), StatusCode::OK);
                    let done: Value = res.json().await.unwrap();
                    assert_eq!(done["reserved_at"], body["reserved_at"]);
                    let at = |v: &Value| parse(v.as_str().unwrap());
                    reviews.push((id, at(&body["reserved_at"]), at(&done["completed_at"]), done["reviewer"].as_str().unwrap().to_owned()));
                }
                reviews
            }));
        }
        type Review = (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>, String);
        let mut by_conversation: HashMap<String, Vec<Review>> = HashMap::new();
        for w in workers {
            for (id, from, to, who) in w.await.unwrap() {
                by_conversation.entry(id).or_default().push((from, to, who));
            }
        }
        assert_eq!(by_conversation.len(), CONVERSATIONS);
        for (id, mut reviews) in by_conversation {
            assert_eq!(reviews.len(), NEEDED, "{id}: {reviews:?}");
            let people: HashSet<&String> = reviews.iter().map(|r| &r.2).collect();
            assert_eq!(people.len(), NEEDED, "{id}: {reviews:?}");
            // Never held by two at once: each reservation began after the previous ended.
            reviews.sort();
            for pair in reviews.windows(2) {
                assert!(pair[0].1 <= pair[1].0, "{id}: {reviews:?}");
            }
        }
        let p = app.get_ok(&format!("/api/queues/{q}/progress")).await;
        assert_eq!((p["done"].as_i64(), p["reserved"].as_i64(), p["remaining"].as_i64()), (Some((CONVERSATIONS * NEEDED) as i64), Some(0), Some(0)));
        assert_eq!(p["conversations_complete"], CONVERSATIONS);
    }
}
