import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { OPENAPI_DOCUMENT } from '../src/openapi-document';

/**
 * The OpenAPI document's request schemas, compiled for the contract tests. The document's JSON Schemas
 * are 2020-12 (OpenAPI 3.1's dialect); `$ref`s resolve inside the document.
 */
export const ajv = new Ajv2020({ strict: true, ownProperties: true });
addFormats(ajv);
ajv.addVocabulary(['openapi', 'info', 'paths', 'components', 'security', 'tags', 'servers', 'webhooks']);
ajv.addSchema(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)), 'openapi.json');

const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** The schema the document gives for an operation's JSON request body. */
export const requestSchema = (template: string, method: string): ValidateFunction =>
  ajv.compile({ $ref: `openapi.json#/${pointer('paths', template, method, 'requestBody', 'content', 'application/json', 'schema')}` });
