#!/usr/bin/env node
// A checked-in launcher (not dist/main.js itself), so that npm can link and mark it executable at install
// time, before the first build has produced dist/.
'use strict';
try {
  require.resolve('../dist/main.js');
} catch {
  console.error('prefs: the CLI is not built yet; run `npm run build` at the repository root first');
  process.exit(2);
}
require('../dist/main.js').main();
