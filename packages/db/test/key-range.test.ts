import { useTestEnvironment, seededRandom } from '@prefs/testing';
import { compareByteOrder, keyRange } from '../src/operations/key-range';

/**
 * The key range computed in JavaScript must be the one PostgreSQL's `COLLATE "C"` finds, because the
 * ordering check compares the stored range there: seeded random key lists, drawn from characters where
 * UTF-16 order and byte order disagree, compared with `min`/`max` in PostgreSQL.
 */

const env = useTestEnvironment();

// ASCII, Latin-1, the last BMP characters (U+E000..U+FFFD sort before astral ones in UTF-8, after
// their surrogates in UTF-16), and astral characters (surrogate pairs).
const CHARACTERS = ['a', 'z', 'A', '0', '-', 'é', 'ÿ', 'Ā', '中', '\uE000', '\uFB01', '\uFFFD', '😀', '𝄞', '\u{10FFFD}'];

function randomKeys(next: () => number): string[] {
  const count = 1 + Math.floor(next() * 12);
  return Array.from({ length: count }, () => {
    const length = 1 + Math.floor(next() * 4);
    return Array.from({ length }, () => CHARACTERS[Math.floor(next() * CHARACTERS.length)]).join('');
  });
}

async function rangeInPostgres(keys: string[]): Promise<{ first: string; last: string }> {
  const rows = await env.db.$queryRawUnsafe<{ first: string; last: string }[]>(
    `SELECT min(key COLLATE "C") AS first, max(key COLLATE "C") AS last FROM jsonb_array_elements_text($1::jsonb) AS key`,
    JSON.stringify(keys),
  );
  return rows[0];
}

test('matches PostgreSQL COLLATE "C" on 300 seeded key lists', async () => {
  const next = seededRandom(20261128);
  for (let round = 0; round < 300; round += 1) {
    const keys = randomKeys(next);
    expect({ keys, range: keyRange(keys) }).toEqual({ keys, range: await rangeInPostgres(keys) });
  }
});

test('orders a character past U+FFFF after U+E000..U+FFFD, as UTF-8 bytes do (UTF-16 puts it before)', () => {
  expect('😀' < '\uFFFD').toBe(true); // JavaScript's own comparison: code units
  expect(compareByteOrder('😀', '\uFFFD')).toBeGreaterThan(0);
  expect(compareByteOrder('\uE000', '\uD7FF')).toBeGreaterThan(0);
  expect(compareByteOrder('ab', 'a')).toBeGreaterThan(0);
  expect(compareByteOrder('same', 'same')).toBe(0);
  expect(keyRange(['b', '😀', '\uFFFD', 'a'])).toEqual({ first: 'a', last: '😀' });
  expect(keyRange([])).toBeNull();
});
