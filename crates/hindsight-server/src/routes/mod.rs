//! Thin HTTP handlers: parse, authorise, call `db/`, respond.

mod audit;
mod auth;
mod conversations;
mod export;
mod facets;
mod filters;
mod flags;
mod health;
mod ingest;
mod story;
mod tags;
mod triage;
mod users;
mod web_app;

use actix_web::web;

pub use web_app::web_app;

/// Registers every `/api` route. Literal paths come before `{id}` ones so that, for
/// example, `/api/conversations/count` is not read as a conversation id.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .route("/health", web::get().to(health::get_health))
            .route("/auth", web::post().to(auth::login))
            .route("/me", web::get().to(auth::me))
            .route("/facets", web::get().to(facets::list_facets))
            .route("/trackers", web::post().to(ingest::import_trackers))
            .route(
                "/conversations",
                web::get().to(conversations::list_conversations),
            )
            .route(
                "/conversations/count",
                web::get().to(conversations::count_conversations),
            )
            .route(
                "/conversations/export",
                web::get().to(export::export_conversations),
            )
            .route("/conversations/bulk", web::post().to(triage::bulk))
            .route("/conversations/tags", web::get().to(tags::list_tags))
            .route(
                "/conversations/tags/{tag_id}",
                web::delete().to(tags::delete_tag),
            )
            .route("/tags", web::post().to(tags::create_tag))
            .route("/users", web::get().to(users::list_users))
            .route("/users", web::post().to(users::create_user))
            .route("/users/{username}", web::patch().to(users::update_user))
            .route("/users/{username}", web::delete().to(users::delete_user))
            .route("/tokens", web::get().to(users::list_tokens))
            .route("/tokens", web::post().to(users::create_token))
            .route("/tokens/{token_id}", web::delete().to(users::revoke_token))
            .route("/filters", web::get().to(filters::list_filters))
            .route("/filters", web::post().to(filters::create_filter))
            .route(
                "/filters/{filter_id}",
                web::put().to(filters::update_filter),
            )
            .route(
                "/filters/{filter_id}",
                web::delete().to(filters::delete_filter),
            )
            .route("/tags/{tag_id}", web::patch().to(tags::update_tag))
            .route("/trash", web::get().to(triage::list_trash))
            .route("/audit", web::get().to(audit::all_audit))
            .route(
                "/conversations/{id}",
                web::get().to(conversations::get_conversation),
            )
            .route(
                "/conversations/{id}",
                web::delete().to(triage::delete_conversation),
            )
            .route(
                "/conversations/{id}/restore",
                web::post().to(triage::restore_conversation),
            )
            .route(
                "/conversations/{id}/reviewStatus",
                web::put().to(triage::set_review_status),
            )
            .route(
                "/conversations/{id}/audit",
                web::get().to(audit::conversation_audit),
            )
            .route(
                "/conversations/{id}/tags",
                web::get().to(tags::conversation_tags),
            )
            .route(
                "/conversations/{id}/tags",
                web::post().to(tags::tag_conversation),
            )
            .route(
                "/conversations/{id}/tags/{tag_id}",
                web::delete().to(tags::untag_conversation),
            )
            .route(
                "/conversations/{id}/events/{event_id}/flag",
                web::put().to(flags::flag_event),
            )
            .route(
                "/conversations/{id}/events/{event_id}/flag",
                web::delete().to(flags::unflag_event),
            )
            .route(
                "/conversations/{id}/messages/{message_timestamp}/flag",
                web::put().to(flags::flag_message),
            )
            .route(
                "/conversations/{id}/messages/{message_timestamp}/flag",
                web::delete().to(flags::unflag_message),
            )
            .route(
                "/conversations/{id}/tracker",
                web::get().to(conversations::export_tracker),
            )
            .route(
                "/conversations/{id}/tracker",
                web::post().to(ingest::import_tracker),
            )
            .route(
                "/conversations/{id}/events",
                web::post().to(ingest::append_events),
            )
            .route(
                "/conversations/{id}/events/{event_id}/story",
                web::get().to(story::get_story),
            )
            .default_service(web::to(crate::app::api_not_found)),
    );
}
