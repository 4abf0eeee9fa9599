-- A stored set is at most 64 KiB as PostgreSQL holds it (jsonb): every write path (PUT, merge, bulk, the
-- preference page, unsubscribes) is held to it here, in the one place none can miss. pg_column_size reads
-- the value's header (a 1,000-row batch pays no measurable time); the text form would cost about 15 us a
-- row. NOT VALID: rows stored before the limit stay readable; the next write to one is checked.
ALTER TABLE "preference_sets" ADD CONSTRAINT "preference_sets_size" CHECK (pg_column_size("preferences") <= 65536) NOT VALID;
