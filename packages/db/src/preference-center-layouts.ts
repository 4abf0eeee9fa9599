import type { PreferenceCenterLayout } from '@prefs/core';
import type { Queryable } from './client';

export interface StoredPreferenceCenterLayout {
  layout: PreferenceCenterLayout;
  updatedAt: string;
}

export async function getPreferenceCenterLayout(db: Queryable, environmentId: string): Promise<StoredPreferenceCenterLayout | null> {
  const rows = await db.$queryRawUnsafe<{ layout: PreferenceCenterLayout; updated_at: Date }[]>(
    'SELECT layout, updated_at FROM preference_center_layouts WHERE environment_id = $1::uuid',
    environmentId,
  );
  return rows[0] ? { layout: rows[0].layout, updatedAt: rows[0].updated_at.toISOString() } : null;
}

/** Replaces the environment's layout whole. */
export async function putPreferenceCenterLayout(db: Queryable, environmentId: string, layout: PreferenceCenterLayout): Promise<StoredPreferenceCenterLayout> {
  const rows = await db.$queryRawUnsafe<{ layout: PreferenceCenterLayout; updated_at: Date }[]>(
    `INSERT INTO preference_center_layouts (environment_id, layout) VALUES ($1::uuid, $2::jsonb)
     ON CONFLICT (environment_id) DO UPDATE SET layout = EXCLUDED.layout, updated_at = now()
     RETURNING layout, updated_at`,
    environmentId,
    JSON.stringify(layout),
  );
  return { layout: rows[0].layout, updatedAt: rows[0].updated_at.toISOString() };
}
