//! Word search (`text=`, the default) gives the same conversations as the substring search
//! (`text_mode=substring`, or quoted text) for words the demo data holds only as whole words,
//! ignores accents, and differs where a substring is inside longer words.

use crate::both_backends;

both_backends! {
    async fn word_search_answers_as_the_substring_search_for_whole_words(app: TestApp) {
        app.load_demo(600, 1);
        // A common word's page walks the inbox order and tests each conversation, a rare or
        // unknown one gathers its matches; the comparisons below cover both. PostgreSQL knows
        // a word is common from the statistics ANALYZE keeps (autovacuum's, in a deployment).
        {
            use diesel::RunQueryDsl;
            use hindsight_server::db::plan::{read_words, WordsRead};
            use hindsight_server::db::Backend;
            use hindsight_types::ConversationFilter;
            let mut conn = app.state.pool.get().unwrap();
            let f = |q: &str| ConversationFilter::from_query(q).unwrap();
            if conn.backend() == Backend::Postgres {
                diesel::sql_query("ANALYZE conversation_words").execute(&mut conn).unwrap();
            }
            assert_ne!(read_words(&mut conn, &f("text=i%20want"), 2).unwrap(), WordsRead::Gather);
            // SQLite seeks a very common word per row walked for a short page, and lists its
            // matches once for a long one (the page comparison below walks pages of one).
            let sqlite = conn.backend() == Backend::Sqlite;
            assert_eq!(read_words(&mut conn, &f("text=want"), 1).unwrap() == WordsRead::PerRow, sqlite);
            assert_ne!(read_words(&mut conn, &f("text=want"), 100).unwrap(), WordsRead::PerRow);
            assert_eq!(read_words(&mut conn, &f("text=zzzzz"), 50).unwrap(), WordsRead::Gather);
            assert_eq!(read_words(&mut conn, &f("text=want&channel=rest"), 50).unwrap(), WordsRead::Gather);
            assert_eq!(read_words(&mut conn, &f("text=want&text_mode=substring"), 50).unwrap(), WordsRead::Gather);
            // A substring that is a common word is known to be common from the word's
            // statistics on PostgreSQL (no sample); anything else is sampled.
            use hindsight_server::db::plan::substring_common_as_a_word;
            let on_postgres = !sqlite;
            assert_eq!(substring_common_as_a_word(&mut conn, &f("text=Want&text_mode=substring"), 2).unwrap(), on_postgres);
            assert!(!substring_common_as_a_word(&mut conn, &f("text=want&text_mode=substring"), 5_000).unwrap());
            assert!(!substring_common_as_a_word(&mut conn, &f("text=i%20want&text_mode=substring"), 2).unwrap());
            assert!(!substring_common_as_a_word(&mut conn, &f("text=efun&text_mode=substring"), 2).unwrap());
        }
        // Words of the demo utterances that are no part of another word, a two-word phrase,
        // one in another case and non-ASCII ones.
        for text in ["refund", "password", "luggage", "Berlin", "berlin", "z%C3%BCrich", "M%C3%BCnchen", "i%20want", "to%20the", "hello%20i"] {
            let words = app.all_ids(&format!("text={text}")).await;
            let substring = app.all_ids(&format!("text={text}&text_mode=substring")).await;
            assert!(!words.is_empty(), "{text} is found");
            assert_eq!(words, substring, "{text}: words and substring differ");
            assert_eq!(app.count(&format!("text={text}")).await, words.len() as i64, "{text}");
            // Quoted text is a substring search.
            assert_eq!(app.all_ids(&format!("text=%22{text}%22")).await, substring, "{text} quoted");
        }
        // Accents are ignored by words only: "zurich" finds every "Zürich".
        assert_eq!(app.all_ids("text=zurich").await, app.all_ids("text=z%C3%BCrich").await);
        assert!(app.all_ids("text=zurich&text_mode=substring").await.is_empty());
        // "can" is a word of its own and inside "cancel": the substring finds more.
        let (word, substring) = (app.count("text=can").await, app.count("text=can&text_mode=substring").await);
        assert!(0 < word && word < substring, "can: {word} words, {substring} substrings");
        // A part of a word is no word; a text without letters or digits is a substring.
        assert_eq!(app.count("text=efun").await, 0);
        assert!(app.count("text=efun&text_mode=substring").await > 0);
        assert_eq!(app.count("text=%3F%3F%3F").await, 0);
        // With other conditions and another order, the same.
        let q = "intent=intent_000&sort=length&text=";
        assert_eq!(app.all_ids(&format!("{q}refund")).await, app.all_ids(&format!("{q}refund&text_mode=substring")).await);
    }

    // A text alone is counted from the text's own rows on PostgreSQL (the distinct
    // conversations its index names, less the trashed ones), elsewhere as a condition on the
    // conversations: either way as many as its pages list, before and after some of its
    // conversations go to the trash, and back when one is restored.
    async fn a_text_alone_is_counted_as_its_pages_list_it(app: TestApp) {
        use serde_json::json;
        app.load_demo(300, 2);
        // A word, a phrase, a word without its accent, a substring inside words, and one
        // of several messages of the same conversation (counted once).
        let texts = ["text=refund", "text=i%20want", "text=zurich", "text=efun&text_mode=substring", "text=want&text_mode=substring"];
        let check = |when: &'static str| {
            let app = &app;
            async move {
                for q in texts {
                    let listed = app.all_ids(q).await.len() as i64;
                    assert!(listed > 0, "{q} {when}: nothing listed");
                    assert_eq!(app.count(q).await, listed, "{q} {when}");
                }
            }
        };
        check("at first").await;
        let refund = app.all_ids("text=refund").await;
        let trashed: Vec<&String> = refund.iter().take(3).collect();
        let (status, body) = app
            .post_json("/api/conversations/bulk", &json!({"selection": {"ids": trashed}, "action": "delete"}))
            .await;
        assert_eq!(status, 200, "{body}");
        check("after the trash").await;
        assert_eq!(app.count("text=refund").await, refund.len() as i64 - 3);
        let (status, body) = app.post_json(&format!("/api/conversations/{}/restore", trashed[0]), &json!({})).await;
        assert!(status.is_success(), "{status} {body}");
        check("after a restore").await;
        assert_eq!(app.count("text=refund").await, refund.len() as i64 - 2);
    }

    // Before anything is imported, every text filter (and a sequence, which PostgreSQL judges
    // from a sample too) answers an empty page and zero counts, not an error.
    async fn text_filters_on_an_empty_inbox_answer_nothing(app: TestApp) {
        for q in ["text=refund", "text=refund&text_mode=substring", "seq=intent%3Agreet"] {
            assert!(app.ids(q).await.is_empty(), "{q}");
            assert_eq!(app.count(q).await, 0, "{q}");
            let tabs = app.get_ok(&format!("/api/conversations/tab-counts?{q}&estimate=true")).await;
            assert_eq!(tabs["all"], 0, "{q}: {tabs}");
        }
    }

    async fn word_index_follows_appends_and_deletes(app: TestApp) {
        use crate::rasa::*;
        use serde_json::json;
        app.import(&json!([tracker("w", vec![user("Ich möchte nach Zürich", "travel", 0.9, T0, "rest")])])).await;
        assert_eq!(app.ids("text=zurich").await, ["w"]);
        let (status, body) = app
            .post_json("/api/conversations/w/events", &json!([user("and a refund please", "refund", 0.9, T0 + 5.0, "rest")]))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(app.ids("text=refund").await, ["w"]);
        assert_eq!(app.ids("text=a%20refund").await, ["w"]);
        assert_eq!(app.ids("text=efun&text_mode=substring").await, ["w"], "appended text in the trigram index");
        assert!(app.ids("text=refund%20a").await.is_empty(), "words in order");
        // Gone with the conversation (purged): neither index answers for it.
        use diesel::connection::SimpleConnection;
        app.state.pool.get().unwrap().batch_execute("DELETE FROM conversations WHERE sender_id = 'w'").unwrap();
        app.import(&json!([tracker("v", vec![user("nothing here", "none", 0.9, T0, "rest")])])).await;
        assert!(app.ids("text=refund").await.is_empty());
        assert!(app.ids("text=refund&text_mode=substring").await.is_empty());
        // The indexes hold exactly the user messages stored: the purged ones' rows are gone,
        // the new one's are there (SQLite's two FTS5 tables; PostgreSQL's table of user messages).
        let mut conn = app.state.pool.get().unwrap();
        let count = crate::harness::count_sql;
        let messages = count(&mut conn, "SELECT count(*) AS n FROM events WHERE type_name = 'user' AND text IS NOT NULL");
        assert_eq!(messages, 1);
        let indexes: &[&str] = if conn.backend() == hindsight_server::db::Backend::Sqlite {
            &["user_words", "user_texts"]
        } else {
            &["user_messages"]
        };
        for index in indexes {
            assert_eq!(count(&mut conn, &format!("SELECT count(*) AS n FROM {index}")), messages, "{index}");
        }
        if conn.backend() == hindsight_server::db::Backend::Postgres {
            assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM conversation_words"), 1, "one conversation's words");
        }
    }
}

