//! Importing from a Rasa SQL tracker store: rows that commit out of id order, a source left
//! exactly as it was, and stored hashes of an older definition.

use diesel::connection::SimpleConnection;
use diesel::Connection;
use hindsight_server::db::{open_pool, DatabaseUrl, DbConnection};
use hindsight_server::ingest::{tracker_store, IngestOptions};
use serde_json::Value;

use crate::harness::{Db, TestDb};
use crate::rasa::*;

const RASA_TABLE: &str = "CREATE TABLE events (id {ID}, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)";

fn rasa_table(db: Db) -> String {
    let id = match db {
        Db::Sqlite => "INTEGER PRIMARY KEY",
        Db::Postgres => "SERIAL PRIMARY KEY",
    };
    RASA_TABLE.replace("{ID}", id)
}

/// Inserts `e` as Rasa's row `id` of `sender`.
fn insert_row(source: &mut impl SimpleConnection, id: i32, sender: &str, e: &Value) {
    let data = e.to_string().replace('\'', "''");
    source
        .batch_execute(&format!(
            "INSERT INTO events (id, sender_id, type_name, timestamp, data) VALUES ({id}, '{sender}', '{}', {}, '{data}')",
            e["event"].as_str().unwrap(),
            e["timestamp"]
        ))
        .unwrap();
}

fn import(target: &mut DbConnection, url: &str) -> (u64, u64) {
    let s = tracker_store::import_tracker_store(target, url, &IngestOptions::default(), |_| {})
        .unwrap();
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    (s.events_added, s.events_skipped)
}

/// Ids 1, 2, 3 and 5 are committed; 4 commits after the import read past it (PostgreSQL hands
/// out serial ids at insert, transactions commit in any order).
fn rows_committed_late_are_imported(db: Db) {
    let target = TestDb::new(db);
    let pool = open_pool(&target.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    let store = TestDb::new(db);
    let mut source = DatabaseUrl::parse(&store.url).unwrap().connect().unwrap();
    source.batch_execute(&rasa_table(db)).unwrap();
    let events: Vec<Value> = greeting("s", T0, "rest", 0.9, 0.9)["events"]
        .as_array()
        .unwrap()
        .clone();
    for (id, e) in [
        (1, &events[0]),
        (2, &events[1]),
        (3, &events[2]),
        (5, &events[4]),
    ] {
        insert_row(&mut source, id, "s", e);
    }
    assert_eq!(import(&mut conn, &store.url), (4, 0));
    assert_eq!(
        import(&mut conn, &store.url),
        (0, 0),
        "nothing new, nothing read twice"
    );
    insert_row(&mut source, 4, "s", &events[3]);
    insert_row(
        &mut source,
        6,
        "t",
        &user("hi", "greet", 0.9, T0 + 9.0, "rest"),
    );
    assert_eq!(
        import(&mut conn, &store.url),
        (2, 0),
        "the late row and the new one"
    );
    assert_eq!(import(&mut conn, &store.url), (0, 0));
    let row = hindsight_server::db::conversations::find_live(&mut conn, "s")
        .unwrap()
        .expect("s is live");
    assert_eq!(row.event_count, 5);
}

/// The source connection cannot write, on either backend.
fn source_connection_is_read_only(db: Db) {
    let store = TestDb::new(db);
    let mut setup = DatabaseUrl::parse(&store.url).unwrap().connect().unwrap();
    setup.batch_execute(&rasa_table(db)).unwrap();
    drop(setup);
    let mut source = DatabaseUrl::parse(&store.url)
        .unwrap()
        .connect_read_only()
        .unwrap();
    let write = source.batch_execute(
        "INSERT INTO events (sender_id, type_name, data) VALUES ('x', 'user', '{}')",
    );
    assert!(write.is_err(), "a read-only source refused the write");
}

#[test]
fn rows_committed_late_are_imported_sqlite() {
    rows_committed_late_are_imported(Db::Sqlite)
}
#[test]
fn rows_committed_late_are_imported_postgres() {
    rows_committed_late_are_imported(Db::Postgres)
}
#[test]
fn source_connection_is_read_only_sqlite() {
    source_connection_is_read_only(Db::Sqlite)
}
#[test]
fn source_connection_is_read_only_postgres() {
    source_connection_is_read_only(Db::Postgres)
}

/// `hindsight import rasa.db` leaves Rasa's file byte for byte as it was: no journal mode
/// switched, no `-wal`, `-shm` or `-journal` file left behind.
#[test]
fn a_sqlite_tracker_store_is_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rasa.db");
    {
        // As Rasa's SQLAlchemy store creates it: the default rollback journal.
        let mut rasa = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        rasa.batch_execute(&rasa_table(Db::Sqlite)).unwrap();
        for (i, e) in greeting("s", T0, "rest", 0.9, 0.9)["events"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            insert_row(&mut rasa, i as i32 + 1, "s", e);
        }
    }
    let before = std::fs::read(&path).unwrap();
    let files_before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files_before.len(), 1);

    let target = TestDb::new(Db::Sqlite);
    let pool = open_pool(&target.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    let url = format!("sqlite://{}", path.display());
    assert_eq!(import(&mut conn, &url), (5, 0));
    assert_eq!(import(&mut conn, &url), (0, 0));

    assert!(
        std::fs::read(&path).unwrap() == before,
        "the source's bytes are unchanged"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["rasa.db"], "no -wal, -shm or -journal left behind");
}

