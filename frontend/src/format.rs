//! Formatting for people: confidences, times, counts.

use chrono::{DateTime, Utc};

/// How worrying a confidence is, against the reviewer's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// At or above the threshold.
    Fine,
    /// Below the threshold (amber).
    Low,
    /// Below half the threshold (red).
    VeryLow,
}

impl Level {
    /// Classifies a confidence.
    pub fn of(confidence: f64, threshold: f64) -> Level {
        if confidence < threshold / 2.0 {
            Level::VeryLow
        } else if confidence < threshold {
            Level::Low
        } else {
            Level::Fine
        }
    }

    /// CSS class of the badge.
    pub fn class(self) -> &'static str {
        match self {
            Level::Fine => "conf conf-ok",
            Level::Low => "conf conf-low",
            Level::VeryLow => "conf conf-very-low",
        }
    }
}

/// `0.934` → `0.93`.
pub fn confidence(c: f64) -> String {
    format!("{c:.2}")
}

/// A short age: `just now`, `5 min ago`, `3 h ago`, `2 d ago`, or the date.
pub fn ago(at: DateTime<Utc>, now_ms: f64) -> String {
    let secs = ((now_ms - at.timestamp_millis() as f64) / 1000.0) as i64;
    match secs {
        i64::MIN..-60 => local_time(at.timestamp_millis() as f64)[..10].to_owned(),
        -60..0 => "just now".to_owned(),
        0..60 => "just now".to_owned(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        86_400..2_592_000 => format!("{} d ago", secs / 86_400),
        _ => local_time(at.timestamp_millis() as f64)[..10].to_owned(),
    }
}

/// Now, in milliseconds since the epoch.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Utc::now().timestamp_millis() as f64
    }
}

/// Date and time in the browser's time zone, `2024-05-01 14:03`.
pub fn local_time(ms: f64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes()
        )
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        DateTime::<Utc>::from_timestamp_millis(ms as i64)
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }
}

/// [`local_time`] of a chrono time.
pub fn local(at: DateTime<Utc>) -> String {
    local_time(at.timestamp_millis() as f64)
}

/// A JSON value as a short text: strings bare, the rest as JSON.
pub fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The host of an `http(s)://` address (without user info or port), for naming where a bot's
/// image would be fetched from; None for anything else.
pub fn web_host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = match host_port.strip_prefix('[') {
        // An IPv6 literal keeps its brackets.
        Some(v6) => &host_port[..v6.find(']')? + 2],
        None => host_port.split(':').next()?,
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_host_of_a_web_address() {
        assert_eq!(
            web_host("https://cdn.example.com/a.png"),
            Some("cdn.example.com")
        );
        assert_eq!(
            web_host("http://user:pw@img.example:8080/x?y#z"),
            Some("img.example")
        );
        assert_eq!(web_host("https://[::1]:8443/i.png"), Some("[::1]"));
        assert_eq!(web_host("https://example.org"), Some("example.org"));
        assert_eq!(web_host("javascript:alert(1)"), None);
        assert_eq!(web_host("https:///nohost"), None);
    }

    #[test]
    fn classifies_confidence_against_the_threshold() {
        assert_eq!(Level::of(0.9, 0.6), Level::Fine);
        assert_eq!(Level::of(0.6, 0.6), Level::Fine);
        assert_eq!(Level::of(0.5, 0.6), Level::Low);
        assert_eq!(Level::of(0.2, 0.6), Level::VeryLow);
        assert_eq!(confidence(0.936), "0.94");
    }

    #[test]
    fn says_how_long_ago() {
        let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let ms = |s: i64| (1_700_000_000 + s) as f64 * 1000.0;
        assert_eq!(ago(at, ms(5)), "just now");
        assert_eq!(ago(at, ms(300)), "5 min ago");
        assert_eq!(ago(at, ms(7200)), "2 h ago");
        assert_eq!(ago(at, ms(3 * 86_400)), "3 d ago");
        assert_eq!(ago(at, ms(90 * 86_400)), "2023-11-14");
        assert_eq!(ago(at, ms(-30)), "just now", "clocks a little ahead");
        assert_eq!(
            ago(at, ms(-86_400 * 2)),
            "2023-11-14",
            "in the future: the date"
        );
    }
}
