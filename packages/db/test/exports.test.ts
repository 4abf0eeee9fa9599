import { readFileSync } from 'node:fs';
import path from 'node:path';
import { exportedNames, sourcesOutsidePackage } from '@prefs/testing';

/**
 * The package's front door names only what is used outside it: each name src/index.ts exports appears in
 * the sources of an app, another package or the system tests that use '@prefs/db' (the CLI imports it
 * dynamically too, so a mention counts, not only a static import). An internal left exported fails here.
 */
it('exports only names used outside the package, and no `export *`', () => {
  const index = readFileSync(path.join(__dirname, '..', 'src', 'index.ts'), 'utf8');
  expect(index).not.toMatch(/export \*/);
  const names = exportedNames(index);
  expect(names.length).toBeGreaterThan(50);
  const text = sourcesOutsidePackage('db').filter((source) => source.includes('@prefs/db')).join('\n');
  expect(names.filter((name) => !new RegExp(`\\b${name}\\b`).test(text))).toEqual([]);
});
