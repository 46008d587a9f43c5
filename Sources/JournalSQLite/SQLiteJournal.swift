// JournalSQLite: the embedded SQLite journal backend.
