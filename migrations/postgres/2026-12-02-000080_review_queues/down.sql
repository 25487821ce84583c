DROP TABLE queue_answers;
DROP TABLE queue_reviews;
DROP TABLE queue_conversations;
DROP TABLE review_queues;
