import { mergePreferences, replacePreferences, USERS_COLLECTION, type PreferenceDocument } from '@prefs/core';
import { createDatabase } from '@prefs/db';
import { fullDocument, mergePatch, userRange } from './documents';
import { line, secondsSince, type LineResult } from './measure';

/**
 * The naive baseline a newcomer would write: one Prisma `upsert` per user, awaited in turn (for merge,
 * a `findUnique` first). Measured on a sample of users, since a full run takes minutes.
 */

export interface NaiveOptions {
  databaseUrl: string;
  environmentId: string;
  setId: string;
  sampleUsers: number;
  population: number;
  firstUser: number;
}

export async function measureNaive(options: NaiveOptions, tag: string): Promise<LineResult[]> {
  const db = createDatabase({ databaseUrl: options.databaseUrl, poolSize: 1, applicationName: 'prefs-bench-naive' });
  const results: LineResult[] = [];
  let firstUser = options.firstUser;
  try {
    for (const strategy of ['replace', 'merge'] as const) {
      const lineTag = `${tag}-naive-${strategy}`;
      const replaceDocument = replacePreferences(fullDocument(lineTag));
      const patch = mergePatch(lineTag);
      const users = userRange(firstUser, options.sampleUsers, options.population);
      firstUser += options.sampleUsers;
      const begun = performance.now();
      for (const userId of users) {
        const key = { environmentId: options.environmentId, recipientCollection: USERS_COLLECTION, recipientId: userId, setId: options.setId };
        let document: PreferenceDocument = replaceDocument;
        if (strategy === 'merge') {
          const stored = await db.preferenceSet.findUnique({ where: { environmentId_recipientCollection_recipientId_setId: key } });
          document = mergePreferences((stored?.preferences as PreferenceDocument | undefined) ?? null, patch);
        }
        // Prisma's Json input type does not accept our interface directly; the document is plain JSON.
        const preferences = document as object;
        await db.preferenceSet.upsert({
          where: { environmentId_recipientCollection_recipientId_setId: key },
          create: { ...key, preferences },
          update: { preferences, updatedAt: new Date() },
        });
      }
      results.push(
        line(`naive.${strategy}`, `naive Prisma upsert per user, ${strategy}`, users.length, secondsSince(begun), `sample of ${users.length} users`),
      );
    }
    return results;
  } finally {
    await db.$disconnect();
  }
}
