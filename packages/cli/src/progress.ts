/** The live view of a bulk-set run: a redrawn bar at a terminal, plain periodic lines otherwise. */

export interface ProgressSnapshot {
  totalUsers: number;
  processedUsers: number;
  failedUsers: number;
  operations: number;
  submitted: number;
  ended: number;
  failedOperations: number;
  /** e.g. "rate limited, retrying in 1s"; shown until the next snapshot without one. */
  note?: string;
  elapsedMs: number;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function percent(snapshot: ProgressSnapshot): number {
  return snapshot.totalUsers === 0 ? 100 : Math.floor((snapshot.processedUsers / snapshot.totalUsers) * 100);
}

export function renderBar(snapshot: ProgressSnapshot, width = 30): string {
  const filled = snapshot.totalUsers === 0 ? width : Math.round((snapshot.processedUsers / snapshot.totalUsers) * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const parts = [
    `${bar} ${String(percent(snapshot)).padStart(3)}%`,
    `${formatCount(snapshot.processedUsers)}/${formatCount(snapshot.totalUsers)} users`,
    `ops ${snapshot.ended}/${snapshot.operations} ended`,
  ];
  if (snapshot.submitted < snapshot.operations) parts.push(`${snapshot.submitted} submitted`);
  if (snapshot.failedOperations > 0) parts.push(`${snapshot.failedOperations} failed`);
  if (snapshot.failedUsers > 0) parts.push(`${formatCount(snapshot.failedUsers)} user errors`);
  parts.push(formatDuration(snapshot.elapsedMs));
  if (snapshot.note) parts.push(snapshot.note);
  return parts.join('  ');
}

export function renderLine(snapshot: ProgressSnapshot): string {
  let line =
    `progress: ${formatCount(snapshot.processedUsers)}/${formatCount(snapshot.totalUsers)} users (${percent(snapshot)}%), ` +
    `${snapshot.ended}/${snapshot.operations} operations ended (${snapshot.submitted} submitted, ${snapshot.failedOperations} failed), ` +
    `${formatCount(snapshot.failedUsers)} user errors, ${formatDuration(snapshot.elapsedMs)}`;
  if (snapshot.note) line += `; ${snapshot.note}`;
  return line;
}

export interface ProgressView {
  update(snapshot: ProgressSnapshot): void;
  /** Prints a message without tearing the bar. */
  log(message: string): void;
  /** Draws the final state and leaves the cursor on a fresh line. */
  finish(snapshot: ProgressSnapshot): void;
}

/**
 * `interactive`: redraw one line in place (at most every `redrawMs`). Otherwise print a plain line
 * every `lineIntervalMs` when something changed, so that logs of a long run stay readable.
 */
export function createProgressView(
  out: NodeJS.WritableStream,
  options: { interactive: boolean; lineIntervalMs?: number; now?: () => number },
): ProgressView {
  const now = options.now ?? Date.now;
  const lineIntervalMs = options.lineIntervalMs ?? 2000;
  let lastPrinted = '';
  let lastPrintedAt = -Infinity;
  let barShown = false;

  const clearBar = () => {
    if (barShown) out.write('\r\x1b[K');
    barShown = false;
  };

  return {
    update(snapshot) {
      if (options.interactive) {
        out.write(`\r\x1b[K${renderBar(snapshot)}`);
        barShown = true;
        return;
      }
      const line = renderLine({ ...snapshot, elapsedMs: 0 });
      if (line === lastPrinted || now() - lastPrintedAt < lineIntervalMs) return;
      lastPrinted = line;
      lastPrintedAt = now();
      out.write(`${renderLine(snapshot)}\n`);
    },
    log(message) {
      clearBar();
      out.write(`${message}\n`);
    },
    finish(snapshot) {
      if (options.interactive) {
        out.write(`\r\x1b[K${renderBar(snapshot)}\n`);
        barShown = false;
      } else {
        out.write(`${renderLine(snapshot)}\n`);
      }
    },
  };
}
