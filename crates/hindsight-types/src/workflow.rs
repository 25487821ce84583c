//! Bodies of the reviewer-workflow and access-control routes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ReviewStatus;

/// What a user or token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read only.
    Viewer,
    /// Read, triage, tag, flag, saved filters.
    Reviewer,
    /// Everything, including users, tokens and deletion.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Reviewer, Role::Admin];

    /// The spelling in JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or(())
    }
}

/// `POST /api/auth`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Answer to a successful login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// Who logged in.
    pub user: UserInfo,
}

/// Who is calling (`GET /api/me`) or a listed user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// Username, or the token's name for API tokens.
    pub username: String,
    /// Role.
    pub role: Role,
    /// When the user was created (absent for API tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
}

/// `POST /api/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    /// 1–100 characters.
    pub username: String,
    /// At least 8 characters.
    pub password: String,
    /// Role.
    pub role: Role,
}

/// `PATCH /api/users/{username}`: change role and/or password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdate {
    /// New role.
    #[serde(default)]
    pub role: Option<Role>,
    /// New password.
    #[serde(default)]
    pub password: Option<String>,
}

/// An API token as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenInfo {
    /// Id.
    pub id: i64,
    /// Name given at creation.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last use, to the minute (recorded at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When revoked; revoked tokens no longer work.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// `POST /api/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    /// 1–100 characters.
    pub name: String,
    /// Role the token acts with.
    pub role: Role,
}

/// The created token: `token` is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    /// The secret to send as a bearer token or `?api_token=`.
    pub token: String,
    /// Its listing.
    pub info: ApiTokenInfo,
}

/// `PUT /api/conversations/{id}/reviewStatus` (Rasa X's shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewStatusUpdate {
    /// The new status.
    pub review_status: ReviewStatus,
    /// The id of the newest event the reviewer saw. Events after it keep the conversation
    /// "new since reviewed"; without it every event counts as seen (Rasa X's behaviour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_event_id: Option<i64>,
}

/// `POST /api/tags` and `PATCH /api/tags/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagUpdate {
    /// Name (1–100 characters, unique).
    #[serde(default)]
    pub value: Option<String>,
    /// Six hex digits without `#`.
    #[serde(default)]
    pub color: Option<String>,
}

/// `PUT /api/conversations/{id}/events/{event_id}/flag`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagRequest {
    /// Optional note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Which conversations a bulk change applies to: a list of ids, or every conversation that
/// matches a filter (a query string, as the inbox URL has it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkSelection {
    /// These conversation ids.
    Ids(Vec<String>),
    /// Every live conversation matching this filter query string.
    Filter(String),
}

/// What a bulk change does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum BulkAction {
    /// Set the review status.
    SetReviewStatus {
        /// The status.
        review_status: ReviewStatus,
    },
    /// Add a tag (created when missing).
    AddTag {
        /// Tag name.
        value: String,
        /// Colour for a new tag.
        #[serde(default)]
        color: Option<String>,
    },
    /// Remove a tag.
    RemoveTag {
        /// Tag name.
        value: String,
    },
    /// Move to the trash.
    Delete,
}

/// `POST /api/conversations/bulk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRequest {
    /// Which conversations.
    pub selection: BulkSelection,
    /// What to do.
    #[serde(flatten)]
    pub action: BulkAction,
    /// The `snapshot` of the listing the reviewer was shown: only conversations that existed
    /// then are changed, and a review status keeps "new since reviewed" on those that
    /// received events since. Without it the selection is taken as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<i64>,
}

/// Answer of a bulk change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResult {
    /// Conversations actually changed.
    pub changed: i64,
}

/// A saved filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterTemplate {
    /// Id.
    pub id: i64,
    /// Name, unique per owner.
    pub name: String,
    /// Owner's username.
    pub owner: String,
    /// Visible to the whole team.
    pub shared: bool,
    /// The filter as the inbox URL's query string.
    pub query: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/filters` and `PUT /api/filters/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterTemplateInput {
    /// Name (1–100 characters).
    pub name: String,
    /// Filter query string; must parse as a `ConversationFilter`.
    pub query: String,
    /// Share with the team.
    #[serde(default)]
    pub shared: bool,
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Id, increasing.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Username or token name.
    pub actor: String,
    /// What was done, e.g. `review_status`, `tag_added`, `flag`, `delete`.
    pub action: String,
    /// Conversation concerned, when one is.
    pub conversation_id: Option<String>,
    /// Other target (tag, user, token, template).
    pub target: Option<String>,
    /// State before.
    pub before: Option<Value>,
    /// State after.
    pub after: Option<Value>,
}
