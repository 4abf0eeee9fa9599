import { isDeepStrictEqual } from 'node:util';
import request, { type Response } from 'supertest';
import { knockOperations, requestExample, responseValidator, type KnockOperation, type SchemaError } from './knock-document';

type App = Parameters<typeof request>[0];

/** One answer of prefs to a request of a Knock operation, as the contract test judges it. */
export interface Answer {
  operationId: string;
  status: number;
  /** The document's schema errors of the answer's body (none when it fits, or for a documented 204). */
  errors: SchemaError[];
  /** Whether the status is one the document gives for the operation. */
  documented: boolean;
  /** Whether the request sent the document's own example body. */
  sentExample: boolean;
  body: unknown;
}

export interface Send {
  /** Values of the path's parameters, by the document's names. */
  params?: Record<string, string>;
  query?: Record<string, string | string[]>;
  /** The JSON body; by default the document's own example of the operation's request body, when it has one. */
  body?: unknown;
  /** Replaces the secret key's Authorization (a public key and a user token, say). */
  headers?: Record<string, string>;
}

/**
 * Sends requests of Knock operations to prefs, by operationId and with the document's path, and judges
 * each answer against the document's response schema for its status; every answer is kept for the test.
 */
export class ContractClient {
  readonly answers: Answer[] = [];

  constructor(private readonly app: App, private readonly secretKey: string) {}

  operation(operationId: string): KnockOperation {
    const found = knockOperations.filter((operation) => operation.operationId === operationId);
    if (found.length !== 1) throw new Error(`Knock's document has ${found.length} operations ${operationId}`);
    return found[0];
  }

  async send(operationId: string, options: Send = {}): Promise<Response> {
    const operation = this.operation(operationId);
    const url = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`${operationId}: no value for the path parameter ${name}`);
      return encodeURIComponent(value);
    });
    const example = requestExample(operation);
    const body = 'body' in options ? options.body : example;
    let pending = request(this.app)[operation.method as 'get'](url).set(options.headers ?? { Authorization: `Bearer ${this.secretKey}` });
    if (options.query) pending = pending.query(options.query);
    if (body !== undefined) pending = pending.send(body as object);
    const res = await pending;
    this.answers.push(judge(operation, res, example !== undefined && isDeepStrictEqual(body, example)));
    return res;
  }
}

function judge(operation: KnockOperation, res: Response, sentExample: boolean): Answer {
  const answer = { operationId: operation.operationId, status: res.status, sentExample, body: res.body as unknown };
  const documented = operation.responses[String(res.status)] !== undefined;
  const validate = responseValidator(operation, res.status);
  if (!documented || !validate) {
    const bodyless = documented && res.status === 204;
    return { ...answer, documented, errors: bodyless ? [] : [{ instancePath: '', keyword: 'status', message: `answered ${res.status} (${JSON.stringify(res.body).slice(0, 300)})`, schemaPath: '' }] };
  }
  validate(res.body);
  return { ...answer, documented, errors: (validate.errors ?? []).map(({ instancePath, keyword, message, schemaPath }) => ({ instancePath, keyword, message, schemaPath })) };
}
