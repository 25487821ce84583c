//! Charts the app draws itself as SVG (no chart library: the bundle has a size budget):
//! conversations per day above the inbox list, where dragging over days sets the filter's
//! date range, and the intent-confidence histogram beside the confidence bounds.

use chrono::{DateTime, Duration, Utc};
use hindsight_types::{ConversationFilter, ConversationStats, DayCount};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::load::fetch;
use crate::state::{with_query, workspace};

/// Most bars the day chart draws: longer spans group consecutive days into one bar.
pub const MAX_BARS: usize = 90;
/// The charts' drawing size (the SVG scales to the width it is given).
const W: f64 = 360.0;
const H: f64 = 48.0;

/// One bar of the day chart: the days `from..=to` of the stats.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// First day (index into the days).
    pub from: usize,
    /// Last day, inclusive.
    pub to: usize,
    /// Conversations that started on these days.
    pub conversations: i64,
    /// Of them, reviewed.
    pub reviewed: i64,
    /// What the bar says as text (its `<title>`).
    pub label: String,
}

/// The days as at most [`MAX_BARS`] bars of equally many days each.
pub fn bars(days: &[DayCount]) -> Vec<Bar> {
    let per = days.len().div_ceil(MAX_BARS).max(1);
    days.chunks(per)
        .enumerate()
        .map(|(i, chunk)| {
            let conversations = chunk.iter().map(|d| d.conversations).sum();
            let reviewed = chunk.iter().map(|d| d.reviewed).sum();
            let first = &chunk[0].day;
            let last = &chunk[chunk.len() - 1].day;
            let when = if first == last {
                first.to_string()
            } else {
                format!("{first} to {last}")
            };
            Bar {
                from: i * per,
                to: i * per + chunk.len() - 1,
                conversations,
                reviewed,
                label: format!("{when}: {conversations} conversations, {reviewed} reviewed"),
            }
        })
        .collect()
}

/// The filter's date range for the days `from..=to`: from the first day's start to the
/// last instant of the last day (`until` is inclusive).
pub fn day_range(
    days: &[DayCount],
    from: usize,
    to: usize,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (a, b) = (from.min(to), from.max(to));
    Some((
        days.get(a)?.start,
        days.get(b)?.end - Duration::microseconds(1),
    ))
}

fn percent(part: i64, whole: i64) -> i64 {
    if whole > 0 {
        (part * 100 + whole / 2) / whole
    } else {
        0
    }
}

/// The SVG inside of the day chart: a title and description (its accessible name and text
/// alternative), and per bar a hit area, the conversations, the reviewed part and a
/// `<title>`. Built as text, not as a view per bar: the bundle has a size budget. Only
/// numbers and dates go in, never text from conversations.
pub fn day_svg(all: &[Bar], summary: &str) -> String {
    use std::fmt::Write;
    let top = all
        .iter()
        .map(|b| b.conversations)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let width = W / all.len().max(1) as f64;
    let mut out = format!(
        "<title id=\"day-chart-title\">Conversations per day</title><desc id=\"day-chart-desc\">{summary}</desc>"
    );
    for (i, b) in all.iter().enumerate() {
        let x = i as f64 * width;
        let h = (b.conversations as f64 / top * H).max(if b.conversations > 0 { 1.0 } else { 0.0 });
        let r = b.reviewed as f64 / top * H;
        let _ = write!(
            out,
            "<g class=\"bar\" data-bar=\"{i}\"><rect class=\"hit\" x=\"{x:.2}\" y=\"0\" width=\"{width:.2}\" height=\"{H}\"/>\
             <rect class=\"all\" x=\"{x:.2}\" y=\"{:.2}\" width=\"{width:.2}\" height=\"{h:.2}\"/>\
             <rect class=\"reviewed\" x=\"{x:.2}\" y=\"{:.2}\" width=\"{width:.2}\" height=\"{r:.2}\"/>\
             <title>{}</title></g>",
            H - h,
            H - r,
            b.label
        );
    }
    out
}

