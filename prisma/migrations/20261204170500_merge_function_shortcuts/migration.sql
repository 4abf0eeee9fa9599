-- The large-patch merge (prefs_merge_preferences, 20261202100000) made one PL/pgSQL call per object of the
-- patch, about 50 ms of CPU per user for a 64 KiB patch of 2,000 objects. Two kinds of object need no call:
-- one meeting a non-object (usually nothing stored: a user's first merge of it) is its copy without null
-- fields, which jsonb_strip_nulls makes in C, unless it holds an array (strip_nulls would also drop the null
-- fields of objects inside arrays, such as a condition's `"argument": null`, which the merge keeps); and
-- one of scalars only meeting an object is that object without the patch's keys, plus the non-null ones.
-- Everything else recurses as before. One pass over each level finds removals and values together.
-- Measured on the 1,622-entry patch of the bench's hostile phase: into nothing 5x less CPU, into a set
-- already holding the same objects 1.3-1.7x less.
CREATE OR REPLACE FUNCTION prefs_merge_preferences(base jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (SELECT (CASE WHEN jsonb_typeof(base) = 'object' THEN base ELSE '{}'::jsonb END)
      - coalesce(array_agg(sent.key) FILTER (WHERE jsonb_typeof(sent.value) = 'null'), '{}'::text[])
      || coalesce(jsonb_object_agg(sent.key, CASE
           WHEN jsonb_typeof(sent.value) <> 'object' THEN sent.value
           WHEN jsonb_path_exists(sent.value, 'strict $.** ? (@.type() == "array")') THEN prefs_merge_preferences(base -> sent.key, sent.value)
           WHEN jsonb_typeof(base -> sent.key) IS DISTINCT FROM 'object' THEN jsonb_strip_nulls(sent.value)
           WHEN jsonb_path_exists(sent.value, 'lax $.* ? (@.type() == "object")') THEN prefs_merge_preferences(base -> sent.key, sent.value)
           ELSE (base -> sent.key) - ARRAY(SELECT jsonb_object_keys(sent.value)) || jsonb_strip_nulls(sent.value) END)
         FILTER (WHERE jsonb_typeof(sent.value) <> 'null'), '{}'::jsonb)
    FROM jsonb_each(patch) AS sent);
END
$$;
