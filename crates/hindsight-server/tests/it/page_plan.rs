//! How a page is read does not change what it holds: for every kind of filter and every order,
//! pages of one row (which SQLite reads row by row for a common filter, testing every
//! condition per conversation) list what one gathered page of all the matches lists.

use serde_json::Value;

use crate::both_backends;
use crate::tab_counts::FILTERS;

/// Rows compared per filter and order.
const ROWS: usize = 30;

fn ids(page: &Value) -> Vec<String> {
    page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Pages of one row after another list what one gathered page of 500 lists, for query `q`.
async fn walked_pages_list_the_gathered_page(app: &crate::harness::TestApp, q: &str) {
    let gathered = ids(&app
        .get_ok(&format!("/api/conversations?{q}&limit=500&total=false"))
        .await);
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    while walked.len() < ROWS.min(gathered.len()) {
        let after = cursor
            .as_deref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let page = app
            .get_ok(&format!(
                "/api/conversations?{q}&limit=1&total=false{after}"
            ))
            .await;
        walked.extend(ids(&page));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(walked, gathered[..walked.len()], "{q}");
    assert_eq!(walked.len(), ROWS.min(gathered.len()), "{q}");
}

both_backends! {
    async fn pages_read_row_by_row_list_what_a_gathered_page_lists(app: TestApp) {
        use hindsight_server::db::conversations::reads_row_by_row;
        use hindsight_types::ConversationFilter;
        app.load_demo(600, 1);
        let mut row_by_row = Vec::new();
        for query in FILTERS {
            for sort in ["latest", "oldest", "length", "lowest_confidence"] {
                let sep = if query.is_empty() { "" } else { "&" };
                let q = format!("{query}{sep}sort={sort}");
                let filter = ConversationFilter::from_query(&q).unwrap();
                {
                    let mut conn = app.state.pool.get().unwrap();
                    // A page of 500 gathers; a page of one row may not.
                    assert!(!reads_row_by_row(&mut conn, &filter, 500).unwrap(), "{q}");
                    if reads_row_by_row(&mut conn, &filter, 2).unwrap() {
                        row_by_row.push(q.clone());
                    }
                }
                walked_pages_list_the_gathered_page(&app, &q).await;
            }
        }
        // On SQLite the common filters were read row by row. PostgreSQL's planner chooses,
        // but for words with features and columns, which it cannot estimate together, for
        // sequence patterns (the test below), and for a lone feature value common enough
        // that a probe per walked entry finds a short page sooner than any other read (its
        // maintained count says so: `plan::lone_facet_read_on_postgres`).
        let sqlite = app.state.pool.get().unwrap().backend() == hindsight_server::db::Backend::Sqlite;
        if sqlite {
            assert!(row_by_row.len() >= 20, "read row by row: {row_by_row:?}");
        } else {
            assert!(!row_by_row.is_empty());
            for q in &row_by_row {
                let filter = ConversationFilter::from_query(q).unwrap();
                let mut conn = app.state.pool.get().unwrap();
                let probed = hindsight_server::db::plan::lone_facet_read_on_postgres(
                    &mut conn, &filter, 2,
                )
                .unwrap()
                    == hindsight_server::db::plan::HoldersRead::Probed;
                assert!(
                    hindsight_server::db::plan::walks_words_on_postgres(&filter)
                        || filter.sequence.is_some()
                        || probed,
                    "{q} was read row by row on PostgreSQL"
                );
            }
        }
        // A common substring alone walks the order for a short page (the pages above compared
        // it with the gathered page): PostgreSQL tests each conversation's messages, SQLite
        // each conversation's path of turns.
        use hindsight_server::db::conversations::probes_text;
        let filter = ConversationFilter::from_query("text=want&text_mode=substring").unwrap();
        let mut conn = app.state.pool.get().unwrap();
        assert!(probes_text(&mut conn, &filter, 2).unwrap());
        assert!(!probes_text(&mut conn, &filter, 500).unwrap());
        // While an upgrade rewrites the paths, SQLite gathers from the trigram index instead.
        use diesel::connection::SimpleConnection;
        let format = "UPDATE settings SET value = '{}' WHERE key = 'sequence_paths_format'";
        conn.batch_execute(&format.replace("{}", "1")).unwrap();
        let on_postgres = matches!(*conn, hindsight_server::db::DbConnection::Pg(_));
        assert_eq!(probes_text(&mut conn, &filter, 2).unwrap(), on_postgres);
        conn.batch_execute(&format.replace("{}", "2")).unwrap();
    }
}

// Sequence patterns, common enough that a short page walks the order on both backends (on
// PostgreSQL each feature probed per row, fenced from its planner's joins).
both_backends! {
    async fn sequence_pages_read_row_by_row_list_what_a_gathered_page_lists(app: TestApp) {
        use hindsight_server::db::conversations::reads_row_by_row;
        use hindsight_types::ConversationFilter;
        app.load_demo(600, 1);
        let patterns = [
            "intent:intent_000 > action:utter_001",
            "intent:intent_000 > intent:intent_001 > action:*",
            "intent:intent_000 > !action:utter_000 > end",
            "confidence<0.5 >> action:*",
            "intent:intent_000 > action:*",
        ];
        let mut row_by_row = Vec::new();
        for pattern in patterns {
            let q: String = url::form_urlencoded::byte_serialize(pattern.as_bytes()).collect();
            let q = format!("seq={q}");
            let filter = ConversationFilter::from_query(&q).unwrap();
            {
                let mut conn = app.state.pool.get().unwrap();
                assert!(!reads_row_by_row(&mut conn, &filter, 500).unwrap(), "{q}");
                if reads_row_by_row(&mut conn, &filter, 2).unwrap() {
                    row_by_row.push(pattern);
                }
            }
            walked_pages_list_the_gathered_page(&app, &q).await;
        }
        assert!(row_by_row.len() >= 2, "read row by row: {row_by_row:?}");
    }
}

// A slot value alone: its holders counted from the features' index decide how its page is
// read, and the page lists what the gathered page lists.
both_backends! {
    async fn a_lone_slot_value_is_judged_by_its_holders(app: TestApp) {
        use diesel::prelude::*;
        use hindsight_server::db::plan::lone_slot_value_holders;
        use hindsight_types::ConversationFilter;
        app.load_demo(600, 1);
        #[derive(QueryableByName)]
        struct Commonest {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            holders: i64,
        }
        let commonest: Commonest = {
            let mut conn = app.state.pool.get().unwrap();
            diesel::sql_query(
                "SELECT value, count(*) AS holders FROM conversation_features \
                 WHERE kind = 'slot' AND name = 'city' AND value <> '' \
                 GROUP BY value ORDER BY 2 DESC, 1 LIMIT 1",
            )
            .get_result(&mut *conn)
            .unwrap()
        };
        assert!(commonest.holders > 1, "the demo sets the city slot");
        let q = format!("slot=city:{}", commonest.value);
        let holders = |query: &str| {
            let filter = ConversationFilter::from_query(query).unwrap();
            let mut conn = app.state.pool.get().unwrap();
            lone_slot_value_holders(&mut conn, &filter).unwrap()
        };
        assert_eq!(holders(&q), Some(commonest.holders), "{q}");
        assert_eq!(holders(&format!("{q}&sort=oldest")), Some(commonest.holders));
        assert_eq!(holders("slot=city"), None, "any value: not one posting list");
        assert_eq!(holders(&format!("{q}&channel=rest")), None, "not alone");
        assert_eq!(holders(&format!("{q}&slot=cuisine")), None, "two slots");
        walked_pages_list_the_gathered_page(&app, &q).await;
    }
}

// A lone feature value's page lists its holders newest first however it is read: gathered
// and sorted, its holders hashed while the order's index is walked, or each walked entry
// probed (PostgreSQL chooses from the value's maintained count; SQLite from its own). The
// expected page is the holders sorted here, from one plain join.
both_backends! {
    async fn a_lone_value_read_any_way_lists_its_holders_newest_first(app: TestApp) {
        use diesel::prelude::*;
        use hindsight_server::db::plan::{lone_facet_read_on_postgres, HoldersRead};
        use hindsight_types::ConversationFilter;
        app.load_demo(600, 1);
        #[derive(QueryableByName)]
        struct Held {
            #[diesel(sql_type = diesel::sql_types::Text)]
            kind: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let values: Vec<Held> = {
            let mut conn = app.state.pool.get().unwrap();
            diesel::sql_query(
                "SELECT DISTINCT kind, name, value FROM conversation_features \
                 WHERE kind IN ('intent', 'action', 'slot') ORDER BY 1, 2, 3",
            )
            .load(&mut *conn)
            .unwrap()
        };
        let on_postgres =
            app.state.pool.get().unwrap().backend() == hindsight_server::db::Backend::Postgres;
        let mut reads = std::collections::BTreeSet::new();
        for held in values.iter().filter(|h| h.kind != "slot" || !h.value.is_empty()) {
            let q = match held.kind.as_str() {
                "slot" => format!("slot={}:{}", held.name, held.value),
                kind => format!("{kind}={}", held.name),
            };
            // Written into the statement (each backend spells its parameters differently).
            assert!(!format!("{}{}{}", held.kind, held.name, held.value).contains('\''));
            #[derive(QueryableByName)]
            struct Sender {
                #[diesel(sql_type = diesel::sql_types::Text)]
                sender_id: String,
            }
            let expected: Vec<String> = {
                let mut conn = app.state.pool.get().unwrap();
                diesel::sql_query(
                    "SELECT c.sender_id FROM conversations c WHERE c.deleted_at IS NULL \
                     AND c.id IN (SELECT conversation_id FROM conversation_features \
                     WHERE kind = $1 AND name = $2 AND value = $3) \
                     ORDER BY c.latest_event_at DESC, c.id DESC LIMIT 20"
                        .replace("$1", &format!("'{}'", held.kind))
                        .replace("$2", &format!("'{}'", held.name))
                        .replace("$3", &format!("'{}'", held.value)),
                )
                .load::<Sender>(&mut *conn)
                .unwrap()
                .into_iter()
                .map(|s| s.sender_id)
                .collect()
            };
            let page = app
                .get_ok(&format!("/api/conversations?{q}&limit=20&total=false"))
                .await;
            assert_eq!(ids(&page), expected, "{q}");
            let filter = ConversationFilter::from_query(&q).unwrap();
            let mut conn = app.state.pool.get().unwrap();
            reads.insert(format!(
                "{:?}",
                lone_facet_read_on_postgres(&mut conn, &filter, 20).unwrap()
            ));
        }
        let every_read = [HoldersRead::Planner, HoldersRead::Hashed, HoldersRead::Probed]
            .map(|r| format!("{r:?}"));
        if on_postgres {
            assert!(every_read.iter().all(|r| reads.contains(r)), "{reads:?}");
        } else {
            assert_eq!(reads.len(), 1, "PostgreSQL's choice only: {reads:?}");
        }
    }
}
