//! The inbox measured: every filter of the suite as the web app shows it (the view, its
//! exact tabs, the first page, the count), each next to its hand-written SQL; and a deep page
//! reached by following the cursor.

use anyhow::anyhow;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use hindsight_server::db::conversations::{count_as_planned, count_planned_apart};
use hindsight_server::db::DbConnection;
use hindsight_types::ConversationFilter;

use super::*;

/// Times every filter of the suite (its view, exact tabs, page and count, and the same
/// answers by hand-written SQL) into `r.filters`, noting in `r.mismatches` where the answers
/// disagree.
pub(super) fn inbox_suite(
    opts: &BenchOptions,
    r: &mut BackendResult,
    conn: &mut DbConnection,
    client: &mut Client,
    server: &Server,
) -> anyhow::Result<()> {
    let runs = opts.runs;
    let pg = conn.backend() == Backend::Postgres;
    for case in suite() {
        let sep = if case.query.is_empty() { "" } else { "&" };
        let page_path = format!("/api/conversations?{}{sep}limit=50&total=false", case.query);
        let count_path = format!("/api/conversations/count?{}", case.query);
        let chart_path = format!("/api/conversations/stats?{}", case.query);
        let first = client.get_json(&page_path.replace("&total=false", ""))?;
        let total = first["total"].as_i64().unwrap_or(-1);
        let counted = client.get_json(&count_path)?["total"]
            .as_i64()
            .unwrap_or(-2);
        if total != counted {
            r.mismatches.push(format!(
                "{}: the page says {total} conversations, /count says {counted}",
                case.name
            ));
        }
        let charted = client.get_json(&chart_path)?["total"]
            .as_i64()
            .unwrap_or(-3);
        if charted != total {
            r.mismatches.push(format!(
                "{}: the page says {total} conversations, the day chart {charted}",
                case.name
            ));
        }
        let view_paths = view_paths(&case.query);
        let mut view_clients: Vec<Client> = view_paths
            .iter()
            .map(|_| {
                let mut c = Client::new(&server.addr);
                c.token = client.token.clone();
                c
            })
            .collect();
        let answers = view_once(&mut view_clients, &view_paths)?;
        let tabs_path = view_paths[1].replace("&estimate=true", "");
        let exact = client.get_json(&tabs_path)?;
        let tab = |v: &serde_json::Value, key: &str| v[key].as_i64().unwrap_or(-1);
        let own_tab = match case
            .query
            .split('&')
            .find_map(|p| p.strip_prefix("review_status="))
        {
            Some(status) => tab(&exact, status),
            None => tab(&exact, "all"),
        };
        let split = ["unread", "saved_for_later", "reviewed"].map(|k| tab(&exact, k));
        if split.iter().sum::<i64>() != tab(&exact, "all") || own_tab != total {
            r.mismatches.push(format!(
                "{}: the tab counts disagree with the page's total {total}: {exact}",
                case.name
            ));
        }
        let estimate = &answers[1];
        let estimated = estimate["exact"] == serde_json::Value::Bool(false);
        let estimate_error = ["all", "unread", "saved_for_later", "reviewed"]
            .iter()
            .map(|k| (tab(estimate, k) - tab(&exact, k)).abs() as f64)
            .fold(0.0, f64::max)
            / tab(&exact, "all").max(1) as f64;
        if !estimated && estimate_error != 0.0 {
            r.mismatches.push(format!(
                "{}: an answer marked exact differs from the exact count: {estimate} vs {exact}",
                case.name
            ));
        }
        let view = time(runs, || view_once(&mut view_clients, &view_paths).map(drop))?;
        drop(view_clients);
        let exact_tabs = time(runs, || client.get_json(&tabs_path).map(drop))?;
        let day_chart = time(runs, || client.get_json(&chart_path).map(drop))?;
        let page = time(runs, || client.get_json(&page_path).map(drop))?;
        let count = time(runs, || client.get_json(&count_path).map(drop))?;
        let cond = if pg {
            case.sql_pg.as_deref().unwrap_or(&case.sql)
        } else {
            &case.sql
        };
        let walk = if pg { &case.walk_pg } else { &case.walk };
        let page_q = page_sql(conn, walk.as_deref().unwrap_or(cond), case.order, "")?;
        let count_q = match &case.count_pg {
            Some(statement) if pg => statement.clone(),
            _ => count_sql(cond),
        };
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql_total: N =
            diesel::sql_query(format!("SELECT ({count_q}) AS n")).get_result(conn)?;
        if sql_total.n != total {
            r.mismatches.push(format!(
                "{}: the API counts {total}, the hand-written SQL {}",
                case.name, sql_total.n
            ));
        }
        let sql_page = time(runs, || Ok(conn.batch_execute(&page_q)?))?;
        // The count as the API's exact count runs it (PostgreSQL's planner settings for the
        // filter), and where those are not the serving settings also without them: the
        // like-with-like floor, and the best hand-written count.
        let filter = ConversationFilter::from_query(&case.query)
            .map_err(|e| anyhow!("{}: the filter does not parse: {e:?}", case.name))?;
        let sql_count = time(runs, || {
            Ok(count_as_planned(conn, &filter, |c| {
                c.batch_execute(&count_q)
            })?)
        })?;
        let sql_count_serving = if pg && count_planned_apart(&filter) {
            Some(time(runs, || Ok(conn.batch_execute(&count_q)?))?)
        } else {
            None
        };
        let plans = if pg {
            Some(plans_of(conn, &filter)?)
        } else {
            None
        };
        say(
            opts,
            format!(
                "{:<40} {total:>8} view p95 {:>7.1} ms{}  exact tabs p95 {:>7.1} ms  day chart p95 {:>7.1} ms  page p95 {:>7.1} ms  count p95 {:>7.1} ms  (SQL {:.1} + {:.1})",
                case.name, view.p95, if estimated { format!(" (≈, off by {:.1} %)", estimate_error * 100.0) } else { String::new() },
                exact_tabs.p95, day_chart.p95, page.p95, count.p95, sql_page.p95, sql_count.p95
            ),
        );
        r.filters.push(FilterResult {
            name: case.name.into(),
            query: case.query,
            total,
            view,
            exact_tabs,
            day_chart,
            estimated,
            estimate_error,
            page,
            count,
            sql_page,
            sql_count,
            sql_count_serving,
            plans,
        });
    }
    Ok(())
}

