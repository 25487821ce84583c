//! PostgreSQL's plans of the statements the API runs for a filter (what the bench's report
//! shows for each missed figure): the plan is the statement's own, each kind of count says
//! how it is answered, and SQLite gives none.

use crate::both_backends;

both_backends! {
    async fn the_plans_are_those_of_the_statements_the_api_runs(app: TestApp) {
        use hindsight_server::db::conversations::{explain_count, explain_page};
        use hindsight_server::db::Backend;
        use hindsight_types::{ConversationFilter, PageRequest};
        app.load_demo(200, 3);
        let mut conn = app.state.pool.get().unwrap();
        let postgres = conn.backend() == Backend::Postgres;
        let page = PageRequest { limit: Some(50), skip_total: true, ..Default::default() };
        // (query, what the count's plan holds)
        let cases = [
            ("channel=rest", "maintained counts"),
            ("text=refund", "conversation_words"),
            ("text=refund&text_mode=substring", "user_messages"),
            ("seq=intent%3Aintent_000+%3E+action%3Autter_001", "tested in the server"),
            ("intent=intent_000&max_intent_confidence=0.6", "Aggregate"),
        ];
        for (query, counted) in cases {
            let filter = ConversationFilter::from_query(query).unwrap();
            let page_plan = explain_page(&mut conn, &filter, &page).unwrap();
            let count_plan = explain_count(&mut conn, &filter).unwrap();
            if !postgres {
                assert_eq!((page_plan, count_plan), (None, None), "{query}");
                continue;
            }
            let page_plan = page_plan.unwrap();
            assert!(page_plan.starts_with("Limit"), "{query}: {page_plan}");
            assert!(page_plan.contains("Execution Time"), "{query}: analysed: {page_plan}");
            let count_plan = count_plan.unwrap();
            assert!(count_plan.contains(counted), "{query}: {count_plan}");
        }
        // The page's plan runs the page's own statement, binds and all: a filter matching
        // nothing reads no row.
        let nothing = ConversationFilter::from_query("intent=no_such_intent").unwrap();
        if let Some(plan) = explain_page(&mut conn, &nothing, &page).unwrap() {
            assert!(plan.contains("rows=0 loops=1"), "{plan}");
        }
    }
}
