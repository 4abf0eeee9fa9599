import { startBenchApi } from './api-process';
import { Client } from 'pg';
import { userRange } from './documents';
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
       SELECT $1::uuid, 'bench-user-' || lpad(i::text, 6, '0'),
              jsonb_build_object('plan', CASE WHEN i % 3 = 0 THEN 'free' ELSE 'pro' END, 'timezone', 'Europe/Paris', 'email', 'u' || i || '@example.com')
       FROM generate_series(0, $2::int - 1) AS i
       ON CONFLICT (environment_id, id) DO NOTHING`,
      [environmentId, options.population],
    );
    await client.query(
      `INSERT INTO preference_sets (environment_id, user_id, set_id, preferences)
       SELECT $1::uuid, 'bench-user-' || lpad(i::text, 6, '0'), $2, $3::jsonb FROM generate_series(0, $4::int - 1, 10) AS i
       ON CONFLICT (environment_id, user_id, set_id) DO NOTHING`,
      [environmentId, TENANT, JSON.stringify({ categories: { product_updates: { conditions: [{ variable: 'tenant.region', operator: 'equal_to', argument: 'eu' }] } } }), options.population],
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
    const bodyFor = (index: number) =>
      JSON.stringify({
        recipients: userRange(index * options.recipientsPerRequest, options.recipientsPerRequest, options.population),
        workflow: { key: 'new-comment', categories: ['product_updates'], commercial: true },
        channel: { type: 'in_app_feed' },
        tenant: TENANT,
        data: { project: 'p1' },
        actor: { id: 'bench-actor' },
      });
    async function evaluate(body: string): Promise<void> {
      const response = await fetch(`${baseUrl}/v1/preferences/evaluate`, { method: 'POST', headers, body });
      if (response.status !== 200) throw new Error(`evaluate answered ${response.status}: ${await response.text()}`);
      const result = (await response.json()) as { entries: unknown[] };
      if (result.entries.length !== options.recipientsPerRequest) throw new Error(`evaluate answered ${result.entries.length} entries`);
    }

    // Warm-up, not timed: JIT compilation and the connection pool.
    await runPool(20, options.inFlight, (index) => evaluate(bodyFor(index)));

    const bodies = Array.from({ length: options.requests }, (_, index) => bodyFor(index));
    const latencies: number[] = [];
    const cpuBefore = api.cpuSeconds();
    const started = performance.now();
    await runPool(bodies.length, options.inFlight, async (index) => {
      const sent = performance.now();
      await evaluate(bodies[index]);
      latencies.push(performance.now() - sent);
    });
    const seconds = (performance.now() - started) / 1000;
    const evaluations = options.requests * options.recipientsPerRequest;
    const latency: LatencyFigures = {
      requests: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
    };
    const result: EvaluationResult = {
      line: line(
        'evaluate.1-api',
        'evaluate, 1 API process (evaluations)',
        evaluations,
        seconds,
        `${options.requests} requests of ${options.recipientsPerRequest} recipients, ${options.inFlight} in flight`,
      ),
      latency,
      inFlight: options.inFlight,
      peakMemoryMb: api.peakMemoryMb(),
      apiCpuMsPerThousand: Math.round(((api.cpuSeconds() - cpuBefore) * 1000 * 1000) / evaluations),
    };
    options.log(
      `  evaluate: ${Math.round(evaluations / seconds)} evaluations/s, p50 ${latency.p50Ms.toFixed(1)} ms p99 ${latency.p99Ms.toFixed(1)} ms at ${options.inFlight} in flight; API CPU ms per 1,000: ${result.apiCpuMsPerThousand}`,
    );
    return result;
  } finally {
    await api.stop();
  }
}
