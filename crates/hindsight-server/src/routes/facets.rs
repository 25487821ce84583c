use actix_web::web;
use hindsight_types::Facets;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::AppResult;

/// `GET /api/facets`: the values the filter menus offer.
pub async fn list_facets(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Facets>> {
    Ok(web::Json(
        crate::service::conversations::facets(&state, user).await?,
    ))
}
