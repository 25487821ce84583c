DROP TABLE training_items;
DROP TABLE message_annotations;
