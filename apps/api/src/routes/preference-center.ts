import { Router } from 'express';
import { validatePreferenceCenterLayout } from '@prefs/core';
import { getPreferenceCenterLayout, putPreferenceCenterLayout, type Database, type StoredPreferenceCenterLayout } from '@prefs/db';
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

/** The preference center's layout for the environment (secret key): PUT replaces it, GET reads it. */
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

  return router;
}
