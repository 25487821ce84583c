//! The intents and actions an inbox row lists, kept per conversation at ingest
//! (`conversation_row_names`): the migration that made the table writes the rows of
//! conversations stored before it in SQL, and those must be the rows ingest writes; the inbox
//! and the export list them.

use diesel::prelude::*;
use hindsight_server::db::row_names::RowNames;
use hindsight_server::db::schema::{conversation_row_names, conversations};

use crate::both_backends;

/// The migration that made the table, by its version.
const MIGRATION: &str = "20261207000240";

fn all_row_names(conn: &mut hindsight_server::db::DbConnection) -> Vec<(i64, RowNames)> {
    conversation_row_names::table
        .order(conversation_row_names::conversation_id)
        .select((
            conversation_row_names::conversation_id,
            conversation_row_names::names,
        ))
        .load::<(i64, String)>(conn)
        .unwrap()
        .into_iter()
        .map(|(id, names)| (id, serde_json::from_str(&names).unwrap()))
        .collect()
}

both_backends! {
    async fn the_migration_writes_the_row_names_ingest_writes(app: TestApp) {
        app.load_demo(400, 1);
        let mut conn = app.state.pool.get().unwrap();
        let written = all_row_names(&mut conn);
        assert_eq!(written.len(), 400);
        // Some row lists the most it may: the limit is part of what is compared.
        let most = hindsight_server::db::row_names::ROW_NAMES;
        assert!(written.iter().any(|(_, n)| n.actions.len() == most), "no row lists {most} actions");

        // The database as it was before the migration: no table, the migration not run.
        diesel::sql_query("DROP TABLE conversation_row_names").execute(&mut *conn).unwrap();
        diesel::sql_query(format!(
            "DELETE FROM __diesel_schema_migrations WHERE version = '{MIGRATION}'"
        ))
        .execute(&mut *conn)
        .unwrap();
        let ran = hindsight_server::db::connection::run_migrations(&mut conn).unwrap();
        assert_eq!(ran, 1);
        assert_eq!(all_row_names(&mut conn), written);

        // The inbox lists them.
        let by_sender: std::collections::HashMap<String, RowNames> = conversation_row_names::table
            .inner_join(conversations::table)
            .select((conversations::sender_id, conversation_row_names::names))
            .load::<(String, String)>(&mut *conn)
            .unwrap()
            .into_iter()
            .map(|(sender, names)| (sender, serde_json::from_str(&names).unwrap()))
            .collect();
        drop(conn);
        let page = app.get_ok("/api/conversations?limit=50&total=false").await;
        let rows = page["conversations"].as_array().unwrap();
        assert_eq!(rows.len(), 50);
        for row in rows {
            let names = &by_sender[row["id"].as_str().unwrap()];
            assert_eq!(row["intents"], serde_json::json!(names.intents), "{row}");
            assert_eq!(row["actions"], serde_json::json!(names.actions), "{row}");
        }
    }
}
