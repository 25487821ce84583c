//! Writing a filter back as its canonical URL query string.

use super::{ConversationFilter, SortOrder, TextMode};

impl ConversationFilter {
    /// The canonical query string (without `?`), omitting what is at its default.
    pub fn to_query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        let mut num = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                q.append_pair(k, &v);
            }
        };
        num(
            "min_user_messages",
            self.min_user_messages.map(|n| n.to_string()),
        );
        num(
            "max_user_messages",
            self.max_user_messages.map(|n| n.to_string()),
        );
        num(
            "min_intent_confidence",
            self.min_intent_confidence.map(|n| n.to_string()),
        );
        num(
            "max_intent_confidence",
            self.max_intent_confidence.map(|n| n.to_string()),
        );
        num(
            "min_action_confidence",
            self.min_action_confidence.map(|n| n.to_string()),
        );
        num(
            "max_action_confidence",
            self.max_action_confidence.map(|n| n.to_string()),
        );
        num(
            "start",
            self.start
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        );
        num(
            "until",
            self.until
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        );
        num(
            "time_of_day",
            self.time_of_day
                .map(|w| format!("{}-{}", w.from.format("%H:%M"), w.to.format("%H:%M"))),
        );
        num("flagged", self.flagged.map(|b| b.to_string()));
        num("has_news", self.has_news.map(|b| b.to_string()));
        num("annotated", self.annotated.map(|b| b.to_string()));
        num("misclassified", self.misclassified.map(|b| b.to_string()));
        num("text", self.text.clone());
        num(
            "text_mode",
            (self.text.is_some() && self.text_mode != TextMode::Words)
                .then(|| self.text_mode.as_str().to_owned()),
        );
        num("sender_id", self.sender_id.clone());
        num("seq", self.sequence.as_ref().map(ToString::to_string));
        num("discover_group", self.discover_group.map(|g| g.to_string()));
        let mut list = |k: &str, vs: &[String]| {
            if !vs.is_empty() {
                q.append_pair(k, &vs.join(","));
            }
        };
        list("channel", &self.channels);
        list("environment", &self.environments);
        list("intent", &self.intents);
        list("exclude_intent", &self.exclude_intents);
        list("action", &self.actions);
        list("exclude_action", &self.exclude_actions);
        list("entity", &self.entities);
        list("exclude_entity", &self.exclude_entities);
        list("policy", &self.policies);
        list("exclude_policy", &self.exclude_policies);
        list("tags_any", &self.tags_any);
        list("tags_all", &self.tags_all);
        list("tags_none", &self.tags_none);
        let statuses: Vec<String> = self
            .review_status
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        list("review_status", &statuses);
        for slot in &self.slots {
            match &slot.value {
                Some(v) => q.append_pair("slot", &format!("{}:{}", slot.name, v)),
                None => q.append_pair("slot", &slot.name),
            };
        }
        for s in &self.scores {
            q.append_pair(&format!("score.{}", s.question), &s.values.join(","));
        }
        if self.sort != SortOrder::Latest {
            q.append_pair("sort", self.sort.as_str());
        }
        q.finish()
    }
}
