import { randomBytes } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { Client } from 'pg';
import { USERS_COLLECTION } from '@prefs/core';
import { createApiKey, createDatabase, createSigningKey, generateApiKey } from '@prefs/db';
import { startBenchApi } from './api-process';
import { fullDocument, mergePatch, userRange } from './documents';
import {
  longId,
  longStringsPatch,
  LONGEST_PARSED_NUMBER,
  manyObjectsPatch,
  maximalConditionsSet,
  maximalProperties,
  paddedOneClickBody,
} from './hostile-documents';
import { measureCase, type CaseDefinition, type HostileCase, type HostileOptions, type HostileResult } from './hostile-measure';

export type { HostileCase, HostileCost, HostileOptions, HostileResult } from './hostile-measure';

/**
 * The `hostile` phase (limits-and-costs.md, part 7): for each surface, the worst legal request of each
 * shape beside an ordinary request of the same route, each pair on a freshly started API (so that the
 * API's and its PostgreSQL backends' peaks are that pair's). Per request: API CPU ms, the API's peak
 * resident memory (VmHWM, started again before each part), the peak of the API's PostgreSQL backends
 * (VmHWM, pids from pg_stat_activity), PostgreSQL CPU ms, and the longest event-loop block, seen as the
 * slowest of back-to-back `GET /healthz` probes sent while the request runs. Sizes never pass the
 * service's own limits: those are what bound the cost.
 */

/** What a shared PostgreSQL backend may be made to take by one request of the bench (limits-and-costs.md, part 1). */
const POSTGRES_GROWTH_LIMIT_MB = 64;
/** How much more the 1,000-recipient evaluation may grow the backend than the 100 one: measured 2.1x. */
const EVALUATE_1000_GROWTH_OVER_100 = 3;

/** limits-and-costs.md part 2: the API's resident set with the most bodies a caller mix can send at once. */
export const CONCURRENT_BODIES_RSS_LIMIT_MB = 300;

const PUBLIC_BODY_LIMIT = 64 * 1024;
const SECRET_BODY_LIMIT = 2 * 1024 * 1024;
const SET_LIMIT = 64 * 1024;
const PAGE_BODY_LIMIT = 16 * 1024;
/** The page form's parser takes at most this many fields (preference-page.ts). */
const PAGE_FORM_FIELDS = 1500;
const EVALUATE_CATEGORIES = Array.from({ length: 50 }, (_, index) => `category-${String(index).padStart(2, '0')}`);

/** The largest value of `build(bytes)` whose stored jsonb PostgreSQL accepts in one set (and whose JSON fits `maxJson`). */
async function largestStorable(watcher: Client, build: (bytes: number) => unknown, maxJson: number): Promise<{ bytes: number; value: unknown }> {
  for (let bytes = maxJson; bytes > 1024; bytes -= 512) {
    const value = build(bytes);
    const text = JSON.stringify(value);
    if (Buffer.byteLength(text) > maxJson) continue;
    const { rows } = await watcher.query<{ size: number }>('SELECT pg_column_size($1::jsonb) AS size', [text]);
    if (rows[0].size <= SET_LIMIT) return { bytes, value };
  }
  throw new Error('no size fits');
}


async function signToken(privateKeyBase64: string, userId: string): Promise<string> {
  const key = await importPKCS8(Buffer.from(privateKeyBase64, 'base64').toString('utf8'), 'RS256');
  return new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject(userId).setIssuedAt().setExpirationTime('1h').sign(key);
}

/** A link token of the right shape, for this environment, naming a secret that does not exist. */
function forgedLinkToken(environmentId: string, index: number): string {
  const secretId = [randomBytes(4), randomBytes(2), randomBytes(2), randomBytes(2), randomBytes(6)].map((part) => part.toString('hex')).join('-');
  const payload = Buffer.from(JSON.stringify([1, secretId, environmentId, `forged-${index}`, randomBytes(16).toString('base64url'), null, null])).toString('base64url');
  return `${payload}.${randomBytes(32).toString('base64url')}`;
}

