import { UUID } from '@prefs/core';
import { InvalidParams } from '../src/errors';
import { DEFAULT_PAGE_SIZE, pageInfo, QueryReader, type Listing } from '../src/page-query';

/** The one reader of listing queries: page size, cursors, and every bad parameter in one 422. */

interface Position {
  createdAt: string;
  id: string;
}

const listing = (backward: boolean): Listing<Position> => ({
  cursorMaxLength: 200,
  isId: (id) => UUID.test(id),
  backward,
  position: (at, id) => ({ createdAt: at, id }),
  at: (position) => position.createdAt,
});
const ROWS = listing(true);
const ID = '0b5e7a52-3c1f-4d39-9a4e-2f1d8c6b7a90';

function fieldsOf(query: Record<string, unknown>, forwardOnly = false): string[] {
  const reader = new QueryReader(query);
  reader.page(forwardOnly ? listing(false) : ROWS);
  try {
    reader.done();
    return [];
  } catch (error) {
    if (!(error instanceof InvalidParams)) throw error;
    return (error.body().errors as { field: string }[]).map((problem) => problem.field);
  }
}

describe('QueryReader.page', () => {
  it('reads back the cursors of page_info, with Knock\'s default page size', () => {
    const info = pageInfo(ROWS, { after: { createdAt: '2026-12-03T10:00:00.123Z', id: ID }, before: null }, 7);
    expect(info).toMatchObject({ __typename: 'PageInfo', before: null, page_size: 7 });
    const page = new QueryReader({ after: info.after }).page(ROWS);
    expect(page).toEqual({ pageSize: DEFAULT_PAGE_SIZE, after: { createdAt: '2026-12-03T10:00:00.123Z', id: ID }, before: null });
  });

  it('refuses a page size out of 1 to 50, a forged cursor, and both cursors, naming each', () => {
    const forged = Buffer.from(JSON.stringify(['yesterday', ID])).toString('base64url');
    const notAnId = Buffer.from(JSON.stringify(['2026-12-03T10:00:00.123Z', 'x'])).toString('base64url');
    expect(fieldsOf({ page_size: '0' })).toEqual(['page_size']);
    expect(fieldsOf({ page_size: '51' })).toEqual(['page_size']);
    expect(fieldsOf({ page_size: ['1', '2'] })).toEqual(['page_size']);
    expect(fieldsOf({ after: forged })).toEqual(['after']);
    expect(fieldsOf({ before: notAnId })).toEqual(['before']);
    expect(fieldsOf({ after: 'a'.repeat(201) })).toEqual(['after']);
    const cursor = pageInfo(ROWS, { after: { createdAt: '2026-12-03T10:00:00.123Z', id: ID }, before: null }, 1).after;
    expect(fieldsOf({ after: cursor, before: cursor })).toEqual(['before']);
  });

  it('leaves `before` unread for a listing that pages forwards only', () => {
    expect(fieldsOf({ before: 'not-a-cursor' }, true)).toEqual([]);
    expect(new QueryReader({ before: 'x' }).page(listing(false)).before).toBeNull();
  });
});
