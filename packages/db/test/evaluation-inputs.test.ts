import { evaluateRecipients, recipientKey, userRecipient, type EvaluateInput, type PreferenceDocument } from '@prefs/core';
import { useTestEnvironment } from '@prefs/testing';
import { addAudienceMembers, identifyUser, putEnvironmentDefaults, putPreferenceSet, readEvaluationInputs, readEvaluationInputsChunk, setObject, setTenant } from '@prefs/db';
import type { Queryable } from '../src/client';
import { writeUserBatch } from '../src/users';

/** readEvaluationInputs: what an evaluation reads, for 1,000 recipients at once, scoped to one environment. */
const env = useTestEnvironment();

/** The database, counting the statements sent through it. */
function counting(db: Queryable): { db: Queryable; statements: () => number } {
  let count = 0;
  return {
    db: {
      $queryRawUnsafe: ((...args: Parameters<Queryable['$queryRawUnsafe']>) => {
        count += 1;
        return db.$queryRawUnsafe(...args);
      }) as Queryable['$queryRawUnsafe'],
      $executeRawUnsafe: ((...args: Parameters<Queryable['$executeRawUnsafe']>) => {
        count += 1;
        return db.$executeRawUnsafe(...args);
      }) as Queryable['$executeRawUnsafe'],
    },
    statements: () => count,
  };
}

