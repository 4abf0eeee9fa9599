import type { ChannelDataValue, RecipientReference } from '@prefs/core';
import type { Queryable } from './client';

/** One recipient's data for one channel, as stored. */
export interface StoredChannelData {
  channelId: string;
  data: ChannelDataValue;
  updatedAt: string;
}

interface ChannelDataRow {
  channel_id: string;
  data: ChannelDataValue;
  updated_at: Date;
}

const toStored = (row: ChannelDataRow): StoredChannelData => ({ channelId: row.channel_id, data: row.data, updatedAt: row.updated_at.toISOString() });

/** A recipient's data for a channel; null when none is stored. */
export async function getChannelData(db: Queryable, environmentId: string, recipient: RecipientReference, channelId: string): Promise<StoredChannelData | null> {
  const rows = await db.$queryRawUnsafe<ChannelDataRow[]>(
    `SELECT channel_id::text, data, updated_at FROM channel_data
     WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3 AND channel_id = $4::uuid`,
    environmentId,
    recipient.collection,
    recipient.id,
    channelId,
  );
  return rows[0] ? toStored(rows[0]) : null;
}

/**
 * Sets a recipient's data for channels (one from `PUT .../channel_data/:channel_id`, or an inline
 * `channel_data` map) in one statement: each channel's data replaces what was stored for it, as Knock's
 * set does. Returns what is stored, by channel id.
 */
export async function setChannelData(
  db: Queryable,
  environmentId: string,
  recipient: RecipientReference,
  byChannel: Record<string, ChannelDataValue>,
): Promise<Map<string, StoredChannelData>> {
  const entries = Object.entries(byChannel);
  if (entries.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<ChannelDataRow[]>(
    `INSERT INTO channel_data AS stored (environment_id, recipient_collection, recipient_id, channel_id, data)
     SELECT $1::uuid, $2, $3, entry.key::uuid, entry.value FROM jsonb_each($4::jsonb) AS entry ORDER BY entry.key
     ON CONFLICT (environment_id, recipient_collection, recipient_id, channel_id)
     DO UPDATE SET data = EXCLUDED.data, updated_at = now()
     RETURNING channel_id::text, data, updated_at`,
    environmentId,
    recipient.collection,
    recipient.id,
    JSON.stringify(Object.fromEntries(entries)),
  );
  return new Map(rows.map((row) => [row.channel_id, toStored(row)]));
}

/** Removes a recipient's data for a channel; false when there was none (which callers treat as done). */
export async function unsetChannelData(db: Queryable, environmentId: string, recipient: RecipientReference, channelId: string): Promise<boolean> {
  const removed = await db.$executeRawUnsafe(
    `DELETE FROM channel_data WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3 AND channel_id = $4::uuid`,
    environmentId,
    recipient.collection,
    recipient.id,
    channelId,
  );
  return removed > 0;
}