/// Events stored with the hash of an older definition still match a re-import once the
/// database is opened again (the migration marks them, opening recomputes them).
fn old_hashes_are_recomputed(db: Db) {
    let target = TestDb::new(db);
    let t = greeting("h", T0, "rest", 0.9, 0.9).to_string();
    {
        let pool = open_pool(&target.url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let batch = vec![hindsight_server::ingest::parse_tracker_body(&t, None).unwrap()];
        let opts = IngestOptions::default();
        let s = hindsight_server::db::ingest::store_conversations(&mut conn, batch, &opts);
        assert_eq!(s.unwrap().events_added, 5);
        // As a database written before the canonical hash looks after its migration.
        conn.batch_execute(
            "UPDATE events SET content_hash = id; \
             UPDATE settings SET value = '1' WHERE key = 'content_hash_version'; \
             INSERT INTO settings (key, value) SELECT 'content_hash_version', '1' \
             WHERE NOT EXISTS (SELECT 1 FROM settings WHERE key = 'content_hash_version')",
        )
        .unwrap();
    }
    let pool = open_pool(&target.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    let batch = vec![hindsight_server::ingest::parse_tracker_body(&t, None).unwrap()];
    let s = hindsight_server::db::ingest::store_conversations(
        &mut conn,
        batch,
        &IngestOptions::default(),
    )
    .unwrap();
    assert_eq!((s.events_added, s.events_skipped), (0, 5));
}

#[test]
fn old_hashes_are_recomputed_sqlite() {
    old_hashes_are_recomputed(Db::Sqlite)
}
#[test]
fn old_hashes_are_recomputed_postgres() {
    old_hashes_are_recomputed(Db::Postgres)
}

/// Rows of a conversation in the trash are stored while the position moves past them: a
/// restore brings back the whole conversation; `restore_deleted` restores it at once.
fn trashed_conversations_keep_their_rows(db: Db) {
    let target = TestDb::new(db);
    let pool = open_pool(&target.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    let store = TestDb::new(db);
    let mut source = DatabaseUrl::parse(&store.url).unwrap().connect().unwrap();
    source.batch_execute(&rasa_table(db)).unwrap();
    insert_row(&mut source, 1, "a", &user("hi", "greet", 0.9, T0, "rest"));
    insert_row(&mut source, 2, "b", &user("hi", "greet", 0.9, T0, "rest"));
    assert_eq!(import(&mut conn, &store.url), (2, 0));
    conn.batch_execute("UPDATE conversations SET deleted_at = updated_at")
        .unwrap();

    insert_row(
        &mut source,
        3,
        "a",
        &user("later", "inform", 0.5, T0 + 5.0, "rest"),
    );
    let s = tracker_store::import_tracker_store(
        &mut conn,
        &store.url,
        &IngestOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!((s.events_added, s.conversations_skipped_deleted), (1, 1));
    let live = hindsight_server::db::conversations::find_live(&mut conn, "a").unwrap();
    assert!(live.is_none(), "still in the trash");
    let trashed = hindsight_server::db::triage::find_trashed(&mut conn, "a")
        .unwrap()
        .expect("in the trash");
    hindsight_server::db::triage::restore(&mut conn, trashed).unwrap();
    let a = hindsight_server::db::conversations::find_live(&mut conn, "a")
        .unwrap()
        .expect("a is live");
    assert_eq!(
        (a.event_count, a.user_message_count),
        (2, 2),
        "restored complete"
    );

    insert_row(
        &mut source,
        4,
        "b",
        &user("later", "inform", 0.5, T0 + 5.0, "rest"),
    );
    let opts = IngestOptions {
        restore_deleted: true,
        ..IngestOptions::default()
    };
    let s = tracker_store::import_tracker_store(&mut conn, &store.url, &opts, |_| {}).unwrap();
    assert_eq!((s.events_added, s.conversations_skipped_deleted), (1, 0));
    let b = hindsight_server::db::conversations::find_live(&mut conn, "b")
        .unwrap()
        .expect("b is live");
    assert_eq!(b.event_count, 2, "restored by the import");
}

#[test]
fn trashed_conversations_keep_their_rows_sqlite() {
    trashed_conversations_keep_their_rows(Db::Sqlite)
}
#[test]
fn trashed_conversations_keep_their_rows_postgres() {
    trashed_conversations_keep_their_rows(Db::Postgres)
}
