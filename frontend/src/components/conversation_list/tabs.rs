//! The inbox's review-status tabs, each with its count: one request for the four (the filter
//! without its review status), an estimate first when counting exactly would keep the list
//! waiting, then the exact numbers.

use hindsight_types::{ConversationFilter, FilterError, ReviewStatus, TabCounts};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::COUNTS_EVERY;
use crate::api;
use crate::live::refresh_on_changes;
use crate::state::{with_query, workspace};

/// The tabs: a review status, or all of them.
const TABS: [(Option<ReviewStatus>, &str); 4] = [
    (Some(ReviewStatus::Unread), "Unread"),
    (Some(ReviewStatus::SavedForLater), "Saved"),
    (Some(ReviewStatus::Reviewed), "Reviewed"),
    (None, "All"),
];

/// A tab's count as shown: exact, or an estimate from a sample (`≈`, two significant digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The number.
    pub n: i64,
    /// Counted exactly, not estimated.
    pub exact: bool,
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.exact {
            return write!(f, "{}", self.n);
        }
        // Two significant digits: the sample does not support more.
        let n = self.n;
        let digits = n.max(1).ilog10();
        let unit = 10i64.pow(digits.saturating_sub(1));
        let rounded = (n + unit / 2) / unit * unit;
        match rounded {
            r if r >= 1_000_000 => write!(f, "≈{:.1}M", r as f64 / 1e6),
            r if r >= 10_000 => write!(f, "≈{}k", r / 1000),
            r if r >= 1_000 => write!(f, "≈{:.1}k", r as f64 / 1e3),
            r => write!(f, "≈{r}"),
        }
    }
}

/// `filter` with the review status `status` (`None`: all of them).
pub(super) fn with_status(
    filter: &ConversationFilter,
    status: Option<ReviewStatus>,
) -> ConversationFilter {
    ConversationFilter {
        review_status: status.into_iter().collect(),
        ..filter.clone()
    }
}

/// The tabs. The open tab's count is also the list's `total` (the footer's), so the two
/// agree after rows leave the tab (marked reviewed, deleted).
#[component]
pub(super) fn StatusTabs(
    filter: Memo<Result<ConversationFilter, FilterError>>,
    total: RwSignal<Option<Count>>,
) -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    // Per tab: not known yet, the count, or not available (`Err`).
    let counts = RwSignal::new([None::<Result<Count, ()>>; 4]);
    let counts_generation = StoredValue::new(0u32);
    // Conversations imported meanwhile change the counts: fetched again, not per event.
    refresh_on_changes(COUNTS_EVERY, move || ws.counts_version.update(|v| *v += 1));

    // Tab counts: one request for the four tabs (the filter without its review status). An
    // estimate first when counting exactly would keep the list waiting, then the exact
    // numbers. The open tab's count is also the footer's total, so the two agree after rows
    // leave the tab (marked reviewed, deleted).
    Effect::new(move |_| {
        ws.counts_version.track();
        api::retries().track();
        counts_generation.update_value(|g| *g += 1);
        let mine = counts_generation.get_value();
        let Ok(f) = filter.get() else {
            counts.set([Some(Err(())); 4]);
            return;
        };
        let q = with_status(&f, None).to_query();
        // The list's total: the open tab, or the statuses of a typed address summed.
        let statuses = f.review_status.clone();
        let show = move |answer: Result<TabCounts, ()>| {
            if counts_generation.try_get_value() != Some(mine) {
                return;
            }
            let per_tab = TABS.map(|(status, _)| {
                Some(answer.map(|c| Count {
                    n: c.of(status),
                    exact: c.exact,
                }))
            });
            if let Ok(c) = answer {
                let n = if statuses.is_empty() {
                    c.all
                } else {
                    statuses.iter().map(|s| c.of(Some(*s))).sum()
                };
                total.try_set(Some(Count { n, exact: c.exact }));
            }
            counts.try_set(per_tab);
        };
        leptos::task::spawn_local(async move {
            let first = api::conversations::tab_counts(&q, true).await.map_err(drop);
            let exact = first.as_ref().map(|c| c.exact).unwrap_or(true);
            show(first);
            // An exact count that fails (over the server's time budget: a common word at a
            // million conversations on PostgreSQL) leaves the estimate on screen, marked `≈`.
            if !exact {
                if let Ok(counted) = api::conversations::tab_counts(&q, false).await {
                    show(Ok(counted));
                }
            }
        });
    });

    let tab = move |(i, (status, label)): (usize, (Option<ReviewStatus>, &'static str))| {
        let active = move || {
            filter.with(|f| {
                f.as_ref()
                    .map(|f| f.review_status == status.into_iter().collect::<Vec<_>>())
                    .unwrap_or(false)
            })
        };
        let href = move || {
            let f = filter.get().unwrap_or_default();
            let path = location.pathname.get();
            with_query(path, &with_status(&f, status).to_query())
        };
        view! {
            <a class="tab" class:active=active href=href data-status=status.map(|s| s.as_str()).unwrap_or("all")>
                {label}" "{move || match counts.get()[i] {
                    None => view! { <span class="count" title="Counting…">"…"</span> }.into_any(),
                    Some(Ok(c)) if c.exact => view! { <span class="count">{c.n}</span> }.into_any(),
                    Some(Ok(c)) => view! {
                        <span class="count count-estimate" title="Estimated from a sample; counting exactly…">{c.to_string()}</span>
                    }.into_any(),
                    Some(Err(())) => view! {
                        <span class="count count-error" title="Could not be counted" aria-label="count unavailable">"!"</span>
                    }.into_any(),
                }}
            </a>
        }
    };

    view! {
        <nav class="tabs" aria-label="Review status">{TABS.into_iter().enumerate().map(tab).collect_view()}</nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimate_shows_two_significant_digits_and_an_exact_count_every_digit() {
        let shown = |n, exact| Count { n, exact }.to_string();
        assert_eq!(shown(123_456, true), "123456");
        assert_eq!(shown(0, false), "≈0");
        assert_eq!(shown(87, false), "≈87");
        assert_eq!(shown(1_249, false), "≈1.2k");
        assert_eq!(shown(9_960, false), "≈10k");
        assert_eq!(shown(123_456, false), "≈120k");
        assert_eq!(shown(1_250_000, false), "≈1.3M");
    }
}
