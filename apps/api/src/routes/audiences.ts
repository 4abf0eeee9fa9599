import { Router, type Request } from 'express';
import { isIdText, MAX_STORED_PROPERTIES, MAX_STORED_PROPERTIES_BYTES, StoredPropertiesLimitError, toUserResource, validateAudienceKey, validateAudienceMembersRequest } from '@prefs/core';
import { addAudienceMembers, listAudienceMembers, removeAudienceMembers, type AudienceMemberPosition, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';
import { pageInfo, QueryReader, type Listing } from '../page-query';

/** Knock's audience members: add (identifying each user), list and remove. */

type AudienceParams = { key: string };

function keyOf(req: Request<AudienceParams>): string {
  const error = validateAudienceKey(req.params.key);
  if (error) throw new InvalidParams([error]);
  return req.params.key;
}

/** A member's place in the listing; its cursor id is the user id and the tenant, one line each (ids hold no control characters). */
type MemberPosition = AudienceMemberPosition & { id: string };
const memberId = (userId: string, tenant: string | null) => `${userId}\n${tenant ?? ''}`;

const MEMBERS: Listing<MemberPosition> = {
  cursorMaxLength: 16_384,
  isId: (id) => {
    const [userId, tenant, extra] = id.split('\n');
    return extra === undefined && userId !== undefined && isIdText(userId) && tenant !== undefined && (tenant === '' || isIdText(tenant));
  },
  backward: false,
  position: (at, id) => {
    const [userId, tenant] = id.split('\n') as [string, string];
    return { addedAt: at, userId, tenant: tenant === '' ? null : tenant, id };
  },
  at: (position) => position.addedAt,
};

function createAudienceOf(query: Record<string, unknown>): boolean {
  const value = query.create_audience;
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new InvalidParams([{ field: 'create_audience', message: 'create_audience must be true or false, given once', type: 'isBoolean' }]);
}

export function audiencesRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  router.post('/audiences/:key/members', async (req: Request<AudienceParams>, res) => {
    const key = keyOf(req);
    const createAudience = createAudienceOf(req.query);
    const body = validateAudienceMembersRequest(req.body);
    if (!body.ok) throw new InvalidParams(body.errors);
    let added: boolean;
    try {
      added = await addAudienceMembers(db, environmentOf(res.locals).environmentId, key, body.value, { createAudience });
    } catch (error) {
      if (!(error instanceof StoredPropertiesLimitError)) throw error;
      throw new InvalidParams(error.ids.map((id) => ({ field: 'members', message: `user ${id} would hold more than ${MAX_STORED_PROPERTIES} properties or ${MAX_STORED_PROPERTIES_BYTES} bytes of them`, type: 'too_large' })));
    }
    if (!added) throw new NotFound('No audience has this key; send create_audience=true to create it');
    res.status(204).end();
  });

  router.get('/audiences/:key/members', async (req: Request<AudienceParams>, res) => {
    const key = keyOf(req);
    const query = new QueryReader(req.query);
    const { pageSize, after } = query.page(MEMBERS);
    query.done();
    const page = await listAudienceMembers(db, environmentOf(res.locals).environmentId, key, { pageSize, after });
    if (!page) throw new NotFound('No audience has this key');
    const next = page.after && { ...page.after, id: memberId(page.after.userId, page.after.tenant) };
    res.json({
      entries: page.entries.map((member) => ({ __typename: 'AudienceMember', added_at: member.addedAt, user_id: member.userId, tenant: member.tenant, user: toUserResource(member.user) })),
      page_info: pageInfo(MEMBERS, { after: next, before: null }, pageSize),
    });
  });

  router.delete('/audiences/:key/members', async (req: Request<AudienceParams>, res) => {
    const key = keyOf(req);
    const body = validateAudienceMembersRequest(req.body);
    if (!body.ok) throw new InvalidParams(body.errors);
    const members = body.value.map((member) => ({ userId: member.user.id, tenant: member.tenant }));
    if (!(await removeAudienceMembers(db, environmentOf(res.locals).environmentId, key, members))) throw new NotFound('No audience has this key');
    res.status(204).end();
  });

  return router;
}