/// The SVG inside of the confidence histogram; bins inside `lo..=hi` are marked.
pub fn confidence_svg(s: &ConversationStats, lo: Option<f64>, hi: Option<f64>) -> String {
    use std::fmt::Write;
    let top = s.confidence.iter().copied().max().unwrap_or(1).max(1) as f64;
    let width = W / s.confidence.len().max(1) as f64;
    let text: Vec<String> = s
        .confidence
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{:.1}–{:.1}: {n}", i as f64 / 10.0, (i + 1) as f64 / 10.0))
        .collect();
    let mut out = format!(
        "<title id=\"confidence-chart-title\">Conversations by lowest intent confidence</title>\
         <desc id=\"confidence-chart-desc\">{}; {} without.</desc>",
        text.join(", "),
        s.no_confidence
    );
    for (i, &n) in s.confidence.iter().enumerate() {
        let (a, b) = (i as f64 / 10.0, (i + 1) as f64 / 10.0);
        let inside = lo.is_none_or(|l| b > l) && hi.is_none_or(|h| a <= h);
        let h = (n as f64 / top * H).max(if n > 0 { 1.0 } else { 0.0 });
        let _ = write!(
            out,
            "<g class=\"bar{}\" data-bin=\"{i}\"><rect class=\"all\" x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{h:.2}\"/>\
             <title>{a:.1} to {b:.1}: {n} conversations</title></g>",
            if inside { " inside" } else { "" },
            i as f64 * width + 1.0,
            H - h,
            width - 2.0,
        );
    }
    out
}

/// The bar (index) an event happened on, from its `data-bar`.
fn bar_of(ev: &leptos::ev::MouseEvent) -> Option<usize> {
    let el: web_sys::Element = wasm_bindgen::JsCast::dyn_into(ev.target()?).ok()?;
    el.closest("g.bar")
        .ok()??
        .get_attribute("data-bar")?
        .parse()
        .ok()
}

/// Marks the bars between `a` and `b` (a drag under way) by their class.
fn mark(svg: &web_sys::Element, range: Option<(usize, usize)>) {
    let Ok(list) = svg.query_selector_all("g.bar") else {
        return;
    };
    for i in 0..list.length() {
        if let Some(g) = list
            .item(i)
            .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
        {
            let on = range.is_some_and(|(a, b)| (a.min(b)..=a.max(b)).contains(&(i as usize)));
            let _ = g.set_attribute("class", if on { "bar picked" } else { "bar" });
        }
    }
}

