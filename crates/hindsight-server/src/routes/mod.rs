//! Thin HTTP handlers: parse, authorise, call `db/`, respond.

mod annotations;
mod audit;
mod auth;
mod comments;
mod conversations;
mod discover;
mod export;
mod facets;
mod filters;
mod flags;
mod health;
mod ingest;
mod ingest_errors;
mod paths;
mod queues;
mod stats;
mod story;
mod stream;
mod tags;
mod training;
mod triage;
mod users;
mod web_app;

use actix_web::web;
use serde::Deserialize;

/// The query of the smaller cursor-paged listings (mentions, disagreements, a Discover
/// group's messages): a page's size and the cursor the previous page gave.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Items per page (each listing has its own default and bound).
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Read by the authentication extractor.
    #[allow(dead_code)]
    api_token: Option<String>,
}

pub use web_app::web_app;

/// `GET /api/health` alone, for `hindsight consume --health-bind`.
pub fn configure_health(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api").service(web::resource("/health").get(health::get_health)));
}

/// Registers every `/api` route. Literal paths come before `{id}` ones so that, for
/// example, `/api/conversations/count` is not read as a conversation id.
///
/// Each path is one resource holding all its methods: a request for a served path with
/// another method is then answered 405 with `Allow` (not 404), by the resource itself.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .service(web::resource("/health").get(health::get_health))
            .service(web::resource("/auth").post(auth::login))
            .service(web::resource("/me").get(auth::me))
            .service(web::resource("/stream").get(stream::get_stream))
            .service(web::resource("/stream/ticket").post(stream::create_stream_ticket))
            .service(web::resource("/ingest-errors").get(ingest_errors::list_ingest_errors))
            .service(web::resource("/export-runs").get(ingest_errors::list_export_runs))
            .service(web::resource("/facets").get(facets::list_facets))
            .service(web::resource("/trackers").post(ingest::import_trackers))
            .service(web::resource("/conversations").get(conversations::list_conversations))
            .service(web::resource("/conversations/export").get(export::export_conversations))
            .service(web::resource("/conversations/count").get(conversations::count_conversations))
            .service(web::resource("/conversations/tab-counts").get(conversations::count_tabs))
            .service(web::resource("/conversations/stats").get(stats::conversation_stats))
            .service(web::resource("/conversations/paths").get(paths::get_path_graph))
            .service(
                web::resource("/settings/paths")
                    .get(paths::get_path_settings)
                    .put(paths::put_path_settings),
            )
            .service(web::resource("/conversations/bulk").post(triage::bulk))
            .service(web::resource("/conversations/tags").get(tags::list_tags))
            .service(web::resource("/conversations/tags/{tag_id}").delete(tags::delete_tag))
            .service(web::resource("/tags").post(tags::create_tag))
            .service(
                web::resource("/users")
                    .get(users::list_users)
                    .post(users::create_user),
            )
            .service(
                web::resource("/users/{username}")
                    .patch(users::update_user)
                    .delete(users::delete_user),
            )
            .service(
                web::resource("/tokens")
                    .get(users::list_tokens)
                    .post(users::create_token),
            )
            .service(web::resource("/tokens/{token_id}").delete(users::revoke_token))
            .service(
                web::resource("/filters")
                    .get(filters::list_filters)
                    .post(filters::create_filter),
            )
            .service(
                web::resource("/filters/{filter_id}")
                    .put(filters::update_filter)
                    .delete(filters::delete_filter),
            )
            .service(web::resource("/tags/{tag_id}").patch(tags::update_tag))
            .service(web::resource("/trash").get(triage::list_trash))
            // Training data (issue 10).
            .service(web::resource("/training-data/nlu").get(training::export_nlu))
            .service(web::resource("/training-data/stories").get(training::export_stories))
            .service(web::resource("/training-data/tests").get(training::export_tests))
            .service(web::resource("/training-data/e2e").get(training::export_e2e))
            .service(web::resource("/training-data/intents").get(annotations::list_intents))
            .service(
                web::resource("/training-data/items")
                    .get(training::list_items)
                    .post(training::create_item),
            )
            .service(
                web::resource("/training-data/items/{item_id}")
                    .get(training::get_item)
                    .patch(training::update_item)
                    .delete(training::delete_item),
            )
            // Review queues (issue 13).
            .service(
                web::resource("/queues")
                    .get(queues::list_queues)
                    .post(queues::create_queue),
            )
            .service(
                web::resource("/queues/{queue_id}")
                    .get(queues::get_queue)
                    .patch(queues::update_queue)
                    .delete(queues::delete_queue),
            )
            .service(
                web::resource("/queues/{queue_id}/conversations")
                    .post(queues::add_queue_conversations),
            )
            .service(
                web::resource("/queues/{queue_id}/conversations/matching")
                    .post(queues::add_matching_conversations),
            )
            .service(web::resource("/queues/{queue_id}/next").post(queues::next_conversation))
            .service(web::resource("/queues/{queue_id}/progress").get(queues::queue_progress))
            .service(
                web::resource("/queues/{queue_id}/disagreements").get(queues::list_disagreements),
            )
            .service(
                web::resource("/queues/{queue_id}/conversations/{id}/release")
                    .post(queues::release_conversation),
            )
            .service(
                web::resource("/queues/{queue_id}/conversations/{id}/skip")
                    .post(queues::skip_conversation),
            )
            .service(
                web::resource("/queues/{queue_id}/conversations/{id}/review")
                    .post(queues::submit_review),
            )
            .service(
                web::resource("/queues/{queue_id}/conversations/{id}/settlement")
                    .post(queues::settle_disagreement),
            )
            // Discover (issue 15).
            .service(web::resource("/discover").get(discover::get_discover))
            .service(web::resource("/discover/runs").post(discover::start_run))
            .service(web::resource("/discover/runs/{run_id}").get(discover::get_run))
            .service(
                web::resource("/discover/groups/{group_id}/dismiss").post(discover::dismiss_group),
            )
            .service(
                web::resource("/discover/groups/{group_id}/messages")
                    .get(discover::list_group_messages),
            )
            .service(web::resource("/discover/groups/{group_id}/label").post(discover::label_group))
            // Comments (issue 13).
            .service(web::resource("/comments/mentions").get(comments::list_mentions))
            .service(
                web::resource("/comments/{comment_id}")
                    .patch(comments::update_comment)
                    .delete(comments::delete_comment),
            )
            .service(web::resource("/audit").get(audit::all_audit))
            .service(
                web::resource("/conversations/{id}")
                    .get(conversations::get_conversation)
                    .delete(triage::delete_conversation),
            )
            .service(
                web::resource("/conversations/{id}/restore").post(triage::restore_conversation),
            )
            .service(
                web::resource("/conversations/{id}/reviewStatus").put(triage::set_review_status),
            )
            .service(web::resource("/conversations/{id}/audit").get(audit::conversation_audit))
            .service(
                web::resource("/conversations/{id}/comments")
                    .get(comments::list_comments)
                    .post(comments::create_comment),
            )
            .service(
                web::resource("/conversations/{id}/tags")
                    .get(tags::conversation_tags)
                    .post(tags::tag_conversation),
            )
            .service(
                web::resource("/conversations/{id}/tags/{tag_id}").delete(tags::untag_conversation),
            )
            .service(
                web::resource("/conversations/{id}/events/{event_id}/flag")
                    .put(flags::flag_event)
                    .delete(flags::unflag_event),
            )
            .service(
                web::resource("/conversations/{id}/events/{event_id}/annotation")
                    .put(annotations::put_annotation)
                    .delete(annotations::delete_annotation),
            )
            .service(
                web::resource("/conversations/{id}/annotations").get(annotations::list_annotations),
            )
            .service(
                web::resource("/conversations/{id}/messages/{message_timestamp}/flag")
                    .put(flags::flag_message)
                    .delete(flags::unflag_message),
            )
            .service(
                web::resource("/conversations/{id}/tracker")
                    .get(conversations::export_tracker)
                    .post(ingest::import_tracker),
            )
            .service(web::resource("/conversations/{id}/events").post(ingest::append_events))
            .service(
                web::resource("/conversations/{id}/events/{event_id}/story").get(story::get_story),
            )
            .default_service(web::to(crate::app::api_not_found)),
    );
}
