-- 3: the schema's version moves to PRAGMA user_version (SqliteMigrations), as each migration's own transaction
--    sets it; the table that held it before goes.
DROP TABLE IF EXISTS schema_version;
