//! The path explorer (issue 14).

use actix_web::{web, HttpRequest};
use hindsight_types::filter::{FilterError, API_TOKEN_PARAM};
use hindsight_types::paths::{MAX_PATH_BRANCHES, MAX_PATH_DEPTH};
use hindsight_types::{ConversationFilter, PathGraph, PathSettings};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::sequence::explore::GraphShape;
use crate::service::paths;

use crate::error::{json_body, JsonBody};

/// `GET /api/conversations/paths`: the graph of the steps of the conversations a filter
/// matches (the listing's filter parameters), `depth` levels of at most `branches` steps,
/// user messages below `low_confidence` counted per node.
pub async fn get_path_graph(
    user: AuthUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<web::Json<PathGraph>> {
    let mut shape = GraphShape {
        depth: 8,
        branches: 6,
        low_confidence: 0.5,
    };
    let filter = ConversationFilter::from_query_with(req.query_string(), |key, value| {
        let whole = |max: u32| match value.trim().parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(FilterError {
                field: key.to_owned(),
                message: format!("`{key}` must be a whole number from 1 to {max}, not `{value}`"),
            }),
        };
        match key {
            "depth" => shape.depth = whole(MAX_PATH_DEPTH)?,
            "branches" => shape.branches = whole(MAX_PATH_BRANCHES)?,
            "low_confidence" => {
                shape.low_confidence = match value.trim().parse::<f64>() {
                    Ok(c) if (0.0..=1.0).contains(&c) => c,
                    _ => {
                        return Err(FilterError {
                            field: key.to_owned(),
                            message: format!(
                                "`low_confidence` must be between 0 and 1, not `{value}`"
                            ),
                        })
                    }
                }
            }
            _ => return Ok(key == API_TOKEN_PARAM),
        }
        Ok(true)
    });
    let request = filter.map(|f| (f, shape)).map_err(Into::into);
    Ok(web::Json(paths::path_graph(&state, user, request).await?))
}

/// `GET /api/settings/paths`: the names the path explorer colours as fallbacks.
pub async fn get_path_settings(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<PathSettings>> {
    Ok(web::Json(paths::path_settings(&state, user).await?))
}

/// `PUT /api/settings/paths`: replaces them (admins).
pub async fn put_path_settings(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<PathSettings>,
) -> AppResult<web::Json<PathSettings>> {
    Ok(web::Json(
        paths::update_path_settings(&state, user, json_body(body)).await?,
    ))
}
