import { PassThrough } from 'node:stream';
import { signUserToken } from '@knocklabs/node';
import { importSPKI, jwtVerify } from 'jose';
import { ensureApiKey, findApiKeyByHash, hashSecretKey } from '@prefs/db';
import { useTestEnvironment } from '@prefs/testing';
import { run } from '../src/main';

/**
 * `prefs keys` and `prefs signing-keys` against a real PostgreSQL database (they talk to it directly),
 * run in process through the same `run` the bin calls.
 */
const env = useTestEnvironment();

async function prefs(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await run({ argv, env: { DATABASE_URL: env.databaseUrl }, stdout, stderr });
  return { code, stdout: out, stderr: err };
}

describe('prefs keys', () => {
  it('creates a public key with --public, stored hashed as a public key', async () => {
    const created = await prefs('keys', 'create', '--environment', 'web', '--public');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('user token');
    expect(await findApiKeyByHash(env.db, hashSecretKey(key))).toMatchObject({ kind: 'public', revoked: false, environmentName: 'web' });
  });

  it('lists prefix, kind, created, last used and status, and never the key', async () => {
    const secret = (await prefs('keys', 'create', '--environment', 'listed')).stdout.trim();
    const publicKey = (await prefs('keys', 'create', '--environment', 'listed', '--public')).stdout.trim();
    const listed = await prefs('keys', 'list', '--environment', 'listed');
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PREFIX +KIND +CREATED +LAST_USED +STATUS$/);
    expect(lines[1].split(/ +/)).toEqual([secret.slice(0, 12), 'secret', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), '-', 'active']);
    expect(lines[2].split(/ +/).slice(0, 2)).toEqual([publicKey.slice(0, 12), 'public']);
    expect(listed.stdout).not.toContain(secret);

    const json = JSON.parse((await prefs('keys', 'list', '--environment', 'listed', '--json')).stdout) as { prefix: string; kind: string; last_used_at: null }[];
    expect(json.map((key) => key.kind)).toEqual(['secret', 'public']);

    const missing = await prefs('keys', 'list', '--environment', 'nowhere');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no environment named "nowhere"');
  });

  it('revokes a key by its prefix or whole, once; ambiguous and short prefixes revoke nothing', async () => {
    const key = (await prefs('keys', 'create', '--environment', 'revoking')).stdout.trim();
    const other = (await prefs('keys', 'create', '--environment', 'revoking')).stdout.trim();

    const tooShort = await prefs('keys', 'revoke', 'sk_');
    expect(tooShort.code).toBe(2);
    await ensureApiKey(env.db, 'revoking', 'sk_twin-prefix-one', 'secret');
    await ensureApiKey(env.db, 'revoking', 'sk_twin-prefix-two', 'secret');
    const ambiguous = await prefs('keys', 'revoke', 'sk_twin');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('matches several active keys');
    expect(await findApiKeyByHash(env.db, hashSecretKey('sk_twin-prefix-one'))).toMatchObject({ revoked: false });

    const revoked = await prefs('keys', 'revoke', key.slice(0, 12));
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked the secret key ${key.slice(0, 12)}`);
    expect(await findApiKeyByHash(env.db, hashSecretKey(key))).toMatchObject({ revoked: true });
    expect(await findApiKeyByHash(env.db, hashSecretKey(other))).toMatchObject({ revoked: false });

    const again = await prefs('keys', 'revoke', key.slice(0, 12));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no active key');

    const whole = await prefs('keys', 'revoke', other);
    expect(whole.code).toBe(0);
    expect(await findApiKeyByHash(env.db, hashSecretKey(other))).toMatchObject({ revoked: true });

    const listed = (await prefs('keys', 'list', '--environment', 'revoking')).stdout;
    expect(listed.match(/revoked \d{4}-/g)).toHaveLength(2);
  });
});

describe('prefs signing-keys', () => {
  it("prints a private key that @knocklabs/node's signUserToken takes unchanged, and stores only the public half", async () => {
    await prefs('keys', 'create', '--environment', 'signing');
    const created = await prefs('signing-keys', 'create', '--environment', 'signing');
    expect(created.code).toBe(0);
    const privateKey = created.stdout.trim();
    expect(privateKey).toMatch(/^LS0tLS1CRUdJTi[A-Za-z0-9+/=]+$/); // base64 of "-----BEGIN"
    expect(Buffer.from(privateKey, 'base64').toString()).toContain('-----BEGIN PRIVATE KEY-----'); // PKCS#8

    const token = await signUserToken('user-1', { signingKey: privateKey });
    const stored = await env.db.signingKey.findFirstOrThrow({ where: { environment: { name: 'signing' } } });
    expect(stored.publicKeyPem).toContain('-----BEGIN PUBLIC KEY-----');
    expect(JSON.stringify(stored)).not.toContain(privateKey.slice(40, 80));
    const { payload } = await jwtVerify(token, await importSPKI(stored.publicKeyPem, 'RS256'), { algorithms: ['RS256'] });
    expect(payload.sub).toBe('user-1');
  });

  it('lists and revokes signing keys by id prefix; several stay active at once', async () => {
    await prefs('signing-keys', 'create', '--environment', 'signing');
    const listed = await prefs('signing-keys', 'list', '--environment', 'signing', '--json');
    const keys = JSON.parse(listed.stdout) as { id: string; revoked_at: string | null }[];
    expect(keys).toHaveLength(2);
    expect(keys.every((key) => key.revoked_at === null)).toBe(true);

    const revoked = await prefs('signing-keys', 'revoke', keys[0].id.slice(0, 8));
    expect(revoked.code).toBe(0);
    const after = (await prefs('signing-keys', 'list', '--environment', 'signing')).stdout.trimEnd().split('\n');
    expect(after[0]).toMatch(/^ID +CREATED +STATUS$/);
    expect(after[1]).toMatch(new RegExp(`^${keys[0].id} .*revoked `));
    expect(after[2]).toMatch(new RegExp(`^${keys[1].id} .*active$`));

    expect((await prefs('signing-keys', 'revoke', keys[0].id)).code).toBe(1); // already revoked
    expect((await prefs('signing-keys', 'revoke', 'abc')).code).toBe(2); // too short
  });

  it('refuses an environment that does not exist, rather than making one', async () => {
    const created = await prefs('signing-keys', 'create', '--environment', 'typo');
    expect(created.code).toBe(2);
    expect(created.stderr).toContain('no environment named "typo"');
    expect(await env.db.environment.findUnique({ where: { name: 'typo' } })).toBeNull();
  });

  it('explains itself', async () => {
    for (const [args, text] of [
      [['keys', 'create', '--help'], '--public'],
      [['keys', 'list', '--help'], 'last used'],
      [['keys', 'revoke', '--help'], 'within 5 seconds'],
      [['signing-keys', '--help'], 'X-Knock-User-Token'],
      [['signing-keys', 'create', '--help'], 'signUserToken'],
      [['--help'], 'signing-keys create'],
    ] as const) {
      const help = await prefs(...args);
      expect({ args, code: help.code }).toEqual({ args, code: 0 });
      expect(help.stdout).toContain(text);
    }
  });
});
