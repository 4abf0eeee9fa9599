// `npm run db:migrate`: creates the database named by DATABASE_URL if needed, then applies migrations.
import { DEFAULT_DATABASE_URL } from '@prefs/config';
import { ensureDatabase, runMigrations } from './migrate';

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const created = await ensureDatabase(databaseUrl);
  if (created) console.log(`created database ${new URL(databaseUrl).pathname.slice(1)}`);
  const result = await runMigrations(databaseUrl);
  for (const name of result.applied) console.log(`applied ${name}`);
  console.log(`migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`);
}

main().catch((error: unknown) => {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
