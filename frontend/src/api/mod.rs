//! The HTTP client: one function per API route, all speaking `hindsight-types`.
//!
//! Every call attaches the bearer token, counts itself in [`pending`] (the progress bar),
//! turns error bodies into a readable [`ApiFailure`] and, on 401, ends the session so the
//! app sends the reviewer to the login page (and back afterwards).

pub mod admin;
pub mod auth;
pub mod comments;
pub mod conversations;
pub mod discover;
pub mod filters;
pub mod queues;
pub mod stream;
pub mod tags;
pub mod training;

use std::future::Future;
use std::pin::Pin;

use gloo_net::http::{Request, RequestBuilder, Response};
use hindsight_types::{ErrorBody, UserInfo};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A request that failed, said for people.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    /// HTTP status, 0 when the server could not be reached.
    pub status: u16,
    /// A sentence for the reviewer.
    pub message: String,
    /// The parameter or field at fault, when the server named one.
    pub field: Option<String>,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiFailure {}

/// What every API function returns.
pub type ApiResult<T> = Result<T, ApiFailure>;

const TOKEN_KEY: &str = "hindsight.token";
const USER_KEY: &str = "hindsight.user";

thread_local! {
    static PENDING: RwSignal<u32> = RwSignal::new(0);
    static SESSION: RwSignal<Option<UserInfo>> = RwSignal::new(stored_user());
    static OFFLINE: RwSignal<bool> = RwSignal::new(false);
    static RETRIES: RwSignal<u32> = RwSignal::new(0);
}

/// What a request that could not reach the server says (the banner says the rest).
pub const OFFLINE_MESSAGE: &str = "The Hindsight server cannot be reached.";

/// Whether the last request could not reach the server (the app shows one banner).
pub fn offline() -> RwSignal<bool> {
    OFFLINE.with(|o| *o)
}

/// Bumped by the banner's Retry: views that load data read it, so they load again.
pub fn retries() -> RwSignal<u32> {
    RETRIES.with(|r| *r)
}

/// Clears the offline state and asks every loading view to try again.
pub fn retry() {
    offline().set(false);
    retries().update(|n| *n += 1);
}

/// Requests under way (drives the progress bar).
pub fn pending() -> RwSignal<u32> {
    PENDING.with(|p| *p)
}

/// Who is logged in; `None` once logged out or when the session lapsed.
pub fn session() -> RwSignal<Option<UserInfo>> {
    SESSION.with(|s| *s)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn stored_user() -> Option<UserInfo> {
    let s = storage()?;
    s.get_item(TOKEN_KEY).ok()??;
    serde_json::from_str(&s.get_item(USER_KEY).ok()??).ok()
}

pub(crate) fn token() -> Option<String> {
    storage()?.get_item(TOKEN_KEY).ok()?
}

/// Starts a session after a successful login.
pub fn start_session(token: &str, user: UserInfo) {
    if let Some(s) = storage() {
        let _ = s.set_item(TOKEN_KEY, token);
        let _ = s.set_item(USER_KEY, &serde_json::to_string(&user).unwrap_or_default());
    }
    session().set(Some(user));
}

/// Forgets the token (logout, or the server said 401).
pub fn end_session() {
    if let Some(s) = storage() {
        let _ = s.remove_item(TOKEN_KEY);
        let _ = s.remove_item(USER_KEY);
    }
    session().set(None);
}

/// Percent-encodes one path segment (ids in paths).
pub fn enc(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reverses [`enc`] (ids read from the browser's path).
pub fn dec(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

fn failure(status: u16, message: impl Into<String>) -> ApiFailure {
    ApiFailure {
        status,
        message: message.into(),
        field: None,
    }
}

/// Sends a request and reads the answer's text. Boxed and not generic, so the one copy of
/// the request code serves every typed call below (it was inlined into each of them).
fn send(
    method: Method,
    path: String,
    body: Option<String>,
) -> Pin<Box<dyn Future<Output = ApiResult<String>>>> {
    Box::pin(async move {
        let mut req: RequestBuilder = match method {
            Method::Get => Request::get(&path),
            Method::Post => Request::post(&path),
            Method::Put => Request::put(&path),
            Method::Patch => Request::patch(&path),
            Method::Delete => Request::delete(&path),
        };
        if let Some(t) = token() {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        pending().update(|n| *n += 1);
        let sent = match body {
            Some(b) => match req.header("Content-Type", "application/json").body(b) {
                Ok(r) => r.send().await,
                Err(e) => Err(e),
            },
            None => req.send().await,
        };
        // The browser's own words ("TypeError: Failed to fetch") help nobody: one banner
        // says the server is unreachable, and each view shows the short message.
        let answer = match sent {
            Ok(resp) => {
                if offline().get_untracked() {
                    offline().set(false);
                }
                read(resp, &path).await
            }
            Err(_) => {
                offline().set(true);
                Err(failure(0, OFFLINE_MESSAGE))
            }
        };
        pending().update(|n| *n = n.saturating_sub(1));
        answer
    })
}

async fn read(resp: Response, path: &str) -> ApiResult<String> {
    let status = resp.status();
    let text = resp
        .text()
        .await
        .map_err(|e| failure(status, format!("The answer could not be read ({e}).")))?;
    if resp.ok() {
        return Ok(text);
    }
    if status == 401 && path != "/api/auth" {
        end_session();
        return Err(failure(401, "Your session has ended: please log in again."));
    }
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(b) => ApiFailure {
            status,
            message: b.error.message,
            field: b.error.field,
        },
        Err(_) if status == 404 => failure(status, format!("Not found: {path}")),
        Err(_) => failure(
            status,
            format!("The server answered {status} {}.", resp.status_text()),
        ),
    })
}

fn decode<T: DeserializeOwned>(text: &str) -> ApiResult<T> {
    serde_json::from_str(text).map_err(|e| {
        failure(
            200,
            format!("The server's answer was not understood ({e})."),
        )
    })
}

fn to_json<B: Serialize + ?Sized>(body: &B) -> ApiResult<String> {
    serde_json::to_string(body).map_err(|e| failure(0, e.to_string()))
}

/// `GET` a JSON answer.
async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    decode(&send(Method::Get, path.to_owned(), None).await?)
}

/// Sends a JSON body and reads a JSON answer.
async fn with_body<B: Serialize + ?Sized, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: &B,
) -> ApiResult<T> {
    let body = to_json(body)?;
    decode(&send(method, path.to_owned(), Some(body)).await?)
}

/// Sends a JSON body, ignoring whatever the answer holds.
async fn with_body_no_answer<B: Serialize + ?Sized>(
    method: Method,
    path: &str,
    body: &B,
) -> ApiResult<()> {
    let body = to_json(body)?;
    send(method, path.to_owned(), Some(body)).await.map(drop)
}

/// Sends no body, ignoring whatever the answer holds.
async fn no_body(method: Method, path: &str) -> ApiResult<()> {
    send(method, path.to_owned(), None).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes_path_segments() {
        let id = "user 1/ä?#%";
        let e = enc(id);
        assert_eq!(e, "user%201%2F%C3%A4%3F%23%25");
        assert_eq!(dec(&e), id);
        assert_eq!(dec("plain-id_1.x~"), "plain-id_1.x~");
        assert_eq!(dec("bad%2"), "bad%2");
    }
}
