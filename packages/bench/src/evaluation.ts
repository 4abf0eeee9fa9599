import { startBenchApi } from './api-process';
import { Client } from 'pg';
import { USERS_COLLECTION } from '@prefs/core';
import { userId, userRange } from './documents';
import { line, percentile, runPool, type LineResult } from './measure';
import type { LatencyFigures } from './system';

/**
 * The send decision end to end: one built API process, `POST /v1/preferences/evaluate` with 1,000
 * recipients a request, `inFlight` requests at a time. Every recipient has the seeded `default` set;
 * the environment default, a tenant with a replace entry, stored user properties and (one user in ten)
 * a set for the tenant make each decision read and merge every layer and evaluate conditions.
 */

export interface EvaluationBenchOptions {
  repoRoot: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  secretKey: string;
  environmentId: string;
  population: number;
  requests: number;
  recipientsPerRequest: number;
  inFlight: number;
  cpuProfileDir?: string;
  log: (message: string) => void;
}

export interface EvaluationResult {
  line: LineResult;
  latency: LatencyFigures;
  inFlight: number;
  peakMemoryMb: number;
  /** CPU milliseconds the API process spent per 1,000 evaluations. */
  apiCpuMsPerThousand: number;
  /**
   * The same requests, for a workflow that the environment sends only to an audience holding half the
   * population, once that audience exists: the memberships read in the evaluation's statement (recipients.md).
   */
  audience: { line: LineResult; latency: LatencyFigures; apiCpuMsPerThousand: number; members: number; allowedShare: number; allowedShareBefore: number };
}

/** The seeded ids' digits (userId's padding), so that the rows seeded here are the evaluated recipients'. */
const USER_DIGITS = userId(0).length - 'bench-user-'.length;
const AUDIENCE = 'bench-beta';
/** A workflow no user's stored set names, so that the environment's audience condition on it decides. */
const AUDIENCE_WORKFLOW = 'beta-news';

/** Half the population (even users) in the audience, and the workflow sent only to its members. */
async function seedAudience(options: EvaluationBenchOptions): Promise<number> {
  const client = new Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query(`INSERT INTO audiences (environment_id, key) VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING`, [options.environmentId, AUDIENCE]);
    const { rowCount } = await client.query(
      `INSERT INTO audience_members (environment_id, audience_key, user_id)
       SELECT $1::uuid, $2, 'bench-user-' || lpad(i::text, ${USER_DIGITS}, '0') FROM generate_series(0, $3::int - 1, 2) AS i
       ON CONFLICT DO NOTHING`,
      [options.environmentId, AUDIENCE, options.population],
    );
    await client.query(
      `UPDATE environment_defaults SET preferences = jsonb_set(preferences, '{workflows}', $2::jsonb) WHERE environment_id = $1::uuid`,
      [options.environmentId, JSON.stringify({ [AUDIENCE_WORKFLOW]: { conditions: [{ variable: 'recipient', operator: 'is_audience_member', argument: AUDIENCE }] } })],
    );
    await client.query('VACUUM ANALYZE audience_members');
    return rowCount ?? 0;
  } finally {
    await client.end();
  }
}

const TENANT = 'bench-tenant';

async function seedLayers(options: EvaluationBenchOptions): Promise<void> {
  const client = new Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const environmentId = options.environmentId;
    await client.query(
      `INSERT INTO environment_defaults (environment_id, preferences) VALUES ($1::uuid, $2::jsonb)
       ON CONFLICT (environment_id) DO UPDATE SET preferences = EXCLUDED.preferences`,
      [environmentId, JSON.stringify({ channel_types: { email: true, in_app_feed: true }, categories: { product_updates: { channel_types: { sms: false } } } })],
    );
    await client.query(
      `INSERT INTO tenants (environment_id, id, name, properties, preference_set) VALUES ($1::uuid, $2, 'Bench', $3::jsonb, $4::jsonb)
       ON CONFLICT (environment_id, id) DO NOTHING`,
      [
        environmentId,
        TENANT,
        JSON.stringify({ region: 'eu' }),
        JSON.stringify({ categories: { security: { __strategy__: 'replace', channel_types: { email: true } } }, workflows: { 'new-comment': { channel_types: { sms: false } } } }),
      ],
    );
    await client.query(
      `INSERT INTO users (environment_id, id, properties)
       SELECT $1::uuid, 'bench-user-' || lpad(i::text, ${USER_DIGITS}, '0'),
              jsonb_build_object('plan', CASE WHEN i % 3 = 0 THEN 'free' ELSE 'pro' END, 'timezone', 'Europe/Paris', 'email', 'u' || i || '@example.com')
       FROM generate_series(0, $2::int - 1) AS i
       ON CONFLICT (environment_id, id) DO NOTHING`,
      [environmentId, options.population],
    );
    await client.query(
      `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
       SELECT $1::uuid, $5, 'bench-user-' || lpad(i::text, ${USER_DIGITS}, '0'), $2, $3::jsonb FROM generate_series(0, $4::int - 1, 10) AS i
       ON CONFLICT (environment_id, recipient_collection, recipient_id, set_id) DO NOTHING`,
      [environmentId, TENANT, JSON.stringify({ categories: { product_updates: { conditions: [{ variable: 'tenant.region', operator: 'equal_to', argument: 'eu' }] } } }), options.population, USERS_COLLECTION],
    );
    await client.query('VACUUM ANALYZE users');
    await client.query('VACUUM ANALYZE preference_sets');
  } finally {
    await client.end();
  }
}


