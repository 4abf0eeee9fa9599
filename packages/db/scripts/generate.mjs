// Generates the Prisma client into src/generated. Run from the build, because npm 11 skips packages'
// install scripts. The client needs no native engine (it uses the WASM query compiler and
// @prisma/adapter-pg), but the Prisma CLI still looks for the schema-engine binary before any command
// and tries to download it; pointing PRISMA_SCHEMA_ENGINE_BINARY at an existing file keeps it offline.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const packageDir = path.join(here, '..');
const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js', { paths: [packageDir] });

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;

const result = spawnSync(process.execPath, [prismaCli, 'generate', '--config', path.join(packageDir, 'prisma.config.ts')], {
  cwd: packageDir,
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