/// PostgreSQL's plans of the API's statements for the filter's first page and its exact
/// count, as its serving connections run them.
fn plans_of(conn: &mut DbConnection, filter: &ConversationFilter) -> anyhow::Result<FilterPlans> {
    use hindsight_server::db::conversations::{explain_count, explain_page};
    let page = hindsight_types::PageRequest {
        limit: Some(50),
        skip_total: true,
        ..Default::default()
    };
    let none = || "(no plan: not PostgreSQL)".to_owned();
    Ok(FilterPlans {
        page: explain_page(conn, filter, &page)?.unwrap_or_else(none),
        count: explain_count(conn, filter)?.unwrap_or_else(none),
    })
}

/// Times a deep page of the whole inbox, reached by following the cursor, and the
/// hand-written keyset query for it.
pub(super) fn deep_page(
    r: &mut BackendResult,
    conn: &mut DbConnection,
    client: &mut Client,
    runs: usize,
) -> anyhow::Result<()> {
    let pages = (r.filters[0].total as u64).div_ceil(50);
    r.deep_page_number = 2_000.min(pages.saturating_sub(1)).max(1);
    let mut cursor: Option<String> = None;
    for _ in 1..r.deep_page_number {
        let path = match &cursor {
            Some(c) => format!("/api/conversations?limit=50&total=false&cursor={c}"),
            None => "/api/conversations?limit=50&total=false".into(),
        };
        cursor = client.get_json(&path)?["next_cursor"]
            .as_str()
            .map(str::to_owned);
    }
    let deep_path = match &cursor {
        Some(c) => format!("/api/conversations?limit=50&total=false&cursor={c}"),
        None => "/api/conversations?limit=50&total=false".into(),
    };
    r.deep_page = time(runs, || client.get_json(&deep_path).map(drop))?;
    // The hand-written keyset query: after the last row of the previous page.
    let last_id: i64 = {
        let offset = ((r.deep_page_number - 1) * 50).saturating_sub(1);
        diesel::sql_query(format!(
            "SELECT c.id FROM conversations c WHERE c.deleted_at IS NULL ORDER BY {LATEST} LIMIT 1 OFFSET {}",
            offset
        ))
        .get_result::<OneId>(conn)?
        .id
    };
    let deep_q = page_sql(
        conn,
        "TRUE",
        LATEST,
        &format!(" AND (c.latest_event_at, c.id) < (SELECT latest_event_at, id FROM conversations WHERE id = {last_id})"),
    )?;
    r.sql_deep_page = time(runs, || Ok(conn.batch_execute(&deep_q)?))?;
    Ok(())
}

/// The requests of one inbox view, as the web app sends them
/// (`frontend/src/components/conversation_list.rs`, `PAGE_SIZE` in `frontend/src/api`): the
/// first page of 50 without its total,
/// and the tabs' counts (the filter without its review status) allowing an estimate.
pub(crate) fn view_paths(query: &str) -> Vec<String> {
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("review_status="))
        .collect();
    let sep = if query.is_empty() { "" } else { "&" };
    let rest_sep = if rest.is_empty() { "" } else { "&" };
    vec![
        format!("/api/conversations?{query}{sep}limit=50&total=false"),
        format!(
            "/api/conversations/tab-counts?{}{rest_sep}estimate=true",
            rest.join("&")
        ),
    ]
}

/// Sends the view's requests at once, one per client (the browser's parallel connections),
/// and waits for every answer.
pub(crate) fn view_once(
    clients: &mut [Client],
    paths: &[String],
) -> anyhow::Result<Vec<serde_json::Value>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter_mut()
            .zip(paths)
            .map(|(c, p)| s.spawn(move || c.get_json(p)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| anyhow!("a view request panicked"))?)
            .collect()
    })
}
