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

/** Data of recipients for channels, to be written: each replaces what was stored for that channel. */
export interface ChannelDataWrite {
  recipient: RecipientReference;
  byChannel: Record<string, ChannelDataValue>;
}

/**
 * Sets the data of recipients for channels (an inline `channel_data` map of each, or one channel of one
 * recipient) in one statement, in key order so that concurrent writers lock rows in one order. A
 * (recipient, channel) given twice takes the later data, as writing them in turn would. Returns what is
 * stored.
 */
export async function writeChannelData(db: Queryable, environmentId: string, writes: ChannelDataWrite[]): Promise<(StoredChannelData & { recipient: RecipientReference })[]> {
  const rows = new Map<string, { collection: string; id: string; channel_id: string; data: ChannelDataValue }>();
  for (const { recipient, byChannel } of writes) {
    for (const [channelId, data] of Object.entries(byChannel)) {
      rows.set(JSON.stringify([recipient.collection, recipient.id, channelId]), { collection: recipient.collection, id: recipient.id, channel_id: channelId, data });
    }
  }
  if (rows.size === 0) return [];
  const stored = await db.$queryRawUnsafe<(ChannelDataRow & { recipient_collection: string; recipient_id: string })[]>(
    `INSERT INTO channel_data AS stored (environment_id, recipient_collection, recipient_id, channel_id, data)
     SELECT $1::uuid, sent.collection, sent.id, sent.channel_id::uuid, sent.data
     FROM jsonb_to_recordset($2::jsonb) AS sent(collection text, id text, channel_id text, data jsonb)
     ORDER BY sent.collection, sent.id, sent.channel_id::uuid
     ON CONFLICT (environment_id, recipient_collection, recipient_id, channel_id)
     DO UPDATE SET data = EXCLUDED.data, updated_at = now()
     RETURNING recipient_collection, recipient_id, channel_id::text, data, updated_at`,
    environmentId,
    JSON.stringify([...rows.values()]),
  );
  return stored.map((row) => ({ ...toStored(row), recipient: { collection: row.recipient_collection, id: row.recipient_id } }));
}

/** Sets one recipient's data for channels (`PUT .../channel_data/:channel_id`); what is stored, by channel id. */
export async function setChannelData(
  db: Queryable,
  environmentId: string,
  recipient: RecipientReference,
  byChannel: Record<string, ChannelDataValue>,
): Promise<Map<string, StoredChannelData>> {
  const stored = await writeChannelData(db, environmentId, [{ recipient, byChannel }]);
  return new Map(stored.map((row) => [row.channelId, { channelId: row.channelId, data: row.data, updatedAt: row.updatedAt }]));
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