export async function measureEvaluation(options: EvaluationBenchOptions): Promise<EvaluationResult> {
  await seedLayers(options);
  const { api, baseUrl } = await startBenchApi(options, 'api-evaluate');
  try {
    const headers = { authorization: `Bearer ${options.secretKey}`, 'content-type': 'application/json' };
    let allowed = 0; // decisions that allowed the send, to show that the audience condition decides
    const bodyFor = (index: number, workflowKey = 'new-comment') =>
      JSON.stringify({
        recipients: userRange(index * options.recipientsPerRequest, options.recipientsPerRequest, options.population),
        workflow: { key: workflowKey, categories: ['product_updates'], commercial: true },
        channel: { type: 'in_app_feed' },
        tenant: TENANT,
        data: { project: 'p1' },
        actor: { id: 'bench-actor' },
      });
    async function evaluate(body: string): Promise<void> {
      const response = await fetch(`${baseUrl}/v1/preferences/evaluate`, { method: 'POST', headers, body });
      if (response.status !== 200) throw new Error(`evaluate answered ${response.status}: ${await response.text()}`);
      const result = (await response.json()) as { entries: { allowed: boolean }[] };
      if (result.entries.length !== options.recipientsPerRequest) throw new Error(`evaluate answered ${result.entries.length} entries`);
      for (const entry of result.entries) if (entry.allowed) allowed += 1;
    }

    // Warm-up, not timed: JIT compilation and the connection pool.
    await runPool(20, options.inFlight, (index) => evaluate(bodyFor(index)));

    const evaluations = options.requests * options.recipientsPerRequest;
    async function timed(bodies: string[]): Promise<{ seconds: number; latency: LatencyFigures; apiCpuMsPerThousand: number; allowedShare: number }> {
      const latencies: number[] = [];
      allowed = 0;
      const cpuBefore = api.cpuSeconds();
      const started = performance.now();
      await runPool(bodies.length, options.inFlight, async (index) => {
        const sent = performance.now();
        await evaluate(bodies[index]);
        latencies.push(performance.now() - sent);
      });
      const seconds = (performance.now() - started) / 1000;
      const latency: LatencyFigures = { requests: latencies.length, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: Math.max(...latencies) };
      const apiCpuMsPerThousand = Math.round(((api.cpuSeconds() - cpuBefore) * 1000 * 1000) / evaluations);
      return { seconds, latency, apiCpuMsPerThousand, allowedShare: Math.round((allowed / evaluations) * 1000) / 1000 };
    }
    const note = `${options.requests} requests of ${options.recipientsPerRequest} recipients, ${options.inFlight} in flight`;
    const plain = await timed(Array.from({ length: options.requests }, (_, index) => bodyFor(index)));
    options.log(
      `  evaluate: ${Math.round(evaluations / plain.seconds)} evaluations/s, p50 ${plain.latency.p50Ms.toFixed(1)} ms p99 ${plain.latency.p99Ms.toFixed(1)} ms at ${options.inFlight} in flight; API CPU ms per 1,000: ${plain.apiCpuMsPerThousand}`,
    );
    const members = await seedAudience(options);
    await runPool(20, options.inFlight, (index) => evaluate(bodyFor(index, AUDIENCE_WORKFLOW)));
    const withAudience = await timed(Array.from({ length: options.requests }, (_, index) => bodyFor(index, AUDIENCE_WORKFLOW)));
    options.log(
      `  evaluate with an audience condition (${members} members): ${Math.round(evaluations / withAudience.seconds)} evaluations/s, p99 ${withAudience.latency.p99Ms.toFixed(1)} ms; API CPU ms per 1,000: ${withAudience.apiCpuMsPerThousand}`,
    );
    return {
      line: line('evaluate.1-api', 'evaluate, 1 API process (evaluations)', evaluations, plain.seconds, note),
      latency: plain.latency,
      inFlight: options.inFlight,
      peakMemoryMb: api.peakMemoryMb(),
      apiCpuMsPerThousand: plain.apiCpuMsPerThousand,
      audience: {
        line: line('evaluate.1-api.audience', 'evaluate with an audience condition (evaluations)', evaluations, withAudience.seconds, `${note}; ${members} members`),
        latency: withAudience.latency,
        apiCpuMsPerThousand: withAudience.apiCpuMsPerThousand,
        members,
        allowedShare: withAudience.allowedShare,
        allowedShareBefore: plain.allowedShare,
      },
    };
  } finally {
    await api.stop();
  }
}
