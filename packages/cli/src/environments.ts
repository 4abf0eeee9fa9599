import { parseArgs } from 'node:util';
import { checkEnvironmentName, table, withDatabase } from './database';
import { InputError } from './users-file';

/**
 * `prefs environments list|weight`: each environment's queue of bulk operations and its weight, the
 * share of the workers it gets against the others while it has operations waiting (fair scheduling,
 * docs/bulk-operations.md). Talks to PostgreSQL directly, like `keys`.
 */

/** As SCHEDULING_WEIGHT in @prefs/db (read here without loading Prisma for the usage errors). */
const WEIGHT = { min: 1, max: 1000 };

export const ENVIRONMENTS_HELP = `Usage: prefs environments list [--json]
       prefs environments weight NAME N

  list     every environment: its weight, its bulk operations queued and processing, and how long the
           oldest queued one has waited
  weight   set an environment's weight, ${WEIGHT.min} to ${WEIGHT.max} (default 1). Environments with operations waiting
           share the workers in proportion to their weights: one of weight 2 gets twice the share of
           one of weight 1. It takes effect at the workers' next claim.

Options:
  --json       list: print JSON
  -h, --help   this help

Environment:
  DATABASE_URL   PostgreSQL (default postgresql://postgres@127.0.0.1:5432/prefs)`;

function readWeight(raw: string): number {
  const weight = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(weight >= WEIGHT.min && weight <= WEIGHT.max)) throw new InputError(`the weight must be an integer from ${WEIGHT.min} to ${WEIGHT.max}, got "${raw}"`);
  return weight;
}

export async function runEnvironments(args: string[], env: Record<string, string | undefined>, out: NodeJS.WritableStream): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h') {
    out.write(`${ENVIRONMENTS_HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'list' && command !== 'weight') throw new InputError(`unknown environments command "${command}" (list or weight)`);
  let parsed: { values: { json?: boolean; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(`${(error as Error).message}\n${ENVIRONMENTS_HELP}`);
  }
  if (parsed.values.help) {
    out.write(`${ENVIRONMENTS_HELP}\n`);
    return 0;
  }
  if (command === 'weight') {
    if (parsed.positionals.length !== 2) throw new InputError('environments weight needs the environment\'s name and the weight: prefs environments weight NAME N');
    const [name, rawWeight] = parsed.positionals;
    checkEnvironmentName(name);
    const weight = readWeight(rawWeight);
    const found = await withDatabase(env, async (db) => (await import('@prefs/db')).setSchedulingWeight(db, name, weight));
    if (!found) throw new InputError(`there is no environment named "${name}"`);
    out.write(`environment "${name}" now has weight ${weight}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new InputError(`unexpected argument "${parsed.positionals[0]}"`);
  const queues = await withDatabase(env, async (db) => (await import('@prefs/db')).listEnvironmentQueues(db));
  if (parsed.values.json === true) {
    out.write(`${JSON.stringify(queues.map((queue) => ({ name: queue.name, weight: queue.weight, queued: queue.queued, processing: queue.processing, oldest_wait_seconds: queue.oldestWaitSeconds })), null, 2)}\n`);
    return 0;
  }
  out.write(
    table([
      ['NAME', 'WEIGHT', 'QUEUED', 'PROCESSING', 'OLDEST_WAIT'],
      ...queues.map((queue) => [queue.name, String(queue.weight), String(queue.queued), String(queue.processing), queue.queued > 0 ? `${queue.oldestWaitSeconds.toFixed(1)} s` : '-']),
    ]),
  );
  return 0;
}
