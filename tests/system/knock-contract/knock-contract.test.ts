import { signUserToken } from '@knocklabs/node';
import request from 'supertest';
import { createApiKey, createSigningKey } from '@prefs/db';
import { waitFor } from '@prefs/testing';
import { useApiAndWorker } from '../api-and-worker';
import { bulkCases } from './bulk-cases';
import type { CaseContext, ContractCase } from './contract-case';
import { ContractClient, type Answer } from './contract-client';
import { DIFFERENCES, NOT_YET_TAKEN, type Difference } from './differences';
import { ajv, knockDocument, knockOperations, pathShape, requestExample } from './knock-document';
import { objectCases } from './object-cases';
import { preferenceCases } from './preference-cases';
import { subscriptionCases } from './subscription-cases';
import { tenantAudienceCases } from './tenant-audience-cases';
import { userCases } from './user-cases';

/**
 * The contract test of issue 18: every Knock operation prefs implements (its own document, /openapi.json,
 * lists the operation's Knock operationId on Knock's path) is sent the requests of its case, the document's
 * own request examples among them, and every answer must fit Knock's document's response schema for its
 * status, save the differences recorded on purpose in differences.ts.
 */
const CASES: Record<string, ContractCase> = { ...userCases, ...objectCases, ...preferenceCases, ...tenantAudienceCases, ...subscriptionCases, ...bulkCases };

type ServedDocument = { paths: Record<string, Record<string, { operationId?: string; responses?: unknown }>> };
const t = useApiAndWorker();
let served: ServedDocument;
let knock: ContractClient;
let context: CaseContext;

beforeAll(async () => {
  served = (await request(t.api.app).get('/openapi.json')).body as ServedDocument;
  knock = new ContractClient(t.api.app, t.env.secretKey);
  const publicKey = (await createApiKey(t.env.db, 'contract', 'public')).key;
  const signingKey = (await createSigningKey(t.env.db, 'contract'))?.privateKeyBase64 as string;
  context = {
    browserHeaders: async (userId) => ({ Authorization: `Bearer ${publicKey}`, 'X-Knock-User-Token': await signUserToken(userId, { signingKey }) }),
    untilEnded: async (operationId) => {
      const ended = await waitFor(async () => {
        const res = await knock.send('getBulkOperation', { params: { id: operationId } });
        return ['completed', 'failed'].includes((res.body as { status: string }).status) ? res.body : null;
      }, 30_000, 100);
      expect(ended).toMatchObject({ status: 'completed' });
    },
  };
});

/** prefs's operations as (method, path shape) -> operationId. */
const servedOperations = (): Map<string, string | undefined> =>
  new Map(Object.entries(served.paths).flatMap(([template, item]) =>
    Object.entries(item).filter(([, operation]) => operation.responses).map(([method, operation]) => [`${method} ${pathShape(template)}`, operation.operationId] as const)));

/** Knock's operations that prefs's document lists, by Knock's operationId on Knock's path. */
const implemented = (): string[] => {
  const ours = servedOperations();
  return knockOperations.filter((operation) => ours.get(`${operation.method} ${pathShape(operation.path)}`) === operation.operationId).map((operation) => operation.operationId);
};

const matches = (difference: Difference, answer: Answer, error: Answer['errors'][number]): boolean =>
  difference.operationId === answer.operationId && difference.keyword === error.keyword &&
  (typeof difference.instancePath === 'string' ? difference.instancePath === error.instancePath : difference.instancePath.test(error.instancePath));
const differencesSeen = new Set<Difference>();
/** A 422 to an example NOT_YET_TAKEN lists, that names only fields prefs does not take yet. */
const notYetTaken = (answer: Answer): boolean => {
  const errors = (answer.body as { errors?: { type?: string }[] }).errors;
  return answer.status === 422 && NOT_YET_TAKEN.some((entry) => entry.operationId === answer.operationId) && Array.isArray(errors) && errors.every((error) => error.type === 'unsupported_field');
};

