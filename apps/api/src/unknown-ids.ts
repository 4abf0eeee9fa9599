/**
 * Ids (key hashes, link secret ids) recently looked up and not found, each remembered for `ttlMs`: a
 * flood of made-up credentials then costs a map lookup each instead of a database round trip. Bounded
 * by `maxEntries`, oldest forgotten first, and kept apart from the caches of good entries, so that no
 * number of made-up ids can evict a good one.
 */
export class UnknownIds {
  private readonly expiresAt = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  has(id: string): boolean {
    const expiry = this.expiresAt.get(id);
    if (expiry === undefined) return false;
    if (expiry > this.now()) return true;
    this.expiresAt.delete(id);
    return false;
  }

  add(id: string): void {
    // Re-inserted, so that insertion order stays oldest first.
    this.expiresAt.delete(id);
    if (this.expiresAt.size >= this.maxEntries) this.expiresAt.delete(this.expiresAt.keys().next().value as string);
    this.expiresAt.set(id, this.now() + this.ttlMs);
  }

  get size(): number {
    return this.expiresAt.size;
  }
}
