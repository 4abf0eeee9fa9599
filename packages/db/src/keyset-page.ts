import type { Queryable } from './client';

/**
 * Newest-first listings of one environment's rows (operations, tenants, users), by keyset pagination on
 * (a timestamp, id): the index (environment_id, <timestamp> DESC, id DESC) serves a page in either
 * direction, so a page costs the same however deep it is, and rows inserted meanwhile shift nothing.
 */

/**
 * A place in a listing: the row's timestamp (ISO-8601 with milliseconds, as stored) and id; for a listing
 * keyed by several columns (`idColumns`), their values joined by newlines (no id holds a control character).
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

export interface KeysetListing<Row, Entry> {
  table: string;
  columns: string;
  /** The timestamp column the listing orders by, newest first, then `id`. */
  atColumn: string;
  /** How `id` is cast when compared ('text', 'uuid'). */
  idCast: string;
  /** The columns that order rows of one timestamp, when not `id` alone (each cast by `idCast`). */
  idColumns?: string[];
  /** Equality filters beside the environment, by column; null or undefined values are not filtered on. */
  filters: Record<string, { value: string | null | undefined; cast: string }>;
  /** Rows whose `columns` (text) are one of `rows`; null: not filtered on. */
  within?: { columns: string[]; rows: string[][] } | null;
  toEntry: (row: Row) => Entry;
  positionOf: (entry: Entry) => KeysetPosition;
}

export interface KeysetPage<Entry> {
  /** Newest first. */
  entries: Entry[];
  /** Where the next (older) page starts, when there is one. */
  after: KeysetPosition | null;
  /** Where the previous (newer) page ends, when there is one. */
  before: KeysetPosition | null;
}

/** A statement's WHERE clauses and their parameters, built together so the placeholders stay in step. */
function whereOf<Row, Entry>(listing: KeysetListing<Row, Entry>, environmentId: string) {
  const params: unknown[] = [environmentId];
  const where = ['environment_id = $1::uuid'];
  const bind = (value: unknown, cast: string) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  for (const [column, filter] of Object.entries(listing.filters)) {
    if (filter.value !== null && filter.value !== undefined) where.push(`${column} = ${bind(filter.value, filter.cast)}`);
  }
  const within = listing.within;
  if (within) {
    const elements = within.columns.map((_, index) => `wanted.row->>${index}`).join(', ');
    where.push(`(${within.columns.join(', ')}) IN (SELECT ${elements} FROM jsonb_array_elements(${bind(JSON.stringify(within.rows), 'jsonb')}) AS wanted(row))`);
  }
  const idColumns = listing.idColumns ?? ['id'];
  return {
    params,
    bind,
    /** Rows past `position` in the listing's order: `<` is older, `>` is newer. */
    beyond(position: KeysetPosition, comparison: '<' | '>') {
      const ids = idColumns.length === 1 ? [position.id] : position.id.split('\n');
      if (ids.length !== idColumns.length) throw new Error(`a position in ${listing.table} has ${idColumns.length} ids, got ${ids.length}`);
      const bound = ids.map((id) => bind(id, listing.idCast)).join(', ');
      where.push(`(${listing.atColumn}, ${idColumns.join(', ')}) ${comparison} (${bind(position.at, 'timestamptz')}, ${bound})`);
      return this;
    },
    get sql() {
      return where.join(' AND ');
    },
  };
}

export async function keysetPage<Row, Entry>(
  db: Queryable,
  listing: KeysetListing<Row, Entry>,
  args: { environmentId: string; pageSize: number; after?: KeysetPosition | null; before?: KeysetPosition | null },
): Promise<KeysetPage<Entry>> {
  const { environmentId, pageSize, after = null, before = null } = args;
  if (after && before) throw new Error(`listing ${listing.table} takes after or before, not both`);
  // Reading towards older rows (the first page, or after a cursor) or towards newer ones (before a
  // cursor, then reversed). One row more than the page tells whether another page follows that way.
  const where = whereOf(listing, environmentId);
  if (after) where.beyond(after, '<');
  if (before) where.beyond(before, '>');
  const direction = before ? 'ASC' : 'DESC';
  const order = [listing.atColumn, ...(listing.idColumns ?? ['id'])].map((column) => `${column} ${direction}`).join(', ');
  const rows = await db.$queryRawUnsafe<Row[]>(
    `SELECT ${listing.columns} FROM ${listing.table} WHERE ${where.sql} ORDER BY ${order} LIMIT ${where.bind(pageSize + 1, 'int')}`,
    ...where.params,
  );
  const more = rows.length > pageSize;
  const entries = rows.slice(0, pageSize).map(listing.toEntry);
  if (before) entries.reverse();
  if (entries.length === 0) return { entries, after: null, before: null };

  const first = listing.positionOf(entries[0] as Entry);
  const last = listing.positionOf(entries[entries.length - 1] as Entry);
  // Towards the cursor's side, look whether anything is there (rows may have gone since).
  const anyBeyond = async (position: KeysetPosition, comparison: '<' | '>') => {
    const probe = whereOf(listing, environmentId).beyond(position, comparison);
    const found = await db.$queryRawUnsafe<{ found: boolean }[]>(`SELECT EXISTS (SELECT 1 FROM ${listing.table} WHERE ${probe.sql}) AS found`, ...probe.params);
    return found[0]?.found === true;
  };
  if (before) return { entries, before: more ? first : null, after: (await anyBeyond(last, '<')) ? last : null };
  return { entries, after: more ? last : null, before: after && (await anyBeyond(first, '>')) ? first : null };
}
