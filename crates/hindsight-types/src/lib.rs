//! Types shared by the Hindsight server and its browser app.
//!
//! Everything here compiles for `wasm32-unknown-unknown`: no server-only dependencies.

pub mod api;
pub mod error;
pub mod filter;
pub mod live;

pub use api::*;
pub use error::{ApiError, ErrorBody, ErrorCode};
pub use filter::{
    ConversationFilter, FilterError, PageRequest, ScoreFilter, SlotFilter, SortOrder, TextMode,
    TimeOfDay,
};
pub mod window;
pub use live::{
    BrokerHealth, ChangeKind, CommentChange, CommentChangeKind, ConversationChange, ExportRun,
    IngestError, IngestErrorPage, StreamEvent, StreamTicket,
};
pub use window::{EventWindow, WindowAnchor};
pub mod workflow;
pub use workflow::*;
pub mod export;
pub use export::{
    parse_export_query, ExportFormat, ExportOptions, ExportedConversation, CSV_COLUMNS,
};
pub mod training;
pub use training::{
    Annotation, AnnotationInput, EntityAnnotation, SaveTrainingItem, TrainingItem,
    TrainingItemKind, TrainingItemUpdate,
};
pub mod names;
pub mod paths;
pub use paths::{PathEdge, PathGraph, PathNode, PathSettings};
pub mod sequence;
pub use sequence::SequencePattern;
pub mod stats;
pub use stats::{ConversationStats, DayCount, CONFIDENCE_BINS};
pub mod queues;
pub use queues::{
    Agreement, QuestionFindings, QuestionKind, Queue, QueueAssignment, QueueConversationsAdded,
    QueueConversationsInput, QueueInput, QueueProgress, QueueReview, QueueSource, QueueUpdate,
    ReviewSubmission, ReviewerProgress, RubricQuestion, Sampling, ShareEstimate, StratifyBy,
    StratumRule,
};
pub mod settlements;
pub use settlements::{Disagreement, DisagreementPage, DisputedQuestion, QueueSettlement};
pub mod comments;
pub mod discover;
pub use comments::{Comment, CommentPage, CommentUpdate, NewComment};
pub use discover::{
    DiscoverGroup, DiscoverResult, DiscoverRun, DiscoverRunState, DiscoverSettings, DismissInput,
    DismissReason, Dismissal, GroupLabelled, GroupMessage, GroupMessagePage, IntentCount,
    LabelGroupInput, RepresentativeMessage,
};
