//! Comments on a conversation or one of its messages, and their `@username` mentions.

use std::ops::Range;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest comment body, in characters (after trimming).
pub const MAX_COMMENT_CHARS: usize = 10_000;

/// Largest page of `GET /api/comments/mentions`.
pub const MENTIONS_PAGE_MAX: i64 = 200;

/// A comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Id, increasing with creation.
    pub id: i64,
    /// The conversation (Rasa's sender id).
    pub conversation_id: String,
    /// The event commented on; absent for a comment on the whole conversation.
    #[serde(default)]
    pub event_id: Option<i64>,
    /// Username (or `token:NAME`) of who wrote it: the only one who may edit it.
    pub author: String,
    /// The text, trimmed.
    pub body: String,
    /// The users its `@username` mentions named when it was last written, in order of
    /// first mention.
    pub mentions: Vec<String>,
    /// When written.
    pub created_at: DateTime<Utc>,
    /// When last edited, if ever.
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
}

/// `POST /api/conversations/{id}/comments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewComment {
    /// 1 to [`MAX_COMMENT_CHARS`] characters after trimming.
    pub body: String,
    /// An event of the conversation to comment on; absent: the whole conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<i64>,
}

/// `PATCH /api/comments/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentUpdate {
    /// The new text, 1 to [`MAX_COMMENT_CHARS`] characters after trimming.
    pub body: String,
}

/// A page of `GET /api/comments/mentions`: comments mentioning the caller, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentPage {
    /// The comments.
    pub comments: Vec<Comment>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// The `@name` tokens of a text that may mention a user: `@` at the start or after a
/// character that cannot be part of a name (so `ann@example.com` mentions nobody), then
/// letters, digits, `_`, `.` or `-`, without a trailing `.` or `-` (the end of a sentence).
/// Each comes with the byte range of the whole token, `@` included. Whether the name is a
/// user's is the server's to say, when the comment is written.
pub fn mention_tokens(text: &str) -> Vec<(Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((at, c)) = iter.next() {
        let starts = c == '@' && !prev.is_some_and(|p| name_char(p) || p == '@');
        prev = Some(c);
        if !starts {
            continue;
        }
        let from = at + 1;
        let mut to = from;
        while let Some(&(i, n)) = iter.peek() {
            if !name_char(n) {
                break;
            }
            to = i + n.len_utf8();
            prev = Some(n);
            iter.next();
        }
        let name = text[from..to].trim_end_matches(['.', '-']);
        if !name.is_empty() {
            out.push((at..from + name.len(), name));
        }
    }
    out
}

/// A comment's text cut into plain pieces and mentions (`true`) of the users in `mentions`;
/// an `@name` of no such user stays plain text.
pub fn mention_pieces<'a>(text: &'a str, mentions: &[String]) -> Vec<(&'a str, bool)> {
    let mut out = Vec::new();
    let mut done = 0;
    for (range, name) in mention_tokens(text) {
        if !mentions.iter().any(|m| m == name) {
            continue;
        }
        if range.start > done {
            out.push((&text[done..range.start], false));
        }
        out.push((&text[range.clone()], true));
        done = range.end;
    }
    if done < text.len() {
        out.push((&text[done..], false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        mention_tokens(text).into_iter().map(|(_, n)| n).collect()
    }

    #[test]
    fn finds_mentions_and_not_addresses() {
        assert_eq!(names("@ann please look, cc @bob."), ["ann", "bob"]);
        assert_eq!(names("write to ann@example.com"), Vec::<&str>::new());
        assert_eq!(names("(@jo.lee-2) @@x @ alone @"), ["jo.lee-2"]);
        assert_eq!(names("@zoë, @ann_b!"), ["zoë", "ann_b"]);
        assert_eq!(names("@ann... and @-"), ["ann"]);
        let (range, _) = mention_tokens("hi @ann.").remove(0);
        assert_eq!(range, 3..7);
    }

    #[test]
    fn cuts_known_mentions_only() {
        let known = vec!["ann".to_owned()];
        assert_eq!(
            mention_pieces("@ann and @nobody: see @ann.", &known),
            [
                ("@ann", true),
                (" and @nobody: see ", false),
                ("@ann", true),
                (".", false)
            ]
        );
        assert_eq!(mention_pieces("plain", &known), [("plain", false)]);
        assert!(mention_pieces("", &known).is_empty());
    }
}
