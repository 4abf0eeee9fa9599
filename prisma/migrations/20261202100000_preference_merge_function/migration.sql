-- The shared merge (core's mergePreferences) for patches too large to compile into one expression
-- (merge-sql.ts): its memory grows with the patch alone. Removals and values of one level are found in
-- one pass over the patch; only objects recurse. A null removes the key, an object merges into an object
-- (or replaces a non-object, its own nulls dropped), anything else replaces what was there.
CREATE OR REPLACE FUNCTION prefs_merge_preferences(base jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (CASE WHEN jsonb_typeof(base) = 'object' THEN base ELSE '{}'::jsonb END)
    - ARRAY(SELECT sent.key FROM jsonb_each(patch) AS sent WHERE jsonb_typeof(sent.value) = 'null')
    || COALESCE((SELECT jsonb_object_agg(sent.key, CASE WHEN jsonb_typeof(sent.value) = 'object'
                   THEN prefs_merge_preferences(base -> sent.key, sent.value) ELSE sent.value END)
                 FROM jsonb_each(patch) AS sent WHERE jsonb_typeof(sent.value) <> 'null'), '{}'::jsonb);
END
$$;
