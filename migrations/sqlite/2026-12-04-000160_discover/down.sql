DROP TABLE discover_dismissed;
DROP TABLE discover_group_messages;
DROP TABLE discover_groups;
DROP TABLE discover_runs;
