import { Router, type Request } from 'express';
import { channelDataAsAnswered, validateChannelDataRequest, validateChannelId } from '@prefs/core';
import { getChannelData, setChannelData, unsetChannelData, type Database, type StoredChannelData } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';
import { RECIPIENT_PATHS, type RecipientPath } from '../recipient-requests';

/**
 * Knock's channel data of a recipient: get, set (replacing that channel's data) and unset. One router for
 * every kind of recipient: `recipientOf` reads who it is from the path, so objects mount the same
 * handlers under `/objects/:collection/:object_id`.
 */

type ChannelDataParams = { channel_id: string } & Record<string, string>;

function channelIdOf(req: Request<ChannelDataParams>): string {
  const channelId = validateChannelId(req.params.channel_id, 'channel_id');
  if (!channelId.ok) throw new InvalidParams(channelId.errors);
  return channelId.value;
}

/** Knock's `ChannelData` answer. */
const toChannelDataResource = (stored: StoredChannelData) => ({ __typename: 'ChannelData', channel_id: stored.channelId, data: channelDataAsAnswered(stored.data) });

export function channelDataRouter(deps: { db: Database }, paths: readonly RecipientPath[] = RECIPIENT_PATHS): Router {
  const { db } = deps;
  const router = Router();
  for (const path of paths) {
    const route = `${path.prefix}/channel_data/:channel_id`;

    router.get(route, async (req: Request<ChannelDataParams>, res) => {
      const recipient = path.recipientOf(req.params);
      const stored = await getChannelData(db, environmentOf(res.locals).environmentId, recipient, channelIdOf(req));
      if (!stored) throw new NotFound('No channel data is stored for this recipient and channel');
      res.json(toChannelDataResource(stored));
    });

    router.put(route, async (req: Request<ChannelDataParams>, res) => {
      const recipient = path.recipientOf(req.params);
      const channelId = channelIdOf(req);
      const body = validateChannelDataRequest(req.body);
      if (!body.ok) throw new InvalidParams(body.errors);
      const stored = await setChannelData(db, environmentOf(res.locals).environmentId, recipient, { [channelId]: body.value });
      const written = stored.get(channelId);
      if (!written) throw new Error(`channel data for ${channelId} was not returned by its write`);
      res.json(toChannelDataResource(written));
    });

    // Unsetting data that is not stored is done all the same (recipients.md: deletes of nothing succeed).
    router.delete(route, async (req: Request<ChannelDataParams>, res) => {
      const recipient = path.recipientOf(req.params);
      await unsetChannelData(db, environmentOf(res.locals).environmentId, recipient, channelIdOf(req));
      res.status(204).end();
    });
  }
  return router;
}
