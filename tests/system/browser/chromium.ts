import { existsSync } from 'node:fs';

/**
 * Where a Chromium is: CHROMIUM_PATH, else Debian's `chromium` package (what `npm test` installs when it
 * may), else other usual places. Null when there is none; `missingChromium` then says what to do.
 */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/snap/bin/chromium'];
  return candidates.find((candidate): candidate is string => typeof candidate === 'string' && candidate !== '' && existsSync(candidate)) ?? null;
}

export const missingChromium =
  'No Chromium found (looked at CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome, /snap/bin/chromium): ' +
  'the browser test is skipped; the same calls run from Node instead. Install it with `apt-get install chromium` ' +
  '(npm test does so itself as root on Debian or Ubuntu) or set CHROMIUM_PATH.';