/// Conversations per day of the list's filter, the reviewed share darker; dragging over
/// bars (or clicking one) filters by those days, through the URL like any filter change.
#[component]
pub fn DayChart() -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    let navigate = use_navigate();
    let filter = Memo::new(move |_| ConversationFilter::from_query(&location.search.get()).ok());
    let stats = fetch(move || {
        ws.counts_version.track();
        let q = filter.with(|f| f.as_ref().map(|f| f.to_query()));
        async move {
            match q {
                Some(q) => api::conversations::stats(&q).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let stats = Signal::derive(move || {
        stats
            .get()
            .and_then(Result::ok)
            .flatten()
            .filter(|s| !s.days.is_empty())
    });
    // The drag: the bar it started on and the bar under the pointer.
    let drag = StoredValue::new(None::<(usize, usize)>);
    let svg = NodeRef::<leptos::svg::Svg>::new();
    let set_range = move |range: Option<(DateTime<Utc>, DateTime<Utc>)>| {
        let mut f = filter.get_untracked().unwrap_or_default();
        f.start = range.map(|r| r.0);
        f.until = range.map(|r| r.1);
        navigate(
            &with_query(location.pathname.get_untracked(), &f.to_query()),
            Default::default(),
        );
    };
    let mark_now = move || {
        if let Some(el) = svg.get_untracked() {
            mark(&el, drag.get_value());
        }
    };
    let down = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        drag.set_value(bar_of(&ev).map(|i| (i, i)));
        mark_now();
    };
    let over = move |ev: leptos::ev::MouseEvent| {
        if let (Some((a, _)), Some(i)) = (drag.get_value(), bar_of(&ev)) {
            drag.set_value(Some((a, i)));
            mark_now();
        }
    };
    let cancel = move |_| {
        drag.set_value(None);
        mark_now();
    };
    let set = set_range.clone();
    let up = move |_| {
        let range = drag.get_value().and_then(|(a, b)| {
            stats.with_untracked(|s| {
                let s = s.as_ref()?;
                let bars = bars(&s.days);
                day_range(&s.days, bars.get(a.min(b))?.from, bars.get(a.max(b))?.to)
            })
        });
        drag.set_value(None);
        mark_now();
        if range.is_some() {
            set(range);
        }
    };
    let dated = move || {
        filter.with(|f| {
            f.as_ref()
                .is_some_and(|f| f.start.is_some() || f.until.is_some())
        })
    };
    // What the chart says, as its description and caption.
    let summary = move || {
        stats.with(|s| {
            s.as_ref().map(|s| {
                format!(
                    "{} conversations from {} to {}, {}% reviewed",
                    s.total,
                    s.days[0].day,
                    s.days[s.days.len() - 1].day,
                    percent(s.reviewed, s.total),
                )
            })
        })
    };
    let inner = move || {
        stats.with(|s| {
            s.as_ref().map(|s| {
                let desc = format!(
                    "{}; by the day they started ({}).",
                    summary().unwrap_or_default(),
                    s.timezone
                );
                day_svg(&bars(&s.days), &desc)
            })
        })
    };
    let several = move || stats.with(|s| s.as_ref().is_some_and(|s| s.days.len() > MAX_BARS));

    view! {
        <figure class="day-chart" id="day-chart" class:hidden=move || stats.with(Option::is_none)>
            <svg node_ref=svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img"
                aria-labelledby="day-chart-title day-chart-desc" inner_html=inner
                on:mousedown=down on:mouseover=over on:mouseup=up on:mouseleave=cancel></svg>
            <figcaption class="muted small">
                <span>{summary}{move || if several() { " (a bar is several days)" } else { "" }}". Drag over days to filter by them."</span>
                <Show when=dated>
                    {
                        let set_range = set_range.clone();
                        view! { <button type="button" class="btn btn-small" id="all-dates" on:click=move |_| set_range(None)>"All dates"</button> }
                    }
                </Show>
            </figcaption>
        </figure>
    }
}

/// The histogram of the lowest intent confidence for the applied filter without its
/// intent-confidence bounds; the bins inside the bounds being edited are marked.
#[component]
pub fn ConfidenceHistogram(
    /// The lower bound being edited.
    #[prop(into)]
    lo: Signal<Option<f64>>,
    /// The upper bound being edited.
    #[prop(into)]
    hi: Signal<Option<f64>>,
) -> impl IntoView {
    let location = use_location();
    let stats = fetch(move || {
        let q = ConversationFilter::from_query(&location.search.get())
            .ok()
            .map(|f| {
                ConversationFilter {
                    min_intent_confidence: None,
                    max_intent_confidence: None,
                    ..f
                }
                .to_query()
            });
        async move {
            match q {
                Some(q) => api::conversations::stats(&q).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let inner = move || {
        stats.with(|s| {
            s.as_ref()
                .and_then(|r| r.as_ref().ok())
                .and_then(Option::as_ref)
                .map(|s| confidence_svg(s, lo.get(), hi.get()))
        })
    };
    view! {
        <figure class="confidence-chart" id="confidence-chart" class:hidden=move || inner().is_none()>
            <svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img"
                aria-labelledby="confidence-chart-title confidence-chart-desc" inner_html=inner></svg>
            <figcaption class="muted small">"Lowest intent confidence, 0 to 1 (the filter without its intent bounds)"</figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn days(n: usize) -> Vec<DayCount> {
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        (0..n)
            .map(|i| {
                let day = first + Duration::days(i as i64);
                let start = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
                DayCount {
                    day,
                    start,
                    end: start + Duration::days(1),
                    conversations: i as i64,
                    reviewed: (i / 2) as i64,
                }
            })
            .collect()
    }

    #[test]
    fn a_bar_per_day_up_to_the_limit_then_groups() {
        let few = bars(&days(30));
        assert_eq!(few.len(), 30);
        assert_eq!((few[3].from, few[3].to, few[3].conversations), (3, 3, 3));
        assert!(few[3].label.starts_with("2026-01-04: 3 conversations"));
        let year = bars(&days(365));
        assert!(year.len() <= MAX_BARS, "{}", year.len());
        assert_eq!(year[0].to - year[0].from + 1, 5);
        assert_eq!(year.last().unwrap().to, 364);
        let total: i64 = year.iter().map(|b| b.conversations).sum();
        assert_eq!(total, (0..365).sum::<i64>());
    }

    #[test]
    fn a_range_covers_whole_days_either_way_dragged() {
        let d = days(5);
        let (start, until) = day_range(&d, 3, 1).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-01-02T00:00:00+00:00");
        assert_eq!(until.to_rfc3339(), "2026-01-04T23:59:59.999999+00:00");
        assert_eq!(day_range(&d, 1, 9), None);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(0, 0), 0);
    }

    #[test]
    fn the_svg_has_a_title_per_bar_and_marks_the_bins_inside_the_bounds() {
        let d = days(3);
        let svg = day_svg(&bars(&d), "3 conversations");
        assert_eq!(svg.matches("<g class=\"bar\"").count(), 3);
        assert!(svg.contains("<title>2026-01-03: 2 conversations, 1 reviewed</title>"));
        assert!(svg.contains("<desc id=\"day-chart-desc\">3 conversations</desc>"));
        let stats = ConversationStats {
            confidence: vec![1, 0, 0, 0, 0, 2, 0, 0, 0, 7],
            ..Default::default()
        };
        let svg = confidence_svg(&stats, Some(0.5), None);
        assert_eq!(svg.matches("class=\"bar inside\"").count(), 5);
        assert!(svg.contains("data-bin=\"5\""));
        assert!(svg.contains("0.9 to 1.0: 7 conversations"));
    }
}
