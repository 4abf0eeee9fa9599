import path from 'node:path';
import { defineConfig } from 'prisma/config';

// The schema and migrations sit at the repository's top level (prisma/), beside the apps that use them.
export default defineConfig({
  schema: path.join(__dirname, '..', '..', 'prisma', 'schema.prisma'),
  migrations: { path: path.join(__dirname, '..', '..', 'prisma', 'migrations') },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/prefs' },
});
