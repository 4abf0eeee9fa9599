import { startBenchApi } from './api-process';
import { line, percentile, runPool, type LineResult } from './measure';

/**
 * One-click unsubscribes recorded per second by one API process: a campaign's burst of RFC 8058 POSTs
 * (each a merge into the user's default set and an event row, committed before the 200), `postsPerUser`
 * per link, shuffled, `parallel` in flight. The links are made through the API first, untimed.
 */
export interface UnsubscribeOptions {
  repoRoot: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  secretKey: string;
  users: number;
  postsPerUser: number;
  parallel: number;
  cpuProfileDir?: string;
  log: (message: string) => void;
}

export interface UnsubscribeResult {
  line: LineResult;
  latency: { p50Ms: number; p99Ms: number };
  apiCpuMsPerThousand: number;
  peakMemoryMb: number;
}

export async function measureUnsubscribes(options: UnsubscribeOptions, tag: string): Promise<UnsubscribeResult> {
  const { api, baseUrl } = await startBenchApi(options, 'api-unsubscribe');
  try {
    const urls: string[] = new Array(options.users);
    await runPool(options.users, 8, async (index) => {
      const response = await fetch(`${baseUrl}/v1/users/unsubscribe-${tag}-${index}/links`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.secretKey}` },
      });
      if (response.status !== 200) throw new Error(`POST links answered ${response.status}: ${await response.text()}`);
      urls[index] = new URL(((await response.json()) as { commercial_unsubscribe_url: string }).commercial_unsubscribe_url).search;
    });
    const posts = urls.flatMap((search) => Array.from({ length: options.postsPerUser }, () => `${baseUrl}/unsubscribe${search}`));
    for (let i = posts.length - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      [posts[i], posts[j]] = [posts[j], posts[i]];
    }
    options.log(`  ${posts.length} one-click POSTs for ${options.users} users, ${options.parallel} in flight`);
    const latencies: number[] = [];
    const cpuBefore = api.cpuSeconds();
    const started = performance.now();
    await runPool(posts.length, options.parallel, async (index) => {
      const sent = performance.now();
      const response = await fetch(posts[index], {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
        redirect: 'manual',
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`one-click POST answered ${response.status}`);
      latencies.push(performance.now() - sent);
    });
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = (api.cpuSeconds() - cpuBefore) * 1000;
    return {
      line: line('unsubscribe.one-click', 'one-click unsubscribes, 1 API process', posts.length, seconds, `${options.parallel} in flight; API CPU ${Math.round((cpuMs / posts.length) * 1000)} ms per 1,000`),
      latency: { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) },
      apiCpuMsPerThousand: Math.round((cpuMs / posts.length) * 1000),
      peakMemoryMb: api.peakMemoryMb(),
    };
  } finally {
    await api.stop();
  }
}