describe('readEvaluationInputs', () => {
  it('reads the environment default, the tenant and every recipient in one statement, for 1,000 recipients', async () => {
    const { environmentId } = await env.createEnvironment('inputs');
    await putEnvironmentDefaults(env.db, environmentId, { channel_types: { email: true } }, 'replace');
    await setTenant(env.db, environmentId, { id: 'acme', name: 'Acme', properties: { region: 'eu' }, preferenceSet: { strategy: 'replace', document: { workflows: { w: false } } } });
    const ids = Array.from({ length: 1000 }, (_, index) => `r${String(index).padStart(4, '0')}`);
    await env.db.$transaction((tx) => writeUserBatch(tx, environmentId, ids.slice(0, 500).map((id) => ({ id, properties: { n: id } }))));
    await putPreferenceSet(env.db, environmentId, userRecipient('r0001'), 'default', 'replace', { categories: { a: false } });
    await putPreferenceSet(env.db, environmentId, userRecipient('r0999'), 'acme', 'replace', { categories: { b: false } });
    await putPreferenceSet(env.db, environmentId, userRecipient('r0999'), 'globex', 'replace', { categories: { c: false } });

    const counted = counting(env.db);
    const inputs = await readEvaluationInputs(counted.db, environmentId, ids.map(userRecipient), 'acme');
    expect(counted.statements()).toBe(1);
    expect(inputs.environmentDefault).toEqual({ channel_types: { email: true } });
    expect(inputs.tenant).toEqual({ id: 'acme', name: 'Acme', properties: { region: 'eu' }, preferenceSet: { workflows: { w: false } } });
    expect(inputs.recipients.size).toBe(501);
    expect(inputs.recipients.get(recipientKey(userRecipient('r0001')))).toEqual({ properties: { n: 'r0001' }, defaultSet: { categories: { a: false } }, tenantSet: null });
    expect(inputs.recipients.get(recipientKey(userRecipient('r0999')))).toEqual({ properties: null, defaultSet: null, tenantSet: { categories: { b: false } } });
    expect(inputs.recipients.has(recipientKey(userRecipient('r0998')))).toBe(false);
  });

  it("reads an object's layers as a user's, from its own rows: apart from a user and another collection of the same id", async () => {
    const { environmentId } = await env.createEnvironment('objects');
    await addAudienceMembers(env.db, environmentId, 'vip', [{ user: { id: 'same', properties: {} }, tenant: null }], { createAudience: true });
    await setObject(env.db, environmentId, 'projects', { id: 'same', properties: { plan: 'pro' } });
    await putPreferenceSet(env.db, environmentId, { collection: 'projects', id: 'same' }, 'default', 'replace', { categories: { project: true } });
    await putPreferenceSet(env.db, environmentId, { collection: 'projects', id: 'same' }, 'acme', 'replace', { categories: { acme: true } });
    await putPreferenceSet(env.db, environmentId, { collection: 'teams', id: 'same' }, 'default', 'replace', { categories: { team: true } });
    await putPreferenceSet(env.db, environmentId, userRecipient('same'), 'default', 'replace', { categories: { user: true } });
    const asked = [userRecipient('same'), { collection: 'projects', id: 'same' }, { collection: 'teams', id: 'same' }, { collection: 'projects', id: 'never-set' }];
    const inputs = await readEvaluationInputs(env.db, environmentId, asked, 'acme');
    expect(Object.fromEntries(inputs.recipients)).toEqual({
      [recipientKey(userRecipient('same'))]: { properties: {}, defaultSet: { categories: { user: true } }, tenantSet: null, audiences: ['vip'] },
      // An object is a member of no audience, even where a user of its id is one.
      'projects/same': { properties: { plan: 'pro' }, defaultSet: { categories: { project: true } }, tenantSet: { categories: { acme: true } } },
      // Its set created the object, with no properties.
      'teams/same': { properties: {}, defaultSet: { categories: { team: true } }, tenantSet: null },
    });
  });

  it('without a tenant, reads no tenant and no tenant sets', async () => {
    const { environmentId } = await env.createEnvironment('no-tenant');
    await putPreferenceSet(env.db, environmentId, userRecipient('u1'), 'acme', 'replace', { categories: { b: false } });
    const inputs = await readEvaluationInputs(env.db, environmentId, [userRecipient('u1')], null);
    expect(inputs).toEqual({ environmentDefault: null, tenant: null, recipients: new Map() });
  });

  it('sees nothing of another environment', async () => {
    const first = await env.createEnvironment('first');
    const second = await env.createEnvironment('second');
    await putEnvironmentDefaults(env.db, first.environmentId, { channel_types: { sms: false } }, 'replace');
    await setTenant(env.db, first.environmentId, { id: 'acme', properties: {} });
    await identifyUser(env.db, first.environmentId, { id: 'u1', properties: { plan: 'pro' } });
    await putPreferenceSet(env.db, first.environmentId, userRecipient('u1'), 'default', 'replace', { categories: { a: false } });
    await putPreferenceSet(env.db, first.environmentId, userRecipient('u1'), 'acme', 'replace', { categories: { a: true } });
    const inputs = await readEvaluationInputs(env.db, second.environmentId, [userRecipient('u1')], 'acme');
    expect(inputs).toEqual({ environmentDefault: null, tenant: null, recipients: new Map() });
  });

  it('cut down to a scope, gives every decision and trace the whole sets give', async () => {
    const { environmentId } = await env.createEnvironment('scoped');
    const channel = '5a88728a-3ecb-400d-ba6f-9c0956ab252f';
    const otherChannel = '0f4f2d4b-5b22-4b34-b1d0-2d3a0c1c9e11';
    const exists = { variable: 'recipient.plan', operator: 'exists' as const, argument: null };
    const sets: Record<string, PreferenceDocument> = {
      u1: { categories: { marketing: false, product: { channel_types: { email: false }, channels: { [channel]: true } } }, commercial_subscribed: false },
      u2: { workflows: { digest: { conditions: [exists], channels: { [channel]: false } }, other: false }, channels: { [otherChannel]: false } },
      u3: { channel_types: { email: { conditions: [exists] }, sms: false }, channels: { [channel]: { conditions: [exists] } } },
      u4: { categories: { security: false, product: true }, workflows: { digest: true } },
    };
    await putEnvironmentDefaults(env.db, environmentId, { categories: { product: { channel_types: { sms: false } } }, channel_types: { push: false }, commercial_subscribed: true }, 'replace');
    await setTenant(env.db, environmentId, {
      id: 'acme',
      properties: {},
      preferenceSet: {
        strategy: 'replace',
        document: { categories: { security: { __strategy__: 'replace', channel_types: { email: true } } }, channels: { __strategy__: 'replace', [otherChannel]: true } } as never,
      },
    });
    for (const [user, document] of Object.entries(sets)) await putPreferenceSet(env.db, environmentId, userRecipient(user), 'default', 'replace', document);
    await putPreferenceSet(env.db, environmentId, userRecipient('u4'), 'acme', 'replace', { categories: { product: { conditions: [exists] } }, commercial_subscribed: false });
    await identifyUser(env.db, environmentId, { id: 'u2', properties: { plan: 'pro' } });

    const recipients = ['u1', 'u2', 'u3', 'u4', 'u5'].map((id) => ({ ...userRecipient(id), properties: null }));
    const requests: Array<Pick<EvaluateInput, 'workflow' | 'channel' | 'tenant'>> = [];
    for (const tenant of [null, 'acme']) {
      for (const channelId of [null, channel, otherChannel]) {
        for (const categories of [[], ['marketing'], ['product', 'security'], ['security', 'product']]) {
          for (const key of ['digest', 'other']) {
            for (const type of ['email', 'sms', 'push'] as const) {
              requests.push({ workflow: { key, categories, commercial: true, override_preferences: false }, channel: { type, id: channelId }, tenant });
            }
          }
        }
      }
    }
    const now = new Date();
    for (const request of requests) {
      const input: EvaluateInput = { ...request, recipients, data: {}, actor: {} };
      const whole = await readEvaluationInputs(env.db, environmentId, recipients, request.tenant);
      const scoped = await readEvaluationInputs(env.db, environmentId, recipients, request.tenant, {
        categories: request.workflow.categories,
        workflowKey: request.workflow.key,
        channelId: request.channel.id,
      });
      expect({ request, entries: evaluateRecipients(input, scoped, { now, trace: true }) }).toEqual({
        request,
        entries: evaluateRecipients(input, whole, { now, trace: true }),
      });
    }
  });
});

