import { MAX_BULK_ITEMS, validateBulkDeleteTenants } from '../src';

const fields = (queryIds: string[], body?: unknown) => {
  const result = validateBulkDeleteTenants(queryIds, body);
  return result.ok ? [] : result.errors.map((error) => error.field);
};
const ids = (count: number) => Array.from({ length: count }, (_, index) => `t${index}`);

describe('the tenant ids of a bulk tenants delete', () => {
  it('come from the query (as the SDK sends them) or a body { tenant_ids }, distinct and sorted', () => {
    expect(validateBulkDeleteTenants(['b', 'a', 'b'], undefined)).toEqual({ ok: true, value: ['a', 'b'] });
    expect(validateBulkDeleteTenants(['only'], {})).toEqual({ ok: true, value: ['only'] });
    expect(validateBulkDeleteTenants([], { tenant_ids: ['d', 'c'] })).toEqual({ ok: true, value: ['c', 'd'] });
  });

  it('never from both, and the body holds nothing else', () => {
    expect(fields(['a'], { tenant_ids: ['b'] })).toEqual(['tenant_ids']);
    expect(fields([], { tenant_ids: ['b'], user_ids: ['u'] })).toEqual(['user_ids']);
    expect(fields([], { tenant_ids: 'b' })).toEqual(['tenant_ids']);
    expect(fields([], [])).toEqual(['body']);
  });

  it(`are 1 to ${MAX_BULK_ITEMS}, counted as sent`, () => {
    expect(validateBulkDeleteTenants(ids(MAX_BULK_ITEMS), undefined).ok).toBe(true);
    expect(fields(ids(MAX_BULK_ITEMS + 1))).toEqual(['tenant_ids']);
    expect(fields([], { tenant_ids: ['x', ...ids(MAX_BULK_ITEMS)] })).toEqual(['tenant_ids']);
    expect(fields([])).toEqual(['tenant_ids']);
    expect(fields([], { tenant_ids: [] })).toEqual(['tenant_ids']);
  });

  it('each named by its place when bad', () => {
    expect(fields(['ok', '', 'a\u0001b', 'x'.repeat(256)])).toEqual(['tenant_ids.1', 'tenant_ids.2', 'tenant_ids.3']);
    expect(fields([], { tenant_ids: ['ok', 7] })).toEqual(['tenant_ids.1']);
  });
});
