import { Router } from 'express';
import { isStorableText, MAX_STORED_PROPERTIES, MAX_STORED_PROPERTIES_BYTES, MAX_TENANT_NAME_LENGTH, StoredPropertiesLimitError, resolveTenantPreferenceSet, toTenantResource, validateSetId, validateTenantInput, type TenantRecord } from '@prefs/core';
import { deleteTenant, getEnvironmentDefaults, getTenant, listTenants, setTenant, type Database, type TenantPosition } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, invalidParams, NotFound } from '../errors';
import { pageInfo, QueryReader, type Listing, type PageQuery } from '../page-query';

/** Tenants page by (created_at, id); an id is a set id. */
const TENANTS: Listing<TenantPosition> = {
  // A tenant id of 255 characters of up to 4 UTF-8 bytes each, JSON-escaped, in base64: well under 4,096.
  cursorMaxLength: 4096,
  isId: (id) => validateSetId(id) === null,
  backward: true,
  position: (at, id) => ({ createdAt: at, id }),
  at: (position) => position.createdAt,
};

interface ListQuery extends PageQuery<TenantPosition> {
  name: string | null;
  tenantId: string | null;
}

/** Reads `page_size`, `after`, `before`, `name` and `tenant_id`, naming every bad one (422). */
function readListQuery(raw: Record<string, unknown>): ListQuery {
  const query = new QueryReader(raw);
  const page = query.page(TENANTS);
  const name = query.text('name');
  const tenantId = query.text('tenant_id');
  if (name !== null && (name.length > MAX_TENANT_NAME_LENGTH || !isStorableText(name))) {
    query.refuse({ field: 'name', message: `name must be at most ${MAX_TENANT_NAME_LENGTH} characters, without NUL or unpaired surrogates`, type: 'invalid_value' });
  }
  const idError = tenantId === null ? null : validateSetId(tenantId, 'tenant_id');
  if (idError) query.refuse(idError);
  query.done();
  return { ...page, name, tenantId };
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
    const query = readListQuery(req.query);
    const page = await listTenants(db, { environmentId: environmentOf(res.locals).environmentId, ...query });
    res.json({ entries: page.entries.map((tenant) => toTenantResource(tenant)), page_info: pageInfo(TENANTS, page, query.pageSize) });
  });

  router.get('/tenants/:id', async (req, res) => {
    const id = req.params.id;
    checkTenantId(id);
    const resolve = readResolve(req.query);
    const { environmentId } = environmentOf(res.locals);
    const tenant = await getTenant(db, environmentId, id);
    if (!tenant) throw new NotFound('No tenant has this id');
    res.json(await render(environmentId, tenant, resolve));
  });

  router.put('/tenants/:id', async (req, res) => {
    const id = req.params.id;
    checkTenantId(id);
    const resolve = readResolve(req.query);
    const result = validateTenantInput(req.body === undefined ? {} : req.body, id);
    if (!result.ok) throw invalidParams(result.errors);
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
    // Deleting what does not exist succeeds (recipients.md), as Knock answers.
    await deleteTenant(db, environmentOf(res.locals).environmentId, id);
    res.status(204).end();
  });

  return router;
}
