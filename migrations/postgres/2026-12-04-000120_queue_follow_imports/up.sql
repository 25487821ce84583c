-- Issue 13: queues filled from a saved filter take the conversations each import stores or
-- adds events to. With a count per stratum, each batch asks how many conversations of the
-- batch's strata the queue sampled already: this index answers from at most that count of
-- entries, rather than reading every conversation the queue holds.
CREATE INDEX queue_conversations_strata ON queue_conversations (queue_id, sampled, stratum);
