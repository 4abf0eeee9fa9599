/**
 * What a public key (with a user token) may reach: the signed-in user's own preferences and profile, and
 * nothing else. This table is the one place that says so; the auth middleware refuses (403) every other
 * method and path before routing, so a route added later is secret-key only unless it is listed here.
 */
export type Grant = 'preferences/read' | 'preferences/write' | 'user/read' | 'user/write';

export type PublicMethod = 'GET' | 'PUT';

interface PublicRoute {
  method: PublicMethod;
  /** Path segments under `/v1`; `:user` and `:set` capture a segment. */
  segments: string[];
  grant: Grant;
  /** A preference write: a tenant grant limits it to that tenant's set. */
  preferenceWrite?: boolean;
  /** The effective set: a set id other than `default` reads that tenant's layer, as `?tenant=` does. */
  tenantLayer?: boolean;
  /** Identify: the body may carry properties only, no key starting with `__`. */
  identify?: boolean;
}

const PUBLIC_ROUTES: PublicRoute[] = [
  { method: 'GET', segments: ['users', ':user', 'preferences'], grant: 'preferences/read' },
  { method: 'GET', segments: ['users', ':user', 'preferences', ':set'], grant: 'preferences/read' },
  { method: 'PUT', segments: ['users', ':user', 'preferences', ':set'], grant: 'preferences/write', preferenceWrite: true },
  // Knock's granular PUTs (its browser SDK's setChannelTypes, setWorkflow and the like): writes of the set.
  ...(['channel_types', 'workflows', 'categories'] as const).flatMap((field): PublicRoute[] => [
    { method: 'PUT', segments: ['users', ':user', 'preferences', ':set', field], grant: 'preferences/write', preferenceWrite: true },
    { method: 'PUT', segments: ['users', ':user', 'preferences', ':set', field, ':key'], grant: 'preferences/write', preferenceWrite: true },
  ]),
  { method: 'GET', segments: ['users', ':user', 'preferences', ':set', 'effective'], grant: 'preferences/read', tenantLayer: true },
  // Knock's preference-center config, which its docs show read from a browser.
  { method: 'GET', segments: ['users', ':user', 'preference_center', 'config'], grant: 'preferences/read' },
  { method: 'GET', segments: ['users', ':user'], grant: 'user/read' },
  { method: 'PUT', segments: ['users', ':user'], grant: 'user/write', identify: true },
];

export interface PublicRouteMatch {
  route: PublicRoute;
  userId: string;
  setId?: string;
}

/**
 * Splits a path (relative to `/v1`, still percent-encoded) the way Express routes it: literal segments
 * compared raw and case-insensitively, captured segments percent-decoded, one trailing slash allowed.
 * A path Express would route to a listed pattern therefore yields the same user id it hands the route.
 */
function captureSegments(path: string, pattern: string[]): Record<string, string> | null {
  const parts = path.split('/');
  if (parts[0] !== '') return null;
  parts.shift();
  if (parts.length === pattern.length + 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== pattern.length) return null;
  const captured: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index += 1) {
    const expected = pattern[index];
    const actual = parts[index];
    if (expected.startsWith(':')) {
      if (actual === '') return null;
      try {
        captured[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (actual.toLowerCase() !== expected) {
      return null;
    }
  }
  return captured;
}

/** The listed route for this method and path, with its captured user and set, or null. HEAD is GET. */
export function matchPublicRoute(method: string, path: string): PublicRouteMatch | null {
  const normalized = method === 'HEAD' ? 'GET' : method;
  for (const route of PUBLIC_ROUTES) {
    if (route.method !== normalized) continue;
    const captured = captureSegments(path, route.segments);
    if (captured) return { route, userId: captured.user, setId: captured.set };
  }
  return null;
}

/** The methods a public key may use on this path (for CORS preflights); empty when none. */
export function publicMethodsFor(path: string): PublicMethod[] {
  const methods = new Set<PublicMethod>();
  for (const route of PUBLIC_ROUTES) if (captureSegments(path, route.segments)) methods.add(route.method);
  return [...methods];
}
