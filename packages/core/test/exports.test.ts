import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The package's front door names exactly what is used outside it: each name src/index.ts exports is
 * imported from '@prefs/core' by an app, another package (its tests, the CLI and the bench included) or
 * the system tests, and nothing else. An internal left exported fails here.
 */
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

/** The names inside `{ a, type B, c as d }`: the exported name, before any `as`. */
function namesOf(clause: string): string[] {
  return clause
    .split(',')
    .map((name) => name.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0])
    .filter(Boolean);
}

/** The names of `export { a, type B } from '...'` lines. */
function exportedNames(index: string): string[] {
  return [...index.matchAll(/export\s*\{([^}]*)\}\s*from/g)].flatMap((match) => namesOf(match[1]));
}

/** The names a source imports (or re-exports) from '@prefs/core'. */
function importedNames(source: string): string[] {
  return [...source.matchAll(/(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]@prefs\/core['"]/g)].flatMap((match) => namesOf(match[1]));
}

it('exports exactly the names used outside the package, and no `export *`', () => {
  const index = readFileSync(path.join(__dirname, '..', 'src', 'index.ts'), 'utf8');
  expect(index).not.toMatch(/export \*/);
  const exported = exportedNames(index);
  expect(exported.length).toBeGreaterThan(50);

  const outside = [
    ...readdirSync(path.join(ROOT, 'apps')).map((app) => path.join(ROOT, 'apps', app)),
    ...readdirSync(path.join(ROOT, 'packages')).filter((name) => name !== 'core').map((name) => path.join(ROOT, 'packages', name)),
    path.join(ROOT, 'tests'),
  ].flatMap(sourcesUnder);
  const imported = new Set(outside.flatMap((file) => importedNames(readFileSync(file, 'utf8'))));

  expect(exported.filter((name) => !imported.has(name))).toEqual([]);
  expect([...imported].filter((name) => !exported.includes(name))).toEqual([]);
  expect(new Set(exported).size).toBe(exported.length);
});
