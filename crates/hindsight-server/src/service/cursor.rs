//! The opaque cursors of the smaller listings (trash, disagreements, mentions): a page's last
//! key as text, handed back for the next page. The inbox's own cursor is
//! [`crate::db::conversations::Cursor`].

use crate::error::{bad_request, AppError, AppResult};

/// The 400 for a cursor this server did not give out.
pub fn unknown_cursor() -> AppError {
    bad_request("cursor", "not a cursor this listing gave out")
}

/// A cursor of two integers (`A_B`).
pub fn pair(first: i64, second: i64) -> String {
    format!("{first}_{second}")
}

/// The two integers of a cursor made by [`pair`].
pub fn parse_pair(text: &str) -> AppResult<(i64, i64)> {
    text.split_once('_')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .ok_or_else(unknown_cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_round_trip_and_anything_else_is_refused() {
        assert_eq!(parse_pair(&pair(-5, 42)).unwrap(), (-5, 42));
        for bad in ["", "5", "5_", "_5", "a_1", "1_2_3"] {
            assert!(parse_pair(bad).is_err(), "{bad}");
        }
    }
}
