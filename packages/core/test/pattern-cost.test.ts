import { ENTITY_PATTERNS, PATTERNS } from '../src/contract';
import { cpuMicrosPerCall } from './cpu-cost';

/**
 * Every character rule of the contract is applied to sent text: each must match in linear time. The
 * inputs are the worst for a backtracking pattern: a long run its repeated parts accept, ending in a
 * character that makes the match fail (or a space, for the patterns that allow white space at the end).
 */
const RUNS = ['a', '1', ' ', 'a ', 'http:a'];
const ENDINGS = ['\u0000', '\ud800', '!', ''];

function worstInputs(length: number): string[] {
  return RUNS.flatMap((run) => ENDINGS.map((ending) => `${run.repeat(Math.ceil(length / run.length))}${ending}`));
}

describe('contract patterns: linear time', () => {
  const patterns = Object.entries({ ...PATTERNS, ...ENTITY_PATTERNS }).map(([name, source]) => [name, new RegExp(source, 'u')] as const);

  it.each(patterns)('%s: 100,000 characters cost at most 30x 10,000 (linear is 10x, quadratic 100x)', (_name, pattern) => {
    const small = worstInputs(10_000);
    const large = worstInputs(100_000);
    const ratio = cpuMicrosPerCall(() => large.map((text) => pattern.test(text))) / cpuMicrosPerCall(() => small.map((text) => pattern.test(text)));
    expect(ratio).toBeLessThan(30);
  });
});
