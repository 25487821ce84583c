//! Which events of a conversation one answer of `GET /api/conversations/{id}` holds: a
//! window of at most `limit` events in recorded order, anchored at the start, at a position,
//! around an event, or just after or before one (the cursors of the previous answer).

use crate::filter::{FilterError, API_TOKEN_PARAM};

/// Events in a window when the request names no `limit`.
pub const DEFAULT_WINDOW: u32 = 500;
/// Most events one window holds.
pub const MAX_WINDOW: u32 = 2_000;

/// Where a window starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WindowAnchor {
    /// From the first event.
    #[default]
    Start,
    /// From the event at this position (its `seq`, from 0).
    Offset(i64),
    /// Centred on this event (by id): it is in the window.
    Around(i64),
    /// The events right after this one (by id), not including it.
    After(i64),
    /// The events right before this one (by id), not including it.
    Before(i64),
}

/// The `around`/`after`/`before`/`offset` and `limit` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventWindow {
    /// Where the window is.
    pub anchor: WindowAnchor,
    /// How many events at most.
    pub limit: u32,
}

impl Default for EventWindow {
    fn default() -> Self {
        EventWindow {
            anchor: WindowAnchor::Start,
            limit: DEFAULT_WINDOW,
        }
    }
}

fn bad(field: &str, message: impl Into<String>) -> FilterError {
    FilterError {
        field: field.to_owned(),
        message: message.into(),
    }
}

impl EventWindow {
    /// Reads the query string of `GET /api/conversations/{id}`. At most one of `around`,
    /// `after`, `before` and `offset`; each parameter at most once; `api_token` is allowed
    /// (the link form of authentication); anything else is an error naming it.
    pub fn from_query(query: &str) -> Result<EventWindow, FilterError> {
        let mut window = EventWindow::default();
        let mut anchor_param: Option<String> = None;
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if key == API_TOKEN_PARAM {
                continue;
            }
            if seen.iter().any(|k| *k == key) {
                return Err(bad(&key, format!("`{key}` is given more than once")));
            }
            seen.push(key.to_string());
            let number = |min: i64| {
                value
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= min)
                    .ok_or_else(|| {
                        bad(
                            &key,
                            format!(
                                "`{key}` must be a whole number of at least {min}, not `{value}`"
                            ),
                        )
                    })
            };
            let anchor = match &*key {
                "limit" => {
                    let n = number(1)?;
                    if n > i64::from(MAX_WINDOW) {
                        return Err(bad("limit", format!("`limit` may be at most {MAX_WINDOW}")));
                    }
                    window.limit = n as u32;
                    continue;
                }
                "offset" => WindowAnchor::Offset(number(0)?),
                "around" => WindowAnchor::Around(number(1)?),
                "after" => WindowAnchor::After(number(1)?),
                "before" => WindowAnchor::Before(number(1)?),
                other => {
                    return Err(bad(
                        other,
                        format!(
                            "unknown parameter `{other}` (expected around, after, before, offset or limit)"
                        ),
                    ))
                }
            };
            if let Some(first) = &anchor_param {
                return Err(bad(
                    &key,
                    format!("send one of around, after, before and offset, not both `{first}` and `{key}`"),
                ));
            }
            anchor_param = Some(key.to_string());
            window.anchor = anchor;
        }
        Ok(window)
    }

    /// The query string that [`EventWindow::from_query`] reads back as `self`.
    pub fn to_query(&self) -> String {
        let anchor = match self.anchor {
            WindowAnchor::Start => String::new(),
            WindowAnchor::Offset(n) => format!("offset={n}&"),
            WindowAnchor::Around(id) => format!("around={id}&"),
            WindowAnchor::After(id) => format!("after={id}&"),
            WindowAnchor::Before(id) => format!("before={id}&"),
        };
        format!("{anchor}limit={}", self.limit)
    }

    /// The positions `[from, to)` of the window in a conversation of `total` events, given
    /// the position `at` of the anchoring event (`None` for `Start` and `Offset`).
    pub fn range(&self, at: Option<i64>, total: i64) -> (i64, i64) {
        let limit = i64::from(self.limit);
        let from = match (self.anchor, at) {
            (WindowAnchor::Offset(n), _) => n.min(total),
            (WindowAnchor::Around(_), Some(at)) => (at - limit / 2).min(total - limit).max(0),
            (WindowAnchor::After(_), Some(at)) => at + 1,
            (WindowAnchor::Before(_), Some(at)) => (at - limit).max(0),
            _ => 0,
        };
        let to = match (self.anchor, at) {
            (WindowAnchor::Before(_), Some(at)) => at,
            _ => (from + limit).min(total),
        };
        (from, to.max(from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_round_trip() {
        for w in [
            EventWindow::default(),
            EventWindow {
                anchor: WindowAnchor::Offset(40),
                limit: 7,
            },
            EventWindow {
                anchor: WindowAnchor::Around(12),
                limit: 100,
            },
            EventWindow {
                anchor: WindowAnchor::After(3),
                limit: 1,
            },
            EventWindow {
                anchor: WindowAnchor::Before(99),
                limit: MAX_WINDOW,
            },
        ] {
            assert_eq!(EventWindow::from_query(&w.to_query()), Ok(w));
        }
        assert_eq!(EventWindow::from_query(""), Ok(EventWindow::default()));
        assert_eq!(
            EventWindow::from_query("api_token=x&limit=3")
                .unwrap()
                .limit,
            3
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        for (q, field) in [
            ("limit=0", "limit"),
            ("limit=2001", "limit"),
            ("limit=abc", "limit"),
            ("around=-1", "around"),
            ("after=x", "after"),
            ("offset=-5", "offset"),
            ("around=1&after=2", "after"),
            ("limit=1&limit=2", "limit"),
            ("page=2", "page"),
        ] {
            assert_eq!(EventWindow::from_query(q).unwrap_err().field, field, "{q}");
        }
    }

    #[test]
    fn ranges_stay_inside_the_conversation() {
        let w = |anchor| EventWindow { anchor, limit: 10 };
        assert_eq!(w(WindowAnchor::Start).range(None, 25), (0, 10));
        assert_eq!(w(WindowAnchor::Start).range(None, 4), (0, 4));
        assert_eq!(w(WindowAnchor::Offset(20)).range(None, 25), (20, 25));
        assert_eq!(w(WindowAnchor::Offset(30)).range(None, 25), (25, 25));
        assert_eq!(w(WindowAnchor::Around(0)).range(Some(12), 25), (7, 17));
        assert_eq!(w(WindowAnchor::Around(0)).range(Some(1), 25), (0, 10));
        assert_eq!(w(WindowAnchor::Around(0)).range(Some(24), 25), (15, 25));
        assert_eq!(w(WindowAnchor::Around(0)).range(Some(2), 4), (0, 4));
        assert_eq!(w(WindowAnchor::After(0)).range(Some(20), 25), (21, 25));
        assert_eq!(w(WindowAnchor::After(0)).range(Some(24), 25), (25, 25));
        assert_eq!(w(WindowAnchor::Before(0)).range(Some(5), 25), (0, 5));
        assert_eq!(w(WindowAnchor::Before(0)).range(Some(15), 25), (5, 15));
        assert_eq!(w(WindowAnchor::Before(0)).range(Some(0), 25), (0, 0));
    }
}
