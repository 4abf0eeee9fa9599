import { importSPKI, type CryptoKey } from 'jose';
import { findActiveSigningKeys, findApiKeyByHash, touchApiKeys, type ApiKeyRecord, type Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { UnknownIds } from '../unknown-ids';

/**
 * Every API process keeps the keys it has seen in memory, so a request costs a SHA-256 of its key and a
 * map lookup, never a database round trip, in the steady state. Revocation reaches every process through
 * age alone, with nothing to subscribe to or to miss:
 *
 * - an entry older than `revalidateAfterMs` (1 s) is still served, and re-read in the background;
 * - an entry older than `maxAgeMs` (3 s) is never served: the request waits for a fresh read.
 *
 * An entry's age counts from when its read *started*, so a key revoked at T is read as revoked by every
 * read started after T, and no process serves an entry read before T after T + 3 s: revoked keys and
 * signing keys are refused everywhere within 3 s plus one lookup. A key in use costs each process one
 * indexed lookup a second, off the request path; an idle key costs nothing.
 */
export interface KeyCacheOptions {
  revalidateAfterMs?: number;
  maxAgeMs?: number;
  /** How long a key hash no key has is answered as unknown without a lookup. */
  unknownForMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Entry<T> {
  value: T;
  readStartedAt: number;
}

interface Read<T> {
  promise: Promise<T>;
  startedAt: number;
}

/** One map of entries and the reads in flight for them (shared by concurrent requests). */
interface Store<T> {
  entries: Map<string, Entry<T>>;
  reads: Map<string, Read<T>>;
}

function emptyStore<T>(): Store<T> {
  return { entries: new Map(), reads: new Map() };
}

/** Only keys that exist are cached (active or revoked); bounded, in case of an environment with very many. */
const MAX_ENTRIES = 10_000;
/** Hashes found to be no key, remembered apart from the keys (see `UnknownIds`). */
const MAX_UNKNOWN_ENTRIES = 10_000;
/** `last_used_at` is written at most this often per key and process. */
const TOUCH_INTERVAL_MS = 60_000;
/** A token no cached signing key verifies re-reads the environment's keys at most this often. */
const SIGNING_KEY_RETRY_MS = 1_000;

export class KeyCache {
  private readonly apiKeys = emptyStore<ApiKeyRecord | null>();
  private readonly signingKeys = emptyStore<CryptoKey[]>();
  private readonly importedKeys = new Map<string, Promise<CryptoKey>>();
  private readonly lastTouched = new Map<string, number>();
  private readonly unknownKeys: UnknownIds;
  private readonly revalidateAfterMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    options: KeyCacheOptions = {},
  ) {
    this.revalidateAfterMs = options.revalidateAfterMs ?? 1_000;
    this.maxAgeMs = options.maxAgeMs ?? 3_000;
    this.now = options.now ?? Date.now;
    this.unknownKeys = new UnknownIds(options.unknownForMs ?? this.maxAgeMs, MAX_UNKNOWN_ENTRIES, this.now);
  }

  /**
   * The key with this SHA-256 hash (active or revoked), or null when there is none. A hash found to be no
   * key stays unknown for `unknownForMs` (3 s): a key created meanwhile works from then on.
   */
  async apiKey(keyHash: string): Promise<ApiKeyRecord | null> {
    if (this.unknownKeys.has(keyHash)) return null;
    const record = await this.cached(this.apiKeys, keyHash, () => this.readApiKey(keyHash), (value) => value !== null);
    if (record === null) this.unknownKeys.add(keyHash);
    return record;
  }

  /** Whether `apiKey` would answer from memory, without waiting for the database. */
  knows(keyHash: string): boolean {
    if (this.unknownKeys.has(keyHash)) return true;
    const entry = this.apiKeys.entries.get(keyHash);
    return entry !== undefined && this.now() - entry.readStartedAt < this.maxAgeMs;
  }

  /** The environment's active signing keys, imported for verification. */
  async activeSigningKeys(environmentId: string): Promise<CryptoKey[]> {
    return this.cached(this.signingKeys, environmentId, () => this.readSigningKeys(environmentId), () => true);
  }

  /**
   * Re-reads the environment's signing keys when the cached list is over a second old: a key created a
   * moment ago on another process is then found at once, while a stream of bad tokens costs at most one
   * read a second. Returns null when the list is fresh (nothing new to try).
   */
  async rereadSigningKeys(environmentId: string): Promise<CryptoKey[] | null> {
    const entry = this.signingKeys.entries.get(environmentId);
    if (entry && this.now() - entry.readStartedAt < SIGNING_KEY_RETRY_MS) return null;
    const inFlight = this.signingKeys.reads.get(environmentId);
    if (inFlight && (!entry || inFlight.startedAt > entry.readStartedAt)) return inFlight.promise;
    return this.read(this.signingKeys, environmentId, () => this.readSigningKeys(environmentId), () => true).promise;
  }

  private async cached<T>(store: Store<T>, id: string, read: () => Promise<T>, keep: (value: T) => boolean): Promise<T> {
    const now = this.now();
    const entry = store.entries.get(id);
    if (entry && now - entry.readStartedAt < this.maxAgeMs) {
      if (now - entry.readStartedAt >= this.revalidateAfterMs && !store.reads.has(id)) {
        this.read(store, id, read, keep).promise.catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not revalidate a cached key; the entry expires on its own'),
        );
      }
      return entry.value;
    }
    // Too old or absent: wait for a read, sharing one that started recently enough to count as fresh.
    const inFlight = store.reads.get(id);
    if (inFlight && now - inFlight.startedAt < this.maxAgeMs) return inFlight.promise;
    return this.read(store, id, read, keep).promise;
  }

  private read<T>(store: Store<T>, id: string, read: () => Promise<T>, keep: (value: T) => boolean): Read<T> {
    const startedAt = this.now();
    const promise = read().then((value) => {
      const current = store.entries.get(id);
      // A read that started before the entry now held must not replace it.
      if (current && current.readStartedAt > startedAt) return current.value;
      if (keep(value)) {
        if (!current && store.entries.size >= MAX_ENTRIES) store.entries.clear();
        store.entries.set(id, { value, readStartedAt: startedAt });
      } else {
        store.entries.delete(id);
      }
      return value;
    });
    const inFlight = { promise, startedAt };
    store.reads.set(id, inFlight);
    const forget = () => {
      if (store.reads.get(id) === inFlight) store.reads.delete(id);
    };
    promise.then(forget, forget);
    return inFlight;
  }

  private async readApiKey(keyHash: string): Promise<ApiKeyRecord | null> {
    const record = await findApiKeyByHash(this.db, keyHash);
    // A read happens only because the key was used: record that, at most once a minute, off the request path.
    if (record && !record.revoked) {
      const now = this.now();
      if (now - (this.lastTouched.get(record.id) ?? 0) >= TOUCH_INTERVAL_MS) {
        if (this.lastTouched.size >= MAX_ENTRIES) this.lastTouched.clear();
        this.lastTouched.set(record.id, now);
        touchApiKeys(this.db, [record.id]).catch((error: unknown) => this.logger.warn({ err: error }, 'could not record when a key was last used'));
      }
    }
    return record;
  }

  private async readSigningKeys(environmentId: string): Promise<CryptoKey[]> {
    const rows = await findActiveSigningKeys(this.db, environmentId);
    return Promise.all(
      rows.map((row) => {
        let imported = this.importedKeys.get(row.id);
        if (!imported) {
          imported = importSPKI(row.publicKeyPem, 'RS256');
          if (this.importedKeys.size >= MAX_ENTRIES) this.importedKeys.clear();
          this.importedKeys.set(row.id, imported);
        }
        return imported;
      }),
    );
  }
}
