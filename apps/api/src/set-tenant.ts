import { DEFAULT_SET_ID, validateSetId } from '@prefs/core';
import { InvalidParams } from './errors';

/**
 * The tenant whose layers a user's set is read with (its effective set, or its defaults when not stored): `?tenant=`, or else the set id when it names a tenant. A set id that
 * names another tenant than `?tenant=` is refused: the user's set for one tenant is not a layer of another.
 */
export function tenantOfSet(setId: string, query: unknown): string | null {
  if (query !== undefined && typeof query !== 'string') {
    throw new InvalidParams([{ field: 'tenant', message: 'tenant must be given once, as a tenant id', type: 'invalid_type' }]);
  }
  if (query !== undefined) {
    const problem = validateSetId(query, 'tenant');
    if (problem !== null) throw new InvalidParams([problem]);
    if (setId !== DEFAULT_SET_ID && setId !== query) {
      throw new InvalidParams([{ field: 'tenant', message: `tenant must be the set id (${setId}) or absent, for a tenant's set`, type: 'invalid_value' }]);
    }
    return query;
  }
  return setId === DEFAULT_SET_ID ? null : setId;
}
