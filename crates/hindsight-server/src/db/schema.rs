//! Diesel's view of the tables in `migrations/` (the same for both backends).

diesel::table! {
    conversations (id) {
        id -> BigInt,
        sender_id -> Text,
        channel -> Nullable<Text>,
        first_event_at -> Timestamp,
        latest_event_at -> Timestamp,
        start_minute_local -> BigInt,
        start_day_local -> BigInt,
        user_message_count -> BigInt,
        event_count -> BigInt,
        min_intent_confidence -> Nullable<Double>,
        min_action_confidence -> Nullable<Double>,
        lowest_confidence -> Double,
        first_user_message -> Nullable<Text>,
        review_status -> Text,
        has_news -> Bool,
        flagged -> Bool,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        started_at -> Timestamp,
        environment -> Nullable<Text>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        conversation_id -> BigInt,
        seq -> BigInt,
        type_name -> Text,
        timestamp -> Double,
        text -> Nullable<Text>,
        intent -> Nullable<Text>,
        name -> Nullable<Text>,
        policy -> Nullable<Text>,
        confidence -> Nullable<Double>,
        content_hash -> BigInt,
        data -> Text,
    }
}

diesel::table! {
    conversation_features (conversation_id, kind, name, value) {
        conversation_id -> BigInt,
        kind -> Text,
        name -> Text,
        value -> Text,
        occurrences -> BigInt,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        name -> Text,
        color -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    conversation_tags (conversation_id, tag_id) {
        conversation_id -> BigInt,
        tag_id -> BigInt,
        tagged_by -> Text,
        tagged_at -> Timestamp,
    }
}

diesel::table! {
    message_flags (event_id) {
        event_id -> BigInt,
        conversation_id -> BigInt,
        note -> Nullable<Text>,
        flagged_by -> Text,
        flagged_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
        login_generation -> BigInt,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        token_hash -> Text,
        role -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    filter_templates (id) {
        id -> BigInt,
        name -> Text,
        owner -> Text,
        shared -> Bool,
        query -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        conversation_id -> Nullable<BigInt>,
        target -> Nullable<Text>,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    message_annotations (event_id) {
        event_id -> BigInt,
        conversation_id -> BigInt,
        intent -> Text,
        entities -> Text,
        predicted_intent -> Nullable<Text>,
        differs -> Bool,
        annotated_by -> Text,
        annotated_at -> Timestamp,
    }
}

diesel::table! {
    training_items (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        content -> Text,
        sender_id -> Nullable<Text>,
        event_id -> Nullable<BigInt>,
        edited -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ingest_errors (id) {
        id -> BigInt,
        received_at -> Timestamp,
        source -> Text,
        reason -> Text,
        body -> Binary,
        body_hash -> BigInt,
        properties -> Text,
    }
}

diesel::table! {
    export_runs (id) {
        id -> Text,
        environment -> Nullable<Text>,
        first_seen_at -> Timestamp,
        last_seen_at -> Timestamp,
        messages -> BigInt,
        first_event_timestamp -> Nullable<Double>,
        last_event_timestamp -> Nullable<Double>,
    }
}

diesel::table! {
    export_run_conversations (run_id, sender_id) {
        run_id -> Text,
        sender_id -> Text,
    }
}

diesel::table! {
    review_queues (id) {
        id -> BigInt,
        name -> Text,
        source_kind -> Text,
        source_filter_id -> Nullable<BigInt>,
        source_query -> Nullable<Text>,
        sampling -> Text,
        assignees -> Text,
        reviewers_per_conversation -> BigInt,
        reservation_seconds -> BigInt,
        paused -> Bool,
        rubric -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    queue_conversations (queue_id, conversation_id) {
        queue_id -> BigInt,
        conversation_id -> BigInt,
        stratum -> Text,
        sampled -> Bool,
        rank -> BigInt,
        done -> BigInt,
        reserved -> Bool,
        open -> Bool,
        added_at -> Timestamp,
    }
}

diesel::table! {
    queue_reviews (id) {
        id -> BigInt,
        queue_id -> BigInt,
        conversation_id -> BigInt,
        reviewer -> Text,
        status -> Text,
        reserved_at -> Timestamp,
        expires_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    queue_answers (review_id, question) {
        review_id -> BigInt,
        queue_id -> BigInt,
        conversation_id -> BigInt,
        question -> Text,
        value -> Text,
    }
}

diesel::table! {
    queue_settlements (queue_id, conversation_id) {
        queue_id -> BigInt,
        conversation_id -> BigInt,
        answers -> Text,
        settled_by -> Text,
        settled_at -> Timestamp,
    }
}

diesel::table! {
    conversation_paths (conversation_id) {
        conversation_id -> BigInt,
        steps -> Text,
    }
}

diesel::table! {
    conversation_row_names (conversation_id) {
        conversation_id -> BigInt,
        names -> Text,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        conversation_id -> BigInt,
        event_id -> Nullable<BigInt>,
        author -> Text,
        body -> Text,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    comment_mentions (username, comment_id) {
        username -> Text,
        comment_id -> BigInt,
    }
}

diesel::table! {
    discover_runs (id) {
        id -> BigInt,
        state -> Text,
        settings -> Text,
        started_by -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        candidates -> BigInt,
        truncated -> Bool,
        error -> Nullable<Text>,
        heartbeat_at -> Nullable<Timestamp>,
        automatic -> Bool,
        events_through -> Nullable<BigInt>,
    }
}

diesel::table! {
    discover_groups (id) {
        id -> BigInt,
        run_id -> BigInt,
        label -> Text,
        terms -> Text,
        size -> BigInt,
        senders -> BigInt,
        daily -> Text,
        covered -> BigInt,
        intents -> Text,
        representatives -> Text,
        dismissed -> Nullable<Text>,
        dismissed_by -> Nullable<Text>,
        dismissed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    discover_group_messages (group_id, conversation_id, event_id) {
        group_id -> BigInt,
        conversation_id -> BigInt,
        event_id -> BigInt,
    }
}

diesel::table! {
    discover_dismissed (event_id) {
        event_id -> BigInt,
        group_id -> BigInt,
        reason -> Text,
    }
}

diesel::joinable!(events -> conversations (conversation_id));
diesel::joinable!(discover_groups -> discover_runs (run_id));
diesel::joinable!(discover_group_messages -> discover_groups (group_id));
diesel::joinable!(conversation_paths -> conversations (conversation_id));
diesel::joinable!(conversation_row_names -> conversations (conversation_id));
diesel::joinable!(conversation_features -> conversations (conversation_id));
diesel::joinable!(conversation_tags -> conversations (conversation_id));
diesel::joinable!(conversation_tags -> tags (tag_id));
diesel::joinable!(message_flags -> events (event_id));
diesel::joinable!(message_annotations -> events (event_id));
diesel::joinable!(message_annotations -> conversations (conversation_id));
diesel::joinable!(queue_conversations -> conversations (conversation_id));
diesel::joinable!(queue_conversations -> review_queues (queue_id));
diesel::joinable!(queue_reviews -> conversations (conversation_id));
diesel::joinable!(queue_answers -> queue_reviews (review_id));
diesel::joinable!(queue_settlements -> conversations (conversation_id));
diesel::joinable!(comments -> conversations (conversation_id));
diesel::joinable!(comment_mentions -> comments (comment_id));

diesel::allow_tables_to_appear_in_same_query!(
    conversations,
    events,
    conversation_features,
    tags,
    conversation_tags,
    message_flags,
    users,
    api_tokens,
    filter_templates,
    audit_log,
    settings,
    message_annotations,
    training_items,
    ingest_errors,
    export_runs,
    export_run_conversations,
    review_queues,
    queue_conversations,
    queue_reviews,
    queue_answers,
    queue_settlements,
    conversation_paths,
    conversation_row_names,
    comments,
    comment_mentions,
    discover_runs,
    discover_groups,
    discover_group_messages,
    discover_dismissed,
);
