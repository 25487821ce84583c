DROP TABLE queue_settlements;
