// JournalPostgres: the Postgres journal backend.
