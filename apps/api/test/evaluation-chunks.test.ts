import request from 'supertest';
import { evaluateRecipients, userRecipient, validateEvaluateRequest, type EvaluateInput } from '@prefs/core';
import { putPreferenceSet, readEvaluationInputs } from '@prefs/db';
import { EVALUATION_READ_BUDGET_BYTES } from '../src/routes/evaluation';
import { useApiTestContext } from './api-test-context';

/**
 * An evaluation whose recipients' layers pass the read budget is read a budget at a time: the answer is
 * the one a single whole read gives (every recipient, in the order asked), whatever
 * the cut points. Each stored set here is about 45 KB inside the scope asked, so 60 of them are read in
 * several parts; half the recipients are refused the category, so a recipient decided from the wrong
 * layers (or none) shows.
 */
const t = useApiTestContext();
const CHANNELS = Array.from({ length: 950 }, (_, index) => `7c0c5d3e-2b7a-4f3e-9a61-${String(index).padStart(12, '0')}`);
const users = Array.from({ length: 60 }, (_, index) => `chunk-${String(index).padStart(2, '0')}`);

beforeAll(async () => {
  for (const [index, user] of users.entries()) {
    const channels = Object.fromEntries(CHANNELS.map((channel) => [channel, true]));
    await putPreferenceSet(t.env.db, t.env.environmentId, userRecipient(user), 'default', 'replace', { categories: { alerts: { channels, channel_types: { email: index % 2 === 0 } } } });
  }
});

it('answers as one whole read would, for recipients whose layers take several reads', async () => {
  // Ids with nothing stored between stored ones, and repeats (which count once).
  const recipients = [...users, 'nobody-1', ...users.slice(0, 5), 'nobody-2', users[59], users[0]];
  const body = { recipients, workflow: { key: 'w', categories: ['alerts'] }, channel: { type: 'email' } };
  const bytes = users.length * JSON.stringify({ channels: Object.fromEntries(CHANNELS.map((channel) => [channel, true])) }).length;
  expect(bytes).toBeGreaterThan(EVALUATION_READ_BUDGET_BYTES);

  const res = await request(t.api.app).post('/v1/preferences/evaluate').set(t.auth()).send(body);
  expect(res.status).toBe(200);
  const input = validateEvaluateRequest(body);
  if (!input.ok) throw new Error('the request is valid');
  const layers = await readEvaluationInputs(t.env.db, t.env.environmentId, recipients.map(userRecipient), null, { categories: ['alerts'], workflowKey: 'w', channelId: null });
  const expected = evaluateRecipients(input.value as EvaluateInput, layers, { now: new Date(), trace: false });
  expect(res.body.entries).toEqual(JSON.parse(JSON.stringify(expected)));
  // The request's recipients count once each (the validator keeps the first of repeats), in their order.
  expect(res.body.entries.map((entry: { recipient: string }) => entry.recipient)).toEqual([...new Set(recipients)]);
  const allowed = res.body.entries.filter((entry: { allowed: boolean }) => entry.allowed).length;
  expect(allowed).toBeGreaterThan(0);
  expect(allowed).toBeLessThan(recipients.length);
});
