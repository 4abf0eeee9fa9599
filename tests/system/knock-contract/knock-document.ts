import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

/**
 * Knock's own API document (`knock-openapi.yml`, a copy of `shared/knock/openapi.yml`, since CI clones only
 * the repository), read as the contract: its OpenAPI 3.0 schemas converted to JSON Schema (draft-07) and
 * compiled with ajv, its operations found by operationId, its request examples handed to the cases.
 */
type OpenApiSchema = Record<string, unknown>;
interface KnockMediaType { schema?: OpenApiSchema; example?: unknown }
export interface KnockOperation {
  operationId: string;
  method: string;
  path: string;
  parameters?: { name: string; in: string; example?: unknown; schema?: OpenApiSchema }[];
  requestBody?: { content?: Record<string, KnockMediaType> };
  responses: Record<string, { content?: Record<string, KnockMediaType> }>;
}
interface KnockDocument { openapi: string; paths: Record<string, Record<string, Omit<KnockOperation, 'method' | 'path'>>>; components: { schemas: Record<string, OpenApiSchema> } }

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const SCHEMA_REF = '#/components/schemas/';
const ROOT_ID = 'knock.json';

export const knockDocument: KnockDocument = YAML.parse(readFileSync(path.join(__dirname, 'knock-openapi.yml'), 'utf8'));

/** Every operation of the document; an operationId Knock uses twice (for two paths) keeps both. */
export const knockOperations: KnockOperation[] = Object.entries(knockDocument.paths).flatMap(([template, item]) =>
  METHODS.filter((method) => item[method]).map((method) => ({ ...item[method], method, path: template })),
);

/** A path template without its parameter names: `/v1/users/{user_id}` and `/v1/users/{id}` are one path. */
export const pathShape = (template: string): string => template.replace(/\{[^}]+\}/g, '{}');

/** The subschema positions of an OpenAPI 3.0 Schema Object (a map of schemas, a list, or one). */
const SCHEMA_MAPS = ['properties'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];
const SCHEMA_SINGLES = ['items', 'not', 'additionalProperties'];
/** Keywords that constrain a value; a schema with none of them allows anything. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'example', 'deprecated', 'readOnly', 'writeOnly', 'nullable']);

/**
 * One OpenAPI 3.0 Schema Object as a JSON Schema. `nullable: true` adds null to what the schema allows:
 * beside `type` it becomes `type: [t, "null"]` (and null joins an `enum`); beside a composition with no
 * `type` (Knock's `allOf: [$ref], nullable: true`) the schema becomes `anyOf: [schema, {type: null}]`; alone
 * (Knock's `anyOf: [{...}, {nullable: true}]`, its "or null" branch) it is `{type: "null"}`, not the
 * anything-goes `{}` a literal reading of 3.0.3 gives, which would leave those fields unchecked. `$ref`
 * siblings are ignored, as 3.0 says; `example` and `x-*` extensions are dropped.
 */
const isNullBranch = (branch: OpenApiSchema): boolean => branch.nullable === true && Object.keys(branch).every((key) => ANNOTATIONS.has(key) || key.startsWith('x-'));
const statesItsType = (branch: OpenApiSchema): boolean => typeof branch.type === 'string' || typeof branch.$ref === 'string' || isNullBranch(branch);
/**
 * Knock's generator writes `type: object` beside a `oneOf`/`anyOf` whose branches state their own types
 * (`oneOf: [{type: boolean}, {type: object}]`, `anyOf: [{$ref}, {nullable: true}]`): read literally, the
 * boolean branch and the null branch could never hold and the document's own examples would fail. There the
 * branches decide, and the outer `type` is dropped.
 */
const branchesDecide = (schema: OpenApiSchema): boolean =>
  typeof schema.type === 'string' && SCHEMA_LISTS.slice(1).some((key) => Array.isArray(schema[key]) && (schema[key] as OpenApiSchema[]).every(statesItsType));

export function toJsonSchema(schema: OpenApiSchema): OpenApiSchema {
  if (typeof schema.$ref === 'string') return { $ref: schema.$ref.replace(SCHEMA_REF, `${ROOT_ID}#/definitions/`) };
  const converted: OpenApiSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || key === 'example' || key.startsWith('x-')) continue;
    if (key === 'type' && branchesDecide(schema)) continue;
    if (SCHEMA_MAPS.includes(key)) converted[key] = Object.fromEntries(Object.entries(value as Record<string, OpenApiSchema>).map(([name, sub]) => [name, toJsonSchema(sub)]));
    else if (SCHEMA_LISTS.includes(key)) converted[key] = (value as OpenApiSchema[]).map(toJsonSchema);
    else if (SCHEMA_SINGLES.includes(key) && typeof value === 'object' && value !== null) converted[key] = toJsonSchema(value as OpenApiSchema);
    else converted[key] = value;
  }
  if (schema.nullable !== true) return converted;
  if (typeof converted.type === 'string') {
    converted.type = [converted.type, 'null'];
    if (Array.isArray(converted.enum) && !converted.enum.includes(null)) converted.enum = [...converted.enum, null];
    return converted;
  }
  const constraints = Object.keys(converted).filter((key) => !ANNOTATIONS.has(key));
  if (constraints.length === 0) return { ...converted, type: 'null' };
  return { anyOf: [converted, { type: 'null' }] };
}

export const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addSchema(
  { $id: ROOT_ID, definitions: Object.fromEntries(Object.entries(knockDocument.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema)])) },
  ROOT_ID,
);

const validators = new Map<string, ValidateFunction>();

/** The document's schema of the JSON answer of `operation` with `status`, compiled once; undefined if it documents none. */
export function responseValidator(operation: KnockOperation, status: number): ValidateFunction | undefined {
  const key = `${operation.method} ${operation.path} ${status}`;
  if (!validators.has(key)) {
    const schema = operation.responses[String(status)]?.content?.['application/json']?.schema;
    if (!schema) return undefined;
    validators.set(key, ajv.compile(toJsonSchema(schema)));
  }
  return validators.get(key);
}

/** The document's own example of the operation's JSON request body: the media type's, else its schema's. */
export function requestExample(operation: KnockOperation): unknown {
  const media = operation.requestBody?.content?.['application/json'];
  if (!media) return undefined;
  if (media.example !== undefined) return structuredClone(media.example);
  let schema = media.schema;
  if (typeof schema?.$ref === 'string') schema = knockDocument.components.schemas[schema.$ref.slice(SCHEMA_REF.length)];
  return schema?.example === undefined ? undefined : structuredClone(schema.example);
}

/** The document's example of one of the operation's parameters, if it gives one. */
export function parameterExample(operation: KnockOperation, name: string): unknown {
  const parameter = operation.parameters?.find((candidate) => candidate.name === name);
  return parameter?.example ?? parameter?.schema?.example;
}

export type SchemaError = Pick<ErrorObject, 'instancePath' | 'keyword' | 'message' | 'schemaPath'>;