/// PostgreSQL's words of each conversation (`conversation_words`, what a one-word search
/// reads), compared with the union of its user messages' words, conversation by conversation.
const CONVERSATION_WORDS_DIFFER: &str = "SELECT count(*) AS n FROM \
    (SELECT m.conversation_id, array_to_tsvector(array_agg(DISTINCT u.lexeme)) AS words \
     FROM user_messages m, unnest(m.words) u GROUP BY m.conversation_id) messages \
    FULL JOIN conversation_words w USING (conversation_id) \
    WHERE messages.words IS DISTINCT FROM w.words";

/// The words of each conversation are exactly its messages' words, as ingest keeps them (a
/// batch of several conversations, an append to one seen before, a message of no word) and as
/// the migration that made the table writes them; a one-word search then finds what a phrase
/// search of the messages finds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_conversation_words_are_their_messages_words() {
    use crate::harness::{count_sql, Db, TestApp};
    use crate::rasa::*;
    use diesel::RunQueryDsl;
    use serde_json::json;
    let app = TestApp::start(Db::Postgres).await;
    app.load_demo(300, 1);
    app.import(&json!([
        tracker(
            "a",
            vec![
                user("Ich möchte nach Zürich", "travel", 0.9, T0, "rest"),
                user("und zurück", "travel", 0.9, T0 + 2.0, "rest")
            ]
        ),
        tracker("b", vec![user("???", "none", 0.4, T0, "rest")]),
    ]))
    .await;
    let (status, body) = app
        .post_json(
            "/api/conversations/a/events",
            &json!([user("a refund, bitte", "refund", 0.9, T0 + 5.0, "rest")]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut conn = app.state.pool.get().unwrap();
    let rows = count_sql(&mut conn, "SELECT count(*) AS n FROM conversation_words");
    assert!(rows > 300, "{rows} conversations with words");
    assert_eq!(count_sql(&mut conn, CONVERSATION_WORDS_DIFFER), 0, "ingest");
    for word in ["refund", "zurich", "zuruck", "bitte", "want", "berlin"] {
        let phrase = count_sql(
            &mut conn,
            &format!(
                "SELECT count(DISTINCT conversation_id) AS n FROM user_messages \
             WHERE words @@ phraseto_tsquery('simple', hindsight_fold('{word}'))"
            ),
        );
        assert!(phrase > 0, "{word}");
        assert_eq!(app.count(&format!("text={word}")).await, phrase, "{word}");
    }
    assert_eq!(app.ids("text=bitte").await, ["a"]);

    // The database as it was before the migration: no table, the migration not run.
    diesel::sql_query("DROP TABLE conversation_words")
        .execute(&mut *conn)
        .unwrap();
    diesel::sql_query("DELETE FROM __diesel_schema_migrations WHERE version = '20261207000250'")
        .execute(&mut *conn)
        .unwrap();
    assert_eq!(
        hindsight_server::db::connection::run_migrations(&mut conn).unwrap(),
        1
    );
    assert_eq!(
        count_sql(&mut conn, "SELECT count(*) AS n FROM conversation_words"),
        rows
    );
    assert_eq!(
        count_sql(&mut conn, CONVERSATION_WORDS_DIFFER),
        0,
        "migration"
    );
}
