import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** For the tests that hold a package's index.ts to what the rest of the repository uses of it. */

const ROOT = path.join(__dirname, '..', '..', '..');

function sourcesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'generated') return [];
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourcesUnder(full);
    return /\.(ts|tsx|js|mjs)$/.test(entry) ? [full] : [];
  });
}

/** The texts of every source outside `packages/<name>`: the apps, the other packages, the system tests. */
export function sourcesOutsidePackage(name: string): string[] {
  return [
    ...readdirSync(path.join(ROOT, 'apps')).map((app) => path.join(ROOT, 'apps', app)),
    ...readdirSync(path.join(ROOT, 'packages')).filter((other) => other !== name).map((other) => path.join(ROOT, 'packages', other)),
    path.join(ROOT, 'tests'),
  ]
    .flatMap(sourcesUnder)
    .map((file) => readFileSync(file, 'utf8'));
}

/** The names inside `{ a, type B, c as d }`: the exported name, before any `as`. */
function namesOf(clause: string): string[] {
  return clause
    .split(',')
    .map((name) => name.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0] as string)
    .filter(Boolean);
}

/** The names of an index's `export { a, type B } from '...'` lines. */
export function exportedNames(index: string): string[] {
  return [...index.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}\s*from/g)].flatMap((match) => namesOf(match[1] as string));
}

/** The names a source imports (or re-exports) from `specifier` (such as '@prefs/core'). */
export function importedNames(source: string, specifier: string): string[] {
  const quoted = specifier.replace(/[/@]/g, (character) => `\\${character}`);
  return [...source.matchAll(new RegExp(`(?:import|export)\\s+(?:type\\s+)?\\{([^}]*)\\}\\s*from\\s*['"]${quoted}['"]`, 'g'))].flatMap((match) => namesOf(match[1] as string));
}
