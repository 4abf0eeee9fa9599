import type { Request, Response } from 'express';
import { keyPrefixOf, type ChangeSource } from '@prefs/db';
import { principalOf } from './auth';

/**
 * Who makes a change through the API, as the consent history and webhook events name it: `api` and the
 * secret key's prefix (never the key), or `browser` and the user token's `sub`.
 */
export function changeSourceOf(req: Request, res: Response): ChangeSource {
  const principal = principalOf(res.locals);
  if (principal.kind === 'public') return { source: 'browser', actor: principal.userId };
  const key = (req.get('authorization') ?? '').replace(/^Bearer\s+/i, '');
  return { source: 'api', actor: keyPrefixOf(key) };
}
