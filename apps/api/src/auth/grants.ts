import { DEFAULT_SET_ID, isPlainObject } from '@prefs/core';
import type { Grant, PublicRouteMatch } from './public-routes';

/**
 * The rights a user token carries. Without a `grants` claim: every right of the public-route table, for
 * no tenant (so no tenant set and no tenant layer).
 * With one: the grants listed for the token's own user (`/v1/users/<sub>`) and for tenants
 * (`/v1/objects/$tenants/<id>`, as `@knocklabs/node` writes them, or `/v1/tenants/<id>`, as Knock's docs
 * show them). Grant entries for other users or other objects give nothing.
 */
export type TokenRights = { all: true } | { all: false; user: Set<string>; tenants: Map<string, Set<string>> };

/** Thrown for a `grants` claim that is not an object of objects: the token is not valid. */
export class InvalidGrants extends Error {
  override readonly name = 'InvalidGrants';
}

/** An entity URI's path segments; the scheme and host, when present, are ignored. */
function entitySegments(entity: string): string[] {
  const path = entity.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  return path.split('/').slice(1);
}

/** The segment as written, or percent-decoded when that differs: either may name the id. */
function segmentNames(segment: string, id: string): boolean {
  if (segment === id) return true;
  try {
    return decodeURIComponent(segment) === id;
  } catch {
    return false;
  }
}

function tenantOf(segments: string[]): string | null {
  if (segments.length === 4 && segments[0] === 'v1' && segments[1] === 'objects' && segments[2] === '$tenants' && segments[3] !== '') {
    return segments[3];
  }
  if (segments.length === 3 && segments[0] === 'v1' && segments[1] === 'tenants' && segments[2] !== '') return segments[2];
  return null;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function parseGrants(claim: unknown, userId: string): TokenRights {
  if (claim === undefined) return { all: true };
  if (!isPlainObject(claim)) throw new InvalidGrants('the "grants" claim must be an object keyed by resource URI');
  const user = new Set<string>();
  const tenants = new Map<string, Set<string>>();
  for (const [entity, grants] of Object.entries(claim)) {
    if (!isPlainObject(grants)) throw new InvalidGrants(`the grants of "${entity}" must be an object keyed by grant`);
    const segments = entitySegments(entity);
    const tenant = tenantOf(segments);
    if (segments.length === 3 && segments[0] === 'v1' && segments[1] === 'users' && segmentNames(segments[2], userId)) {
      for (const grant of Object.keys(grants)) user.add(grant);
    } else if (tenant !== null) {
      const names = tenants.get(decoded(tenant)) ?? new Set<string>();
      for (const grant of Object.keys(grants)) names.add(grant);
      tenants.set(decoded(tenant), names);
    }
  }
  return { all: false, user, tenants };
}

/** The tenants a token's grants name; a token without `grants` names none. */
function namesTenant(rights: TokenRights, tenant: string): boolean {
  return !rights.all && rights.tenants.has(tenant);
}

/** Tenant ids as a set id or `?tenant=` carry them, quoted for a message. */
function quoted(ids: Iterable<string>): string {
  return [...ids].map((id) => `"${id}"`).join(', ');
}

/**
 * Null when the rights allow the matched request, else why not (for the 403's message). `queryTenants`:
 * the request's `?tenant=` values. A preference write goes only to the `default` set or the set of a tenant
 * the grants name (so a token cannot make sets without end); `?tenant=T` (and the effective set of set T),
 * which reads T's layer, needs grants that name T. Both hold for a token without `grants` too: it names no tenant.
 */
export function refusal(rights: TokenRights, match: PublicRouteMatch, queryTenants: string[] = []): string | null {
  const grant: Grant = match.route.grant;
  const setId = match.setId;
  const named = rights.all ? [] : [...rights.tenants.keys()];
  if (match.route.preferenceWrite && setId !== DEFAULT_SET_ID && (setId === undefined || !namesTenant(rights, setId))) {
    return `A user token may write only the "default" set${named.length > 0 ? ` and the sets of its tenants ${quoted(named)}` : ''}; its grants name no tenant "${setId ?? ''}"`;
  }
  const layers = match.route.tenantLayer && setId !== undefined && setId !== DEFAULT_SET_ID ? [...queryTenants, setId] : queryTenants;
  const unnamed = [...new Set(layers)].filter((tenant) => !namesTenant(rights, tenant));
  if (unnamed.length > 0) return `The user token's grants do not name the tenant ${quoted(unnamed)}; a tenant's layer needs a grant for it`;
  if (rights.all) return null;
  if (rights.user.has(grant)) return null;
  if (setId !== undefined && rights.tenants.get(setId)?.has(grant)) return null;
  for (const tenant of layers) if (rights.tenants.get(tenant)?.has(grant)) return null;
  return `The user token does not grant "${grant}"`;
}