export async function measureHostile(options: HostileOptions, tag: string): Promise<HostileResult> {
  const watcher = new Client({ connectionString: options.databaseUrl, application_name: 'prefs-bench-hostile' });
  await watcher.connect();
  const db = createDatabase({ databaseUrl: options.databaseUrl, poolSize: 1, applicationName: 'prefs-bench' });
  try {
    const { environmentId } = options;
    const publicKey = (await createApiKey(db, 'development', 'public')).key;
    const signingKey = (await createSigningKey(db, 'development'))!.privateKeyBase64;
    const secret = { authorization: `Bearer ${options.secretKey}`, 'content-type': 'application/json' };
    const tokens = new Map<string, string>();
    const asUser = async (userId: string) => {
      if (!tokens.has(userId)) tokens.set(userId, await signToken(signingKey, userId));
      return { authorization: `Bearer ${publicKey}`, 'x-knock-user-token': tokens.get(userId)!, 'content-type': 'application/json' };
    };
    /** Signs the tokens of users `prefix-0 .. prefix-(count-1)` beforehand: signing is not what is measured. */
    const usersWithTokens = async (prefix: string, count: number) => {
      const headers: Record<string, string>[] = [];
      for (let index = 0; index < count; index += 1) headers.push(await asUser(`${prefix}-${index}`));
      return headers;
    };

    const manyObjects = await largestStorable(watcher, (bytes) => manyObjectsPatch(bytes), PUBLIC_BODY_LIMIT - 64);
    const longStrings = await largestStorable(watcher, (bytes) => longStringsPatch(bytes), PUBLIC_BODY_LIMIT - 64);
    const ordinaryPatch = JSON.stringify({ __persistence_strategy__: 'merge', ...mergePatch(tag) });
    options.log(`  largest storable patches: ${manyObjects.bytes} bytes of small objects, ${longStrings.bytes} of 255-character keys and 4,096-character conditions`);

    const cases: CaseDefinition[] = [];
    const putRepetitions = { ordinary: 50, hostile: 5 };
    for (const [shape, patch] of [['most objects', manyObjects.value], ['longest keys and strings', longStrings.value]] as const) {
      const key = shape === 'most objects' ? 'put-merge-objects' : 'put-merge-strings';
      const ordinaryHeaders = await usersWithTokens(`${tag}-${key}-ordinary`, putRepetitions.ordinary + 6);
      const hostileHeaders = await usersWithTokens(`${tag}-${key}-hostile`, putRepetitions.hostile + 1);
      const body = JSON.stringify(patch);
      cases.push({
        key,
        route: 'PUT /v1/users/:id/preferences/default (merge)',
        caller: 'public key + token',
        shape: `${shape}, ${Buffer.byteLength(body)} bytes`,
        ordinary: {
          repetitions: putRepetitions.ordinary,
          expect: [200],
          call: (index) => ({ method: 'PUT', path: `/v1/users/${encodeURIComponent(`${tag}-${key}-ordinary-${index}`)}/preferences/default`, headers: ordinaryHeaders[index], body: ordinaryPatch }),
        },
        hostile: {
          repetitions: putRepetitions.hostile,
          expect: [200],
          call: (index) => ({ method: 'PUT', path: `/v1/users/${encodeURIComponent(`${tag}-${key}-hostile-${index}`)}/preferences/default`, headers: hostileHeaders[index], body }),
        },
        note: 'each repetition merges into a user of its own (a repeat that changes nothing costs less)',
      });
    }

    {
      const ordinaryHeaders = await usersWithTokens(`${tag}-identify-ordinary`, 56);
      const hostileHeaders = await usersWithTokens(`${tag}-identify-hostile`, 6);
      const ordinaryBody = JSON.stringify({ name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' });
      let propertiesBytes = 32 * 1024;
      while (Buffer.byteLength(JSON.stringify(maximalProperties(propertiesBytes))) > 32 * 1024) propertiesBytes -= 256;
      const hostileBody = JSON.stringify(maximalProperties(propertiesBytes));
      cases.push({
        key: 'identify',
        route: 'PUT /v1/users/:id (identify)',
        caller: 'public key + token',
        shape: `100 properties nested 8 deep, ${Buffer.byteLength(hostileBody)} bytes`,
        ordinary: { repetitions: 50, expect: [200], call: (index) => ({ method: 'PUT', path: `/v1/users/${tag}-identify-ordinary-${index}`, headers: ordinaryHeaders[index], body: ordinaryBody }) },
        hostile: { repetitions: 5, expect: [200], call: (index) => ({ method: 'PUT', path: `/v1/users/${tag}-identify-hostile-${index}`, headers: hostileHeaders[index], body: hostileBody }) },
      });
    }

    {
      // limits-and-costs.md part 2: 50 maximal public-key bodies and 8 maximal secret-key bodies at once
      // leave the API alive and under 300 MB resident (the body budget answers 503 past it).
      const publicBodies = 50;
      const secretBodies = 8;
      const ordinaryHeaders = await usersWithTokens(`${tag}-concurrent-ordinary`, publicBodies + secretBodies + 6);
      const hostileHeaders = await usersWithTokens(`${tag}-concurrent-hostile`, publicBodies + 1);
      const publicBody = JSON.stringify(longStrings.value);
      const identifyBody = (index: number) => {
        const note = 'n'.repeat(2000);
        const users = Array.from({ length: 1000 }, (_, user) => ({ id: `${tag}-concurrent-${index}-${user}`, note }));
        const body = JSON.stringify({ users });
        return body.length <= SECRET_BODY_LIMIT ? body : JSON.stringify({ users: users.slice(0, Math.floor((users.length * SECRET_BODY_LIMIT) / body.length) - 1) });
      };
      const secretBodiesText = Array.from({ length: secretBodies }, (_, index) => identifyBody(index));
      const userPath = (prefix: string, index: number) => `/v1/users/${encodeURIComponent(`${tag}-concurrent-${prefix}-${index}`)}/preferences/default`;
      cases.push({
        key: 'concurrent-bodies',
        route: 'PUT .../preferences/default and POST /v1/users/bulk/identify, at once',
        caller: 'public key + token, and secret key',
        shape: `${publicBodies} public-key merges of ${Buffer.byteLength(publicBody)} bytes and ${secretBodies} bulk identifies of ${Buffer.byteLength(secretBodiesText[0])} bytes, all in flight together`,
        ordinary: {
          repetitions: publicBodies + secretBodies,
          concurrent: true,
          expect: [200],
          call: (index) => ({ method: 'PUT', path: userPath('ordinary', index), headers: ordinaryHeaders[index], body: ordinaryPatch }),
        },
        hostile: {
          repetitions: publicBodies + secretBodies,
          concurrent: true,
          expect: [200, 503],
          call: (index) =>
            index >= publicBodies && index < publicBodies + secretBodies
              ? { method: 'POST', path: '/v1/users/bulk/identify', headers: secret, body: secretBodiesText[index - publicBodies] }
              : { method: 'PUT', path: userPath('hostile', index % (publicBodies + 1)), headers: hostileHeaders[index % (publicBodies + 1)], body: publicBody },
        },
        note: `the API's peak resident set must stay under ${CONCURRENT_BODIES_RSS_LIMIT_MB} MB; 503 (the body budget) counts as refused in time`,
      });
    }

    {
      const ordinaryUser = `${tag}-effective-ordinary`;
      const hostileUser = `${tag}-effective-hostile`;
      const ordinaryHeaders = await asUser(ordinaryUser);
      const hostileHeaders = await asUser(hostileUser);
      const hostileSet = await largestStorable(watcher, (bytes) => { const { __persistence_strategy__: _s, ...document } = manyObjectsPatch(bytes); return document; }, SET_LIMIT);
      cases.push({
        key: 'effective',
        route: 'GET /v1/users/:id/preferences/default/effective',
        caller: 'public key + token',
        shape: `a stored set of ${JSON.stringify(hostileSet.value).length} bytes of small objects`,
        prepare: async () => {
          await watcher.query(
            `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
             VALUES ($1::uuid, $6, $2, 'default', $3::jsonb), ($1::uuid, $6, $4, 'default', $5::jsonb)`,
            [environmentId, ordinaryUser, JSON.stringify(fullDocument(tag)), hostileUser, JSON.stringify(hostileSet.value), USERS_COLLECTION],
          );
        },
        ordinary: { repetitions: 50, expect: [200], call: () => ({ method: 'GET', path: `/v1/users/${ordinaryUser}/preferences/default/effective`, headers: ordinaryHeaders }) },
        hostile: { repetitions: 20, expect: [200], call: () => ({ method: 'GET', path: `/v1/users/${hostileUser}/preferences/default/effective`, headers: hostileHeaders }) },
      });
    }

    {
      const ordinaryIds = (index: number) => Array.from({ length: 1000 }, (_, user) => `${tag}-bulk-o${index}-${user}`);
      const hostileIds = (index: number) => Array.from({ length: 1000 }, (_, user) => longId(`${tag}-bulk-h${index}`, String(user)));
      const hostilePreferences = { id: 'default', ...manyObjects.value as Record<string, unknown> };
      cases.push({
        key: 'bulk-merge',
        route: 'POST /v1/users/bulk/preferences (merge)',
        caller: 'secret key',
        shape: `1,000 ids of 255 characters and a ${manyObjects.bytes}-byte patch of small objects`,
        ordinary: { repetitions: 20, expect: [200, 201, 202], call: (index) => ({ method: 'POST', path: '/v1/users/bulk/preferences', headers: secret, body: JSON.stringify({ user_ids: ordinaryIds(index), preferences: { id: 'default', __persistence_strategy__: 'merge', ...mergePatch(tag) } }) }) },
        hostile: { repetitions: 5, expect: [200, 201, 202], call: (index) => ({ method: 'POST', path: '/v1/users/bulk/preferences', headers: secret, body: JSON.stringify({ user_ids: hostileIds(index), preferences: hostilePreferences }) }) },
        note: 'the API accepting the operation only; no worker runs (a worker merges that patch at about 50 ms of PostgreSQL CPU per user, security.md: not run here on the shared server)',
      });
    }

    {
      const allIds = Array.from({ length: 1000 }, (_, index) => longId(`${tag}-eval`, String(index).padStart(4, '0')));
      const conditions = await largestStorable(watcher, (bytes) => maximalConditionsSet(EVALUATE_CATEGORIES, bytes), SET_LIMIT);
      const skeleton = { workflow: { key: 'digest', categories: EVALUATE_CATEGORIES, commercial: true }, channel: { type: 'email' } };
      const ordinaryBody = (index: number) =>
        JSON.stringify({ recipients: userRange(index * 1000, 1000, options.population), workflow: { key: 'new-comment', categories: ['product_updates'] }, channel: { type: 'in_app_feed' } });
      // 1,000 recipients is the limit; 100 shows the cost where the limit's size does not complete.
      for (const count of [100, 1000]) {
        const hostileIds = allIds.slice(0, count);
        // Each recipient's properties fill the rest of the secret key's 2 MiB body.
        const perRecipient = Math.floor((SECRET_BODY_LIMIT - 4096 - JSON.stringify(skeleton).length) / count);
        const recipient = (id: string) => {
          const base = { id, score: LONGEST_PARSED_NUMBER, note: '' };
          return { ...base, note: 'n'.repeat(Math.max(0, perRecipient - JSON.stringify(base).length - 1)) };
        };
        const hostileBody = JSON.stringify({ ...skeleton, recipients: hostileIds.map(recipient) });
        cases.push({
          key: `evaluate-${count}`,
          route: 'POST /v1/preferences/evaluate?trace=true',
          caller: 'secret key',
          shape: `${count.toLocaleString('en')} recipients with 255-character ids, ${Buffer.byteLength(hostileBody)} bytes; each with a stored ${JSON.stringify(conditions.value).length}-byte set of 100-digit numeric conditions over 50 categories`,
          prepare: async () => {
            await watcher.query(
              `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
               SELECT $1::uuid, $4, id, 'default', $2::jsonb FROM unnest($3::text[]) AS id
               ON CONFLICT (environment_id, recipient_collection, recipient_id, set_id) DO NOTHING`,
              [environmentId, JSON.stringify(conditions.value), hostileIds, USERS_COLLECTION],
            );
          },
          ordinary: { repetitions: 10, expect: [200], call: (index) => ({ method: 'POST', path: '/v1/preferences/evaluate', headers: secret, body: ordinaryBody(index) }) },
          hostile: { repetitions: 2, expect: [200], call: () => ({ method: 'POST', path: '/v1/preferences/evaluate?trace=true', headers: secret, body: hostileBody }) },
          note: 'ordinary: 1,000 seeded recipients with a 1 KB set, one category, no trace',
          // Layers are read a budget at a time (EVALUATION_READ_BUDGET_BYTES), so more recipients mean more
          // statements, not larger ones: 1,000 grew the backend about 2x what 100 did (7.4 -> 15.3 MB, the first
          // statement building every asked entry). Projected with a margin over that, from the 100 case.
          unsafe: (measured) => {
            if (count === 100) return null;
            const smaller = measured.find((c) => c.key === 'evaluate-100')?.hostile;
            if (!smaller) return 'not run: the 100-recipient case, from which its PostgreSQL cost is projected, has no figures';
            const projected = smaller.postgresGrowthMb * EVALUATE_1000_GROWTH_OVER_100;
            return projected > POSTGRES_GROWTH_LIMIT_MB
              ? `not run: 100 recipients grew the PostgreSQL backend by ${smaller.postgresGrowthMb} MB, so ${count.toLocaleString('en')} would take about ${Math.round(projected)} MB of the shared server, over ${POSTGRES_GROWTH_LIMIT_MB} MB`
              : null;
          },
        });
      }
    }

    {
      let links: { unsubscribe: string; pageToken: string }[] = [];
      const padded = paddedOneClickBody(PAGE_BODY_LIMIT);
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      cases.push({
        key: 'one-click',
        route: 'POST /unsubscribe (one-click)',
        caller: 'link holder',
        shape: `List-Unsubscribe=One-Click as multipart after a preamble, ${padded.body.length} bytes`,
        prepare: async () => {
          links = await makeLinks(options, tag, 140);
        },
        ordinary: { repetitions: 50, expect: [200], call: (index) => ({ method: 'POST', path: `/unsubscribe${links[index].unsubscribe}`, headers: form, body: 'List-Unsubscribe=One-Click' }) },
        hostile: { repetitions: 50, expect: [200], call: (index) => ({ method: 'POST', path: `/unsubscribe${links[70 + index].unsubscribe}`, headers: { 'content-type': padded.contentType }, body: padded.body }) },
        note: 'each repetition a link of its own (a repeat that changes nothing is counted, not stored)',
      });
      cases.push({
        key: 'forged-links',
        route: 'GET /unsubscribe (confirmation page)',
        caller: 'anyone',
        shape: 'a flood of well-formed link tokens naming made-up secrets, each distinct',
        ordinary: { repetitions: 50, expect: [200], call: (index) => ({ method: 'GET', path: `/unsubscribe${links[index].unsubscribe}`, headers: {} }) },
        hostile: { repetitions: 200, expect: [400, 401, 403, 404, 410, 422, 429], call: (index) => ({ method: 'GET', path: `/unsubscribe?t=${forgedLinkToken(environmentId, index)}`, headers: {} }) },
      });

      // The page's form at its 16 KiB limit: the most fields the parser takes, each shown and left as it was.
      const pageForm = (token: string, fields: number) => {
        const params = new URLSearchParams({ t: token });
        for (let index = 0; index < fields; index += 1) params.append(`was:f${index}`, '0');
        return params.toString();
      };
      /** The most fields fitting the limit with this token (tokens differ little in length, if at all). */
      const largestForm = (token: string) => {
        let fields = PAGE_FORM_FIELDS - 1;
        while (Buffer.byteLength(pageForm(token, fields)) > PAGE_BODY_LIMIT) fields -= 10;
        return pageForm(token, fields);
      };
      const formHeaders = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
      cases.push({
        key: 'page-form',
        route: 'POST /preferences (the page\'s form)',
        caller: 'link holder',
        shape: `the most fields that fit the 16 KiB form, none changed`,
        ordinary: { repetitions: 50, expect: [200], call: (index) => ({ method: 'POST', path: '/preferences', headers: formHeaders, body: pageForm(links[index].pageToken, 4) }) },
        hostile: { repetitions: 20, expect: [200], call: (index) => ({ method: 'POST', path: '/preferences', headers: formHeaders, body: largestForm(links[70 + index].pageToken) }) },
        note: 'a form that changes nothing is parsed and checked whole, and writes nothing',
      });
    }

    cases.push({
      key: 'unknown-keys',
      route: 'GET /v1/users/:id/preferences',
      caller: 'anyone',
      shape: 'a flood of made-up secret keys, each distinct',
      ordinary: { repetitions: 50, expect: [200], call: () => ({ method: 'GET', path: `/v1/users/${tag}-keys/preferences`, headers: secret }) },
      hostile: { repetitions: 200, expect: [401, 429], call: () => ({ method: 'GET', path: `/v1/users/${tag}-keys/preferences`, headers: { authorization: `Bearer ${generateApiKey('secret')}` } }) },
      note: 'FAILED_AUTH_LIMIT at its default (20 a second per address): past it, 429 without a lookup',
    });

    const results: HostileCase[] = [];
    for (const definition of cases.filter((c) => !options.only || options.only.includes(c.key))) {
      options.log(`  ${definition.route} (${definition.caller}): ${definition.shape}`);
      const unsafe = definition.unsafe?.(results) ?? null;
      const result: HostileCase = unsafe
        ? { key: definition.key, route: definition.route, caller: definition.caller, shape: definition.shape, ordinary: null, hostile: null, ratios: null, skipped: unsafe }
        : await measureCase(options, watcher, definition);
      if (result.skipped) options.log(`    ${result.skipped}`);
      else options.log(`    API CPU ${result.ordinary!.apiCpuMs} -> ${result.hostile!.apiCpuMs} ms, block ${result.ordinary!.eventLoopBlockMs} -> ${result.hostile!.eventLoopBlockMs} ms, PostgreSQL peak ${result.hostile!.postgresPeakMb} MB`);
      results.push(result);
    }
    return { cases: results };
  } finally {
    await db.$disconnect();
    await watcher.end();
  }
}

/** The one-click URLs (their query) of `count` users, and their page tokens, made through an API started for that, untimed. */
async function makeLinks(options: HostileOptions, tag: string, count: number): Promise<{ unsubscribe: string; pageToken: string }[]> {
  const { api, baseUrl } = await startBenchApi(options, 'api-hostile-links');
  try {
    const links: { unsubscribe: string; pageToken: string }[] = [];
    for (let index = 0; index < count; index += 1) {
      const response = await fetch(`${baseUrl}/v1/users/${tag}-link-${index}/links`, { method: 'POST', headers: { authorization: `Bearer ${options.secretKey}` } });
      if (response.status !== 200) throw new Error(`POST links answered ${response.status}`);
      const urls = (await response.json()) as { commercial_unsubscribe_url: string; manage_preferences_url: string };
      links.push({ unsubscribe: new URL(urls.commercial_unsubscribe_url).search, pageToken: new URL(urls.manage_preferences_url).searchParams.get('t') ?? '' });
    }
    return links;
  } finally {
    await api.stop();
  }
}
