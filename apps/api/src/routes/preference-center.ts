import { Router } from 'express';
import { defaultPreferenceCenterLayout, isIdText, LIMITS, toKnockPreferenceCenterConfig, validateUserId } from '@prefs/core';
import { validatePreferenceCenterLayout } from '@prefs/core';
import { getEnvironmentDefaults, getPreferenceCenterLayout, getTenant, getUser, putPreferenceCenterLayout, type Database, type StoredPreferenceCenterLayout } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';

function toResource(stored: StoredPreferenceCenterLayout) {
  const { layout } = stored;
  return {
    __typename: 'PreferenceCenter',
    title: layout.title,
    description: layout.description ?? null,
    rows: layout.rows.map((row) => ({
      key: row.key,
      label: row.label,
      description: row.description ?? null,
      channel_types: row.channel_types ?? null,
    })),
    updated_at: stored.updatedAt,
  };
}

/**
 * The preference center's layout for the environment (secret key): PUT replaces it, GET reads it; and
 * Knock's per-user config of it.
 */
export function preferenceCenterRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  router.put('/preference_center', async (req, res) => {
    const result = validatePreferenceCenterLayout(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    res.json(toResource(await putPreferenceCenterLayout(db, environmentOf(res.locals).environmentId, result.value)));
  });

  router.get('/preference_center', async (_req, res) => {
    const stored = await getPreferenceCenterLayout(db, environmentOf(res.locals).environmentId);
    if (!stored) throw new NotFound('No preference center layout is set: the page shows the default set\'s categories and workflows');
    res.json(toResource(stored));
  });

  // Knock's `getPreferenceCenterConfig`, for a user (secret key, or a public key with that user's token);
  // `?tenant=` (an extension) brings that tenant's branding and name, as the page shows them.
  router.get('/users/:userId/preference_center/config', async (req, res) => {
    const userId = req.params.userId as string;
    const userError = validateUserId(userId);
    if (userError) throw new InvalidParams([userError]);
    const tenantId = req.query.tenant;
    if (tenantId !== undefined && (typeof tenantId !== 'string' || !isIdText(tenantId))) {
      throw new InvalidParams([{ field: 'tenant', message: `tenant must be given once, 1 to ${LIMITS.idLength} characters without control characters`, type: 'invalid_value' }]);
    }
    const environmentId = environmentOf(res.locals).environmentId;
    const [stored, environmentDefault, user, tenant] = await Promise.all([
      getPreferenceCenterLayout(db, environmentId),
      getEnvironmentDefaults(db, environmentId),
      getUser(db, environmentId, userId),
      tenantId === undefined ? null : getTenant(db, environmentId, tenantId),
    ]);
    const email = user?.properties.email;
    res.json(
      toKnockPreferenceCenterConfig({
        layout: stored?.layout ?? defaultPreferenceCenterLayout(environmentDefault),
        branding: tenant?.branding ?? null,
        accountName: tenant?.name ?? null,
        userLabel: typeof email === 'string' ? email : userId,
      }),
    );
  });

  return router;
}
