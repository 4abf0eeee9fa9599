import { Router } from 'express';
import { isStorableText, MAX_STORED_PROPERTIES, MAX_STORED_PROPERTIES_BYTES, MAX_TENANT_NAME_LENGTH, StoredPropertiesLimitError, resolveTenantPreferenceSet, toTenantResource, validateSetId, validateTenantInput, type FieldError, type TenantRecord } from '@prefs/core';
import { deleteTenant, getEnvironmentDefaults, getTenant, listTenants, setTenant, type Database, type TenantPosition } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';
import { decodePageCursor, encodePageCursor } from '../page-cursor';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './bulk-operations';

interface ListQuery {
  pageSize: number;
  name: string | null;
  tenantId: string | null;
  after: TenantPosition | null;
  before: TenantPosition | null;
}

/** One query parameter given at most once, as a string; otherwise a 422 naming it. */
function textParam(query: Record<string, unknown>, field: string, errors: FieldError[]): string | null {
  const value = query[field];
  if (value === undefined) return null;
  if (typeof value === 'string') return value;
  errors.push({ field, message: `${field} must be given once, as a string`, type: 'isString' });
  return null;
}

/** Reads `page_size`, `after`, `before`, `name` and `tenant_id`, naming every bad one (422). */
function readListQuery(query: Record<string, unknown>): ListQuery {
  const errors: FieldError[] = [];
  let pageSize = DEFAULT_PAGE_SIZE;
  const rawPageSize = textParam(query, 'page_size', errors);
  if (rawPageSize !== null) {
    pageSize = /^\d{1,3}$/.test(rawPageSize) ? Number(rawPageSize) : NaN;
    if (!(pageSize >= 1 && pageSize <= MAX_PAGE_SIZE)) {
      errors.push({ field: 'page_size', message: `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}`, type: 'max' });
    }
  }
  const cursor = (field: 'after' | 'before') => {
    const raw = textParam(query, field, errors);
    if (raw === null) return null;
    // A tenant id of 255 characters of up to 4 UTF-8 bytes each, JSON-escaped, in base64: well under 4,096.
    const decoded = decodePageCursor(raw, 4096, (id) => validateSetId(id) === null);
    const position: TenantPosition | null = decoded && { createdAt: decoded.at, id: decoded.id };
    if (!position) errors.push({ field, message: `${field} must be a cursor from a previous page_info`, type: 'invalidCursor' });
    return position;
  };
  const after = cursor('after');
  const before = cursor('before');
  if (query.after !== undefined && query.before !== undefined) errors.push({ field: 'before', message: 'give after or before, not both', type: 'conflict' });
  const name = textParam(query, 'name', errors);
  const tenantId = textParam(query, 'tenant_id', errors);
  if (name !== null && (name.length > MAX_TENANT_NAME_LENGTH || !isStorableText(name))) {
    errors.push({ field: 'name', message: `name must be at most ${MAX_TENANT_NAME_LENGTH} characters, without NUL or unpaired surrogates`, type: 'invalid_value' });
  }
  const idError = tenantId === null ? null : validateSetId(tenantId, 'tenant_id');
  if (idError) errors.push(idError);
  if (errors.length > 0) throw new InvalidParams(errors);
  return { pageSize, name, tenantId, after, before };
}

/** `resolve_full_preference_settings`: absent or `false` reads the tenant's own set; `true` merges it over the environment's. */
function readResolve(query: Record<string, unknown>): boolean {
  const value = query.resolve_full_preference_settings;
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new InvalidParams([
    { field: 'resolve_full_preference_settings', message: 'resolve_full_preference_settings must be true or false', type: 'isBoolean' },
  ]);
}

function checkTenantId(id: string): void {
  const error = validateSetId(id);
  if (error) throw new InvalidParams([error]);
}

/** Knock's tenants: set (create or update), read, list and remove. */
export function tenantsRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  async function render(environmentId: string, tenant: TenantRecord, resolve: boolean) {
    if (!resolve) return toTenantResource(tenant);
    return toTenantResource(tenant, resolveTenantPreferenceSet(await getEnvironmentDefaults(db, environmentId), tenant.preferenceSet));
  }

  router.get('/tenants', async (req, res) => {
    const query = readListQuery(req.query as Record<string, unknown>);
    const page = await listTenants(db, { environmentId: environmentOf(res.locals).environmentId, ...query });
    res.json({
      entries: page.entries.map((tenant) => toTenantResource(tenant)),
      page_info: {
        __typename: 'PageInfo',
        after: page.after ? encodePageCursor(page.after.createdAt, page.after.id) : null,
        before: page.before ? encodePageCursor(page.before.createdAt, page.before.id) : null,
        page_size: query.pageSize,
      },
    });
  });

  router.get('/tenants/:id', async (req, res) => {
    const id = req.params.id;
    checkTenantId(id);
    const resolve = readResolve(req.query as Record<string, unknown>);
    const { environmentId } = environmentOf(res.locals);
    const tenant = await getTenant(db, environmentId, id);
    if (!tenant) throw new NotFound('No tenant has this id');
    res.json(await render(environmentId, tenant, resolve));
  });

  router.put('/tenants/:id', async (req, res) => {
    const id = req.params.id;
    checkTenantId(id);
    const resolve = readResolve(req.query as Record<string, unknown>);
    const result = validateTenantInput(req.body === undefined ? {} : req.body, id);
    if (!result.ok) throw new InvalidParams(result.errors);
    const { environmentId } = environmentOf(res.locals);
    const tenant = await setTenant(db, environmentId, result.value).catch((error: unknown) => {
      if (!(error instanceof StoredPropertiesLimitError)) throw error;
      throw new InvalidParams([
        { field: 'body', message: `a tenant may hold at most ${MAX_STORED_PROPERTIES} properties and ${MAX_STORED_PROPERTIES_BYTES} bytes of them; remove some (set them to null) first`, type: 'too_large' },
      ]);
    });
    res.json(await render(environmentId, tenant, resolve));
  });

  router.delete('/tenants/:id', async (req, res) => {
    const id = req.params.id;
    checkTenantId(id);
    if (!(await deleteTenant(db, environmentOf(res.locals).environmentId, id))) throw new NotFound('No tenant has this id');
    res.status(204).end();
  });

  return router;
}
