import { createHash } from 'node:crypto';

/**
 * Statements every connection prepares once: PostgreSQL parses and plans a named statement once and
 * then reuses the plan, where an unnamed one is planned on every call (the claim's ordering check spent
 * about 1 ms planning, on every job). Only texts that never change are registered, by `prepared(sql)`
 * (a merge compiled from its patch is not); the cap bounds a mistake: past it, statements run unnamed.
 */

const MAX_PREPARED_STATEMENTS = 64;
const names = new Map<string, string>();

/** Registers a constant statement text to be prepared once per connection; returns the text. */
export function prepared(sql: string): string {
  if (!names.has(sql) && names.size < MAX_PREPARED_STATEMENTS) {
    names.set(sql, `prefs_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`);
  }
  return sql;
}

/** The name a registered text is prepared under; '' (the protocol's unnamed statement) for any other. */
export function preparedStatementName(sql: string): string {
  return names.get(sql) ?? '';
}
