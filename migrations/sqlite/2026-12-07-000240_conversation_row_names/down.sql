DROP TABLE conversation_row_names;