describe("Knock's document, as this test reads it", () => {
  it('fits every example it gives of its own schemas (its OpenAPI 3.0 schemas converted to JSON Schema)', () => {
    const misfits = Object.entries(knockDocument.components.schemas)
      .filter(([, schema]) => schema.example !== undefined)
      .flatMap(([name, schema]) => {
        const validate = ajv.getSchema(`knock.json#/definitions/${name}`);
        return validate?.(schema.example) ? [] : [`${name}: ${ajv.errorsText(validate?.errors)}`];
      });
    expect(misfits).toEqual([]);
  });

  it('reads nullable as "or null": beside a type, beside a composition, and as an "or null" branch', () => {
    const check = (name: string, value: unknown) => ajv.getSchema(`knock.json#/definitions/${name}`)?.(value);
    const user = { __typename: 'User', id: 'u', updated_at: '2026-01-01T00:00:00Z' };
    expect(check('User', { ...user, email: null })).toBe(true);
    expect(check('User', { ...user, email: 1 })).toBe(false);
    expect(check('PreferenceSet', { id: 'default', categories: null, workflows: null, channel_types: null, channels: null })).toBe(true);
    expect(check('PreferenceSet', { id: 'default', categories: 'none' })).toBe(false);
    expect(check('InlineIdentifyUserRequest', { id: 'u', channel_data: null })).toBe(true);
    expect(check('InlineIdentifyUserRequest', { id: 'u', channel_data: 'none' })).toBe(false);
  });
});

describe('the Knock operations prefs implements', () => {
  it("are named in prefs's document by Knock's operationIds, on Knock's paths", () => {
    const knockIds = new Map(knockOperations.map((operation) => [`${operation.method} ${pathShape(operation.path)}`, operation.operationId]));
    const byKnockPath = [...servedOperations()].filter(([key]) => knockIds.has(key));
    expect(byKnockPath.filter(([key, operationId]) => knockIds.get(key) !== operationId)).toEqual([]);
    const knockNames = new Set(knockOperations.map((operation) => operation.operationId));
    const elsewhere = [...servedOperations()].filter(([key, operationId]) => operationId && knockNames.has(operationId) && !knockIds.has(key));
    expect(elsewhere).toEqual([]);
  });

  it('each have a case here, and every case is of one of them', () => {
    expect(implemented().filter((operationId) => !CASES[operationId])).toEqual([]);
    expect(Object.keys(CASES).filter((operationId) => !implemented().includes(operationId))).toEqual([]);
  });

  describe.each(Object.keys(CASES))('%s', (operationId) => {
    it("answers as Knock's document says, to the document's own request example", async () => {
      const from = knock.answers.length;
      await CASES[operationId](knock, context);
      const answers = knock.answers.slice(from);
      const own = answers.filter((answer) => answer.operationId === operationId);
      expect(own.length).toBeGreaterThan(0);
      if (requestExample(knock.operation(operationId)) !== undefined) expect(own.some((answer) => answer.sentExample)).toBe(true);
      const unexplained = answers.filter((answer) => !notYetTaken(answer)).flatMap((answer) => answer.errors.flatMap((error) => {
        const difference = DIFFERENCES.find((candidate) => matches(candidate, answer, error));
        if (difference) differencesSeen.add(difference);
        return difference && answer.documented ? [] : [`${answer.operationId} ${answer.status} ${error.instancePath || '/'} ${error.keyword}: ${error.message}`];
      }));
      // The first answer that breaks the document, whole, to read beside the list.
      const first = answers.find((answer) => answer.errors.length > 0 && !notYetTaken(answer));
      expect({ unexplained: [...new Set(unexplained)], first: unexplained.length ? first?.body : undefined }).toEqual({ unexplained: [], first: undefined });
    });
  });

  it('needs every difference recorded in differences.ts', () => {
    const ours = implemented();
    expect(DIFFERENCES.filter((difference) => ours.includes(difference.operationId) && !differencesSeen.has(difference)).map(({ operationId, instancePath, keyword }) => ({ operationId, instancePath: String(instancePath), keyword }))).toEqual([]);
  });
});
