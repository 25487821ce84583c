//! `/paths?<filter>`: the path explorer (issue 14). The steps of the conversations the inbox
//! filter matches as a layered graph (level i: each conversation's i-th step), edges as wide
//! as the conversations taking them, fallbacks red, steps where users are often
//! misunderstood amber, and where conversations end. A node or an edge opens the inbox on
//! exactly its conversations (its `seq=` pattern, the other filters kept).

use hindsight_types::filter::FilterError;
use hindsight_types::{ConversationFilter, PathGraph, PathNode};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::common::{load_error, ErrorBox, Spinner};
use crate::load::fetch;
use crate::state::{with_query, workspace};

/// Width of a level's column, and of a node's bar.
const COLUMN: f64 = 200.0;
const BAR: f64 = 14.0;
/// Height of the drawing, and the gap between two nodes of a level.
const HEIGHT: f64 = 460.0;
const GAP: f64 = 10.0;
/// Share of a node's user messages below the bound that colours it amber.
const UNSURE_SHARE: f64 = 0.3;

/// The page's own parameters beside the filter.
#[derive(Clone, Copy, PartialEq)]
struct Shape {
    depth: u32,
    branches: u32,
}

fn read_query(search: &str) -> Result<(ConversationFilter, Shape), FilterError> {
    let mut shape = Shape {
        depth: 8,
        branches: 6,
    };
    let filter = ConversationFilter::from_query_with(search, |k, v| {
        match k {
            "depth" => shape.depth = v.parse().unwrap_or(8).clamp(1, 20),
            "branches" => shape.branches = v.parse().unwrap_or(6).clamp(1, 20),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok((filter, shape))
}

/// Where each node sits: (x, top, height) per level and node.
fn layout(graph: &PathGraph) -> Vec<Vec<(f64, f64, f64)>> {
    let total = graph.conversations.max(1) as f64;
    graph
        .levels
        .iter()
        .enumerate()
        .map(|(level, nodes)| {
            let room = HEIGHT - GAP * (nodes.len().saturating_sub(1)) as f64;
            let mut top = 0.0;
            nodes
                .iter()
                .map(|n| {
                    let h = (n.conversations as f64 / total * room).max(2.0);
                    let at = (level as f64 * COLUMN, top, h);
                    top += h + GAP;
                    at
                })
                .collect()
        })
        .collect()
}

fn node_class(n: &PathNode) -> &'static str {
    if n.other {
        "path-node other"
    } else if n.fallback {
        "path-node fallback"
    } else if n.low_confidence as f64 > UNSURE_SHARE * n.conversations as f64 {
        "path-node unsure"
    } else {
        "path-node"
    }
}

/// A step's name short enough for its column (the whole name is in its tooltip).
fn shortened(label: &str) -> String {
    const MOST: usize = 26;
    if label.chars().count() <= MOST {
        label.to_owned()
    } else {
        let head: String = label.chars().take(MOST - 1).collect();
        format!("{head}…")
    }
}

fn percent(part: i64, whole: i64) -> String {
    format!("{:.0} %", part as f64 * 100.0 / whole.max(1) as f64)
}

/// The page.
#[component]
pub fn PathsPage() -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    let navigate = use_navigate();
    let request = Memo::new(move |_| read_query(&location.search.get()));
    let graph = fetch(move || {
        let threshold = ws.threshold.get();
        let query = request.with(|r| {
            r.as_ref().ok().map(|(f, s)| {
                let mut q = f.to_query();
                if !q.is_empty() {
                    q.push('&');
                }
                q.push_str(&format!(
                    "depth={}&branches={}&low_confidence={threshold}",
                    s.depth, s.branches
                ));
                q
            })
        });
        async move {
            match query {
                Some(q) => api::conversations::paths(&q).await.map(Some),
                None => Ok(None),
            }
        }
    });
    // Opens the inbox on a node's or an edge's conversations, the other filters kept.
    let open = Callback::new(move |seq: String| {
        let mut filter =
            request.with_untracked(|r| r.as_ref().map(|(f, _)| f.clone()).unwrap_or_default());
        filter.sequence = seq.parse().ok();
        navigate(
            &with_query("/".to_owned(), &filter.to_query()),
            Default::default(),
        );
    });
    let renavigate = use_navigate();
    let set_shape = Callback::new(move |(key, value): (&'static str, String)| {
        let Ok((filter, mut shape)) = request.get_untracked() else {
            return;
        };
        let n = value.parse().unwrap_or(8);
        match key {
            "depth" => shape.depth = n,
            _ => shape.branches = n,
        }
        let mut q = filter.to_query();
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(&format!(
            "depth={}&branches={}",
            shape.depth, shape.branches
        ));
        renavigate(&with_query("/paths".to_owned(), &q), Default::default());
    });
    let shape = move || {
        request.with(|r| {
            r.as_ref().map(|(_, s)| *s).unwrap_or(Shape {
                depth: 8,
                branches: 6,
            })
        })
    };
    let inbox_href = move || {
        let q = request.with(|r| r.as_ref().map(|(f, _)| f.to_query()).unwrap_or_default());
        with_query("/".to_owned(), &q)
    };

    view! {
        <div class="training-page paths-page">
            <section class="card">
                <h1>"Paths"</h1>
                <p class="muted">"Each column is the conversations' next step: what users said (intent), what the assistant ran, the slots it set. Red: a fallback. Amber: many users there below the low-confidence bound. Click a step or a band to read those conversations."</p>
                <div class="paths-controls">
                    <a class="btn" id="paths-inbox" href=inbox_href>"← Inbox with this filter"</a>
                    <label class="field inline">"Steps"
                        <select name="depth" on:change=move |ev| set_shape.run(("depth", event_target_value(&ev)))>
                            {[4u32, 6, 8, 10, 12, 16].into_iter().map(|d| view! { <option value=d.to_string() selected=move || shape().depth == d>{d}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="field inline">"Branches per step"
                        <select name="branches" on:change=move |ev| set_shape.run(("branches", event_target_value(&ev)))>
                            {[3u32, 4, 6, 8, 10].into_iter().map(|b| view! { <option value=b.to_string() selected=move || shape().branches == b>{b}</option> }).collect_view()}
                        </select>
                    </label>
                </div>
                {move || request.with(|r| r.as_ref().err().map(|e| view! { <ErrorBox message=e.message.clone()/> }))}
                {move || match graph.get() {
                    None => view! { <Spinner label="Drawing the paths…"/> }.into_any(),
                    Some(Err(e)) => load_error(&e),
                    Some(Ok(None)) => ().into_any(),
                    Some(Ok(Some(g))) => view! { <PathDrawing graph=g open=open/> }.into_any(),
                }}
            </section>
        </div>
    }
}

/// The SVG of a graph.
#[component]
fn PathDrawing(graph: PathGraph, open: Callback<String>) -> impl IntoView {
    let at = layout(&graph);
    let total = graph.conversations;
    let width = graph.levels.len() as f64 * COLUMN;
    let summary = if graph.sampled {
        format!("The newest {total} conversations the filter matches (it matches more).")
    } else {
        format!("All {total} conversations the filter matches.")
    };
    // Where each node's outgoing and incoming bands have reached, top to bottom.
    let mut out_offset: Vec<Vec<f64>> =
        at.iter().map(|l| l.iter().map(|n| n.1).collect()).collect();
    let mut in_offset = out_offset.clone();
    let scale =
        |n: i64, node_conversations: i64, h: f64| h * n as f64 / node_conversations.max(1) as f64;
    let bands = graph
        .edges
        .iter()
        .map(|e| {
            let (l, f, t) = (e.level as usize, e.from as usize, e.to as usize);
            let from = &graph.levels[l][f];
            let (x0, _, h0) = at[l][f];
            let (x1, _, _) = at[l + 1][t];
            let w = scale(e.conversations, from.conversations, h0);
            let y0 = out_offset[l][f] + w / 2.0;
            out_offset[l][f] += w;
            let to = &graph.levels[l + 1][t];
            let w1 = scale(e.conversations, to.conversations, at[l + 1][t].2);
            let y1 = in_offset[l + 1][t] + w1 / 2.0;
            in_offset[l + 1][t] += w1;
            let (sx, ex) = (x0 + BAR, x1);
            let mid = (sx + ex) / 2.0;
            let d = format!("M{sx:.1},{y0:.1} C{mid:.1},{y0:.1} {mid:.1},{y1:.1} {ex:.1},{y1:.1}");
            let title = format!("{} → {}: {} ({})", shown_step(&from.step), shown_step(&to.step), e.conversations, percent(e.conversations, total));
            let seq = e.seq.clone();
            let clickable = seq.is_some();
            view! {
                <path class="path-band" class:clickable=clickable d=d stroke-width=format!("{:.1}", w.min(w1).max(1.0))
                    on:click=move |_| if let Some(s) = seq.clone() { open.run(s) }>
                    <title>{title}</title>
                </path>
            }
        })
        .collect_view();
    let nodes = graph
        .levels
        .iter()
        .enumerate()
        .flat_map(|(l, level)| level.iter().enumerate().map(move |(i, n)| (l, i, n.clone())))
        .map(|(l, i, n)| {
            let (x, y, h) = at[l][i];
            let label = shown_step(&n.step);
            let detail = format!(
                "{} · {} · ends {}",
                n.conversations,
                percent(n.conversations, total),
                percent(n.ended, n.conversations)
            );
            let title = format!(
                "{label}: {} conversations ({}), {} end here, {} below the low-confidence bound here{}",
                n.conversations,
                percent(n.conversations, total),
                n.ended,
                n.low_confidence,
                if n.fallback { ", a fallback" } else { "" }
            );
            let seq = n.seq.clone();
            let clickable = seq.is_some();
            let seq_key = seq.clone();
            let (step_attr, aria) = (n.step.clone(), title.clone());
            view! {
                <g class=node_class(&n) class:clickable=clickable data-step=step_attr data-level=l.to_string()
                    tabindex=if clickable { "0" } else { "-1" } role=if clickable { "link" } else { "group" } aria-label=aria
                    on:click=move |_| if let Some(s) = seq.clone() { open.run(s) }
                    on:keydown=move |ev| if ev.key() == "Enter" { if let Some(s) = seq_key.clone() { open.run(s) } }>
                    <title>{title}</title>
                    <rect x=format!("{x:.1}") y=format!("{y:.1}") width=BAR.to_string() height=format!("{h:.1}") rx="2"/>
                    <text x=format!("{:.1}", x + BAR + 4.0) y=format!("{:.1}", y + h.min(40.0) / 2.0 + 4.0) class="path-label">{shortened(&label)}</text>
                    <text x=format!("{:.1}", x + BAR + 4.0) y=format!("{:.1}", y + h.min(40.0) / 2.0 + 17.0) class="path-detail">{detail}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <p class="muted small" id="paths-summary">{summary}{(graph.without_steps > 0).then(|| format!(" {} have no step.", graph.without_steps))}</p>
        <div class="paths-scroll">
            <svg class="paths" id="paths-graph" viewBox=format!("-4 -4 {:.0} {:.0}", width + 8.0, HEIGHT + 30.0)
                width=format!("{:.0}", width + 8.0) height=format!("{:.0}", HEIGHT + 30.0) role="img"
                aria-label="Paths of the conversations, step by step">
                <g class="bands">{bands}</g>
                <g class="nodes">{nodes}</g>
            </svg>
        </div>
    }
}

/// A step as the graph shows it: its pattern step, in words where the pattern reads oddly
/// (`intent:""`, a message without an intent; `action:""`, a bot message no action sent).
fn shown_step(step: &str) -> String {
    match step {
        r#"intent:"""# => "intent: none".to_owned(),
        r#"action:"""# => "bot message, no action".to_owned(),
        step => step.to_owned(),
    }
}
