import { readFileSync } from 'node:fs';
import path from 'node:path';
import { exportedNames, importedNames, sourcesOutsidePackage } from '@prefs/testing';

/**
 * The package's front door names exactly what is used outside it: each name src/index.ts exports is
 * imported from '@prefs/core' by an app, another package (its tests, the CLI and the bench included) or
 * the system tests, and nothing else. An internal left exported fails here.
 */
it('exports exactly the names used outside the package, and no `export *`', () => {
  const index = readFileSync(path.join(__dirname, '..', 'src', 'index.ts'), 'utf8');
  expect(index).not.toMatch(/export \*/);
  const exported = exportedNames(index);
  expect(exported.length).toBeGreaterThan(50);
  const imported = new Set(sourcesOutsidePackage('core').flatMap((source) => importedNames(source, '@prefs/core')));

  expect(exported.filter((name) => !imported.has(name))).toEqual([]);
  expect([...imported].filter((name) => !exported.includes(name))).toEqual([]);
  expect(new Set(exported).size).toBe(exported.length);
});
