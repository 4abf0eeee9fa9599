import { Router } from 'express';
import {
  computeEffectiveSet,
  recipientEvaluator,
  recipientKey,
  toPreferenceSetResource,
  validateEvaluateRequest,
  validateSetId,
  validateTraceFlag,
  userRecipient,
  validateUserId,
  type EvaluateInput,
  type EvaluationRecipient,
  type FieldError,
} from '@prefs/core';
import { readEvaluationInputs, readEvaluationInputsChunk, type Database, type EvaluationInputsChunk } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams } from '../errors';
import { tenantOfSet } from '../set-tenant';
import { sendJsonBatches, type JsonListBatch } from '../json-list-answer';

/**
 * The effective set of a user and the send decision for users and objects (extensions of Knock's API):
 * both read the layers (environment default, tenant, the recipient's sets and properties) in a few
 * set-based statements and decide with the pure functions of `@prefs/core`.
 */


/**
 * Bytes of recipients' layers (as JSON) read and parsed at a time. An ordinary request of 1,000 recipients
 * (about 530 KB in the bench) fits in one read; recipients with maximal sets (64 KiB each) are read about
 * sixteen at a time, so the API's memory stays bounded whatever is stored, and each parse (one step, a few
 * ms) stays well inside a turn of the event loop.
 */
export const EVALUATION_READ_BUDGET_BYTES = 1024 * 1024;

/**
 * The recipients in their order, in batches each decided from one read of layers: a read covers the
 * distinct recipients it could within the budget, and the batch runs up to the first one it did not cover.
 * After a cut-short read the next asks for about twice as many ids as were covered, so PostgreSQL never
 * builds much more than it returns.
 */
async function* evaluatedBatches(
  input: EvaluateInput,
  read: (recipients: EvaluationRecipient[]) => Promise<EvaluationInputsChunk>,
  options: { now: Date; trace: boolean },
): AsyncGenerator<JsonListBatch<EvaluationRecipient>> {
  const recipients = input.recipients;
  let position = 0;
  let askFor = recipients.length;
  while (position < recipients.length) {
    const asked: EvaluationRecipient[] = [];
    const seen = new Set<string>();
    for (let index = position; index < recipients.length && asked.length < askFor; index += 1) {
      const recipient = recipients[index] as EvaluationRecipient;
      if (!seen.has(recipientKey(recipient))) {
        seen.add(recipientKey(recipient));
        asked.push(recipient);
      }
    }
    const { layers, covered } = await read(asked);
    const coveredKeys = new Set(asked.slice(0, covered).map(recipientKey));
    let end = position;
    while (end < recipients.length && coveredKeys.has(recipientKey(recipients[end] as EvaluationRecipient))) end += 1;
    yield { items: recipients.slice(position, end), produce: recipientEvaluator(input, layers, options) };
    position = end;
    askFor = covered < asked.length ? Math.max(8, covered * 2) : askFor * 2;
  }
}

export function evaluationRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  router.get('/users/:userId/preferences/:setId/effective', async (req, res) => {
    const userId = req.params.userId;
    const setId = req.params.setId;
    const errors = [validateUserId(userId), validateSetId(setId)].filter((error): error is FieldError => error !== null);
    if (errors.length > 0) throw new InvalidParams(errors);
    const tenantId = tenantOfSet(setId, req.query.tenant);
    const inputs = await readEvaluationInputs(db, environmentOf(res.locals).environmentId, [userRecipient(userId)], tenantId);
    const user = inputs.recipients.get(recipientKey(userRecipient(userId)));
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
    const scope = { categories: input.workflow.categories, workflowKey: input.workflow.key, channelId: input.channel.id };
    const options = { now: new Date(), trace: trace.value };
    const read = (recipients: EvaluationRecipient[]) => readEvaluationInputsChunk(db, environmentOf(res.locals).environmentId, recipients, input.tenant, scope, EVALUATION_READ_BUDGET_BYTES);
    // One recipient at a time, each entry written before the next is decided, a budget of layers at a time.
    await sendJsonBatches(res, 'entries', evaluatedBatches(input, read, options));
  });

  return router;
}