describe('readEvaluationInputsChunk', () => {
  it('stops at the byte budget after the row that reaches it; the next read covers the ids with nothing stored up to its own row', async () => {
    const { environmentId } = await env.createEnvironment('chunks');
    await putEnvironmentDefaults(env.db, environmentId, { channel_types: { email: true } }, 'replace');
    const big = (tag: string): PreferenceDocument => ({ workflows: Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`${tag}-${String(index).padStart(2, '0')}`.padEnd(40, 'x'), true])) });
    // a, c, e hold about 2 KB each; b and d hold nothing.
    for (const id of ['a', 'c', 'e']) await putPreferenceSet(env.db, environmentId, userRecipient(id), 'default', 'replace', big(id));
    const ids = ['a', 'b', 'c', 'd', 'e'].map(userRecipient);

    const whole = await readEvaluationInputsChunk(env.db, environmentId, ids, null, null, 1_000_000);
    expect(whole.covered).toBe(5);
    expect([...whole.layers.recipients.keys()].sort()).toEqual(['a', 'c', 'e'].map((id) => recipientKey(userRecipient(id))));

    // 1,500 bytes: a (about 2 KB) starts below it, c starts past it; b, after a, is left for the next read.
    const first = await readEvaluationInputsChunk(env.db, environmentId, ids, null, null, 1_500);
    expect(first.covered).toBe(1);
    expect([...first.layers.recipients.keys()]).toEqual([recipientKey(userRecipient('a'))]);
    expect(first.layers.environmentDefault).toEqual({ channel_types: { email: true } });
    // A budget below one row still reads that row: every read makes progress.
    const rest = await readEvaluationInputsChunk(env.db, environmentId, ids.slice(first.covered), null, null, 1);
    expect(rest.covered).toBe(2);
    expect([...rest.layers.recipients.keys()]).toEqual([recipientKey(userRecipient('c'))]);
    expect(rest.layers.recipients.get(recipientKey(userRecipient('c')))?.defaultSet).toEqual(big('c'));
  });
});
