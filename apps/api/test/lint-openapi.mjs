// Lints an OpenAPI document (a JSON file) with Redocly's recommended rules, and prints every problem as
// one JSON line. Exits 1 when there is any, warnings included. A separate process because
// @redocly/openapi-core is an ES module only, which jest's CommonJS runtime cannot load.
// Usage: node apps/api/test/lint-openapi.mjs <openapi.json>
import { readFileSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';

const file = process.argv[2];
const config = await createConfig({ extends: ['recommended'] });
const problems = await lintFromString({ source: readFileSync(file, 'utf8'), absoluteRef: file, config });
for (const problem of problems) {
  console.log(JSON.stringify({ severity: problem.severity, rule: problem.ruleId, message: problem.message, at: problem.location?.[0]?.pointer }));
}
process.exit(problems.length === 0 ? 0 : 1);
