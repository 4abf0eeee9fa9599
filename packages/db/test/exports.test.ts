import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The package's front door names only what is used outside it: each name src/index.ts exports appears in
 * the sources of an app, another package or the system tests. An internal left exported fails here.
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

/** The names of `export { a, type B } from '...'` lines. */
function exportedNames(index: string): string[] {
  return [...index.matchAll(/export\s*\{([^}]*)\}\s*from/g)].flatMap((match) =>
    match[1]
      .split(',')
      .map((name) => name.trim().replace(/^type\s+/, ''))
      .filter(Boolean),
  );
}

it('exports only names used outside the package, and no `export *`', () => {
  const index = readFileSync(path.join(__dirname, '..', 'src', 'index.ts'), 'utf8');
  expect(index).not.toMatch(/export \*/);
  const names = exportedNames(index);
  expect(names.length).toBeGreaterThan(50);

  const outside = [
    ...readdirSync(path.join(ROOT, 'apps')).map((app) => path.join(ROOT, 'apps', app)),
    ...readdirSync(path.join(ROOT, 'packages')).filter((name) => name !== 'db').map((name) => path.join(ROOT, 'packages', name)),
    path.join(ROOT, 'tests'),
  ].flatMap(sourcesUnder);
  const text = outside.map((file) => readFileSync(file, 'utf8')).filter((source) => source.includes('@prefs/db')).join('\n');
  expect(names.filter((name) => !new RegExp(`\\b${name}\\b`).test(text))).toEqual([]);
});
