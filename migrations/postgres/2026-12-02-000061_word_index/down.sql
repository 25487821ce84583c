DROP INDEX events_user_words;
DROP FUNCTION hindsight_fold(TEXT);
