import { Router } from 'express';
import {
  computeEffectiveSet,
  DEFAULT_SET_ID,
  recipientEvaluator,
  toPreferenceSetResource,
  validateEvaluateRequest,
  validateSetId,
  validateTraceFlag,
  validateUserId,
  type FieldError,
} from '@prefs/core';
import { readEvaluationInputs, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams } from '../errors';
import { sendJsonList } from '../json-list-answer';

/**
 * The effective set of a user and the send decision (extensions of Knock's API): both read the layers
 * (environment default, tenant, the user's sets and properties) in a few set-based statements and decide
 * with the pure functions of `@prefs/core`.
 */

/**
 * The tenant of an effective set: `?tenant=`, or else the set id when it names a tenant. A set id that
 * names another tenant than `?tenant=` is refused: the user's set for one tenant is not a layer of another.
 */
function tenantOf(setId: string, query: unknown): string | null {
  if (query !== undefined && typeof query !== 'string') {
    throw new InvalidParams([{ field: 'tenant', message: 'tenant must be given once, as a tenant id', type: 'invalid_type' }]);
  }
  if (query !== undefined) {
    const problem = validateSetId(query, 'tenant');
    if (problem !== null) throw new InvalidParams([problem]);
    if (setId !== DEFAULT_SET_ID && setId !== query) {
      throw new InvalidParams([{ field: 'tenant', message: `tenant must be the set id (${setId}) or absent, for a tenant's set`, type: 'invalid_value' }]);
    }
    return query;
  }
  return setId === DEFAULT_SET_ID ? null : setId;
}

export function evaluationRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  router.get('/users/:userId/preferences/:setId/effective', async (req, res) => {
    const userId = req.params.userId;
    const setId = req.params.setId;
    const errors = [validateUserId(userId), validateSetId(setId)].filter((error): error is FieldError => error !== null);
    if (errors.length > 0) throw new InvalidParams(errors);
    const tenantId = tenantOf(setId, req.query.tenant);
    const inputs = await readEvaluationInputs(db, environmentOf(res.locals).environmentId, [userId], tenantId);
    const user = inputs.users.get(userId);
    const effective = computeEffectiveSet({
      environment: inputs.environmentDefault,
      tenant: tenantId === null ? null : { id: tenantId, document: inputs.tenant?.preferenceSet ?? null },
      userDefault: user?.defaultSet ?? null,
      userTenant: user?.tenantSet ?? null,
    });
    res.json({ ...toPreferenceSetResource(setId, effective.document), sources: effective.sources });
  });

  router.post('/preferences/evaluate', async (req, res) => {
    const trace = validateTraceFlag(req.query.trace);
    const body = validateEvaluateRequest(req.body);
    const errors = [...(trace.ok ? [] : trace.errors), ...(body.ok ? [] : body.errors)];
    if (!trace.ok || !body.ok) throw new InvalidParams(errors);
    const input = body.value;
    const ids = input.recipients.map((recipient) => recipient.id);
    const scope = { categories: input.workflow.categories, workflowKey: input.workflow.key, channelId: input.channel.id };
    const layers = await readEvaluationInputs(db, environmentOf(res.locals).environmentId, ids, input.tenant, scope);
    // One recipient at a time, each entry written before the next is decided: see sendJsonList.
    await sendJsonList(res, 'entries', input.recipients, recipientEvaluator(input, layers, { now: new Date(), trace: trace.value }));
  });

  return router;
}
