-- Bulk writes hold each recipient to PREFERENCE_SETS_PER_RECIPIENT sets in the batch's one statement: a row
-- it inserts for a recipient who already holds that many calls this, which fails the statement (nothing
-- written), and the worker writes the batch again with those users as error items. The limit is the
-- service's setting, so it is passed in, not stored; CONSTRAINT names the refusal as the size CHECK does.
CREATE OR REPLACE FUNCTION prefs_refuse_preference_set_over_limit(set_limit integer) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION 'a recipient would hold more than % preference sets ("preference_sets_per_recipient")', set_limit
    USING ERRCODE = 'check_violation', CONSTRAINT = 'preference_sets_per_recipient';
END
$$;
