import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { createApiConnection, createBulkQueue, type BulkOperationJobData } from '@prefs/queue';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import type { Queue } from 'bullmq';
import type { RedisConnection } from '@prefs/queue';
import { startApi, type ApiProcess } from '../src/server';

/**
 * "Bad input never hurts": a seeded generator sends well over 10,000 malformed requests to a real API
 * listening on a real socket, run in this jest worker so that its prototypes can be inspected. Every case
 * is malformed by construction (a broken JSON text is checked with JSON.parse; a wrong value is taken from
 * types the field does not allow), so every answer must be a 4xx in the spec's error shape: never a 5xx,
 * never a hang. Afterwards nothing may have been written (rows and queued jobs are counted before and
 * after), no prototype may have gained a property, and the API must still serve a good request.
 *
 * FUZZ_SEED=<n> replays a run; FUZZ_CASES=<n> changes the number of generated HTTP cases.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const GENERATED_CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const CONCURRENCY = 8;
const ANSWER_TIMEOUT_MS = 30_000;
const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

let env: TestEnvironment;
let api: ApiProcess;
let redis: RedisConnection;
let queue: Queue<BulkOperationJobData>;
let agent: http.Agent;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig({ bodyLimitBytes: BODY_LIMIT_BYTES }));
  redis = createApiConnection(env.redisUrl);
  queue = createBulkQueue(redis, env.redisPrefix);
  agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
});

afterAll(async () => {
  agent?.destroy();
  await queue?.close();
  redis?.disconnect();
  await api?.close();
  await env?.cleanup();
});

// ---------------------------------------------------------------------------------------------------
// A seeded random source

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(SEED);
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const chance = (p: number) => random() < p;

// ---------------------------------------------------------------------------------------------------
// JSON values, with two things JSON.stringify cannot make: own `__proto__` keys and raw fragments
// (deep nesting is written as text, so that building it needs no recursion here)

class RawJson {
  constructor(readonly text: string) {}
}

type Json = null | boolean | number | string | RawJson | Json[] | { [key: string]: Json };

/** Sets an own property, also for `__proto__` (a plain assignment would change the prototype). */
function own(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function obj(entries: [string, Json][]): Record<string, Json> {
  const result: Record<string, Json> = {};
  for (const [key, value] of entries) own(result, key, value);
  return result;
}

function serialize(value: Json): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).map((key) => `${JSON.stringify(key)}:${serialize(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const RESERVED = ['__proto__', 'constructor', 'prototype'];
const CONTROL = ['\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f'];
const LONE_SURROGATES = ['\ud800', '\udfff', '\udbff', 'a\ud83d', '\ude00b'];
const STRANGE_STRINGS = ['', ' ', '💥', '\u202e', 'null', 'true', '0', '{}', '[]', '<script>', "'; DROP TABLE bulk_operations; --", '%00', '../..', '\\', '"'];

function randomString(maxLength = 12): string {
  if (chance(0.3)) return pick(STRANGE_STRINGS);
  const alphabet = 'abcXYZ019_-.:é漢🙂 ';
  let text = '';
  const length = int(0, maxLength);
  for (let i = 0; i < length; i += 1) text += chance(0.05) ? pick(CONTROL) : pick([...alphabet]);
  return text;
}

function deepNesting(): RawJson {
  const depth = pick([64, 1000, 20_000]);
  if (chance(0.5)) return new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  return new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';
const JSON_TYPES: JsonType[] = ['null', 'boolean', 'number', 'string', 'array', 'object'];

function randomOfType(type: JsonType, depth = 0): Json {
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return chance(0.5);
    case 'number':
      return pick([0, -0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53 + 1, 1e-320, int(-1e6, 1e6)]);
    case 'string':
      return randomString();
    case 'array':
      if (depth < 3 && chance(0.05)) return [deepNesting()];
      return depth > 2 ? [] : Array.from({ length: int(0, 4) }, () => randomOfType(pick(JSON_TYPES), depth + 1));
    case 'object': {
      if (depth < 3 && chance(0.05)) return obj([['x', deepNesting()]]);
      const entries: [string, Json][] = [];
      const count = depth > 2 ? 0 : int(0, 4);
      for (let i = 0; i < count; i += 1) {
        entries.push([chance(0.2) ? pick(RESERVED) : randomString(), chance(0.2) ? obj([['polluted', true]]) : randomOfType(pick(JSON_TYPES), depth + 1)]);
      }
      return obj(entries);
    }
  }
}

function ofTypes(types: JsonType[]): () => Json {
  return () => randomOfType(pick(types));
}

// ---------------------------------------------------------------------------------------------------
// The valid request this all starts from, and the ways each of its fields can be wrong

const UUID = '7c0c5d3e-2b7a-4f3e-9a61-0f7d3c1b2a90';
const condition = () => obj([['variable', 'recipient.plan'], ['operator', 'equal_to'], ['argument', 'pro']]);

function validPreferences(withId: boolean): Record<string, Json> {
  return obj([
    ...(withId ? ([['id', 'default']] as [string, Json][]) : []),
    ['__persistence_strategy__', 'merge'],
    [
      'categories',
      obj([
        [
          'marketing',
          obj([
            ['channel_types', obj([['email', obj([['conditions', [condition()]]])], ['sms', false]])],
            ['channels', obj([[UUID, true]])],
            ['conditions', [condition()]],
          ]),
        ],
        ['digest', false],
      ]),
    ],
    ['workflows', obj([['welcome', true], ['weekly', obj([['conditions', null]])]])],
    ['channel_types', obj([['push', false], ['chat', obj([['conditions', [condition()]]])]])],
    ['channels', obj([[UUID, obj([['conditions', [condition()]]])]])],
    ['commercial_subscribed', obj([['conditions', [condition()]]])],
  ]);
}

const validBulkBody = () => obj([['user_ids', ['fz-a', 'fz-b', 'fz-c']], ['preferences', validPreferences(true)]]);

/** A value that is wrong for the field, whatever else the request holds. */
type Breaker = () => Json | typeof REMOVE;
const REMOVE = Symbol('remove the field');

const longString = (length: number) => 'x'.repeat(length);
const withBadCharacter = (base: string) => () => {
  const bad = pick([...CONTROL, ...LONE_SURROGATES]);
  const at = int(0, base.length);
  return base.slice(0, at) + bad + base.slice(at);
};
const withNulOrLoneSurrogate = (base: string) => () => {
  const bad = pick(['\u0000', ...LONE_SURROGATES]);
  const at = int(0, base.length);
  return base.slice(0, at) + bad + base.slice(at);
};
const mapWithBadKey = (value: Json) => () =>
  obj([[pick([...RESERVED, '', longString(256), withBadCharacter('key')()]), value]]);
const unknownKeyObject = () => obj([[pick(['unknown', '__proto__', 'constructor', 'prototype', 'Categories', 'email ']), randomOfType(pick(JSON_TYPES))]]);

const BREAKERS: Record<string, Breaker[]> = {
  body: [ofTypes(['null', 'boolean', 'number', 'string', 'array'])],
  userIds: [ofTypes(['null', 'boolean', 'number', 'string', 'object']), () => []],
  userId: [ofTypes(['null', 'boolean', 'number', 'array', 'object']), () => '', () => longString(256), withBadCharacter('fz-a')],
  preferences: [ofTypes(['null', 'boolean', 'number', 'string', 'array']), () => REMOVE],
  setId: [ofTypes(['boolean', 'number', 'array', 'object']), () => '', () => longString(256), withBadCharacter('tenant'), () => pick(RESERVED)],
  strategy: [ofTypes(['boolean', 'number', 'array', 'object']), () => pick(['Merge', 'REPLACE', 'upsert', '', ' merge', 'merge\u0000'])],
  settingsMap: [ofTypes(['boolean', 'number', 'string', 'array']), mapWithBadKey(true), mapWithBadKey(obj([['channel_types', obj([['email', true]])]]))],
  setting: [ofTypes(['number', 'string', 'array']), unknownKeyObject],
  channelTypes: [ofTypes(['boolean', 'number', 'string', 'array']), () => obj([[pick(['fax', 'Email', '__proto__', 'constructor', 'toString', '']), true]])],
  channelSetting: [ofTypes(['number', 'string', 'array']), () => obj([]), () => obj([['conditions', randomOfType(pick(['null', 'boolean', 'number', 'string', 'object']))]]), unknownKeyObject],
  channels: [ofTypes(['boolean', 'number', 'string', 'array']), () => obj([[pick(['not-a-uuid', '__proto__', UUID.slice(1), `${UUID}0`]), true]])],
  settingConditions: [ofTypes(['boolean', 'number', 'string', 'object'])],
  leafConditions: [ofTypes(['null', 'boolean', 'number', 'string', 'object'])],
  conditionsList: [() => Array.from({ length: 101 }, condition), () => [randomOfType(pick(['null', 'boolean', 'number', 'string', 'array']))]],
  condition: [ofTypes(['null', 'boolean', 'number', 'string', 'array']), () => obj([]), unknownKeyObject, () => obj([['variable', 'v'], ['operator', 'equal_to']])],
  variable: [ofTypes(['null', 'boolean', 'number', 'array', 'object']), () => '', () => longString(1025), withNulOrLoneSurrogate('recipient.plan'), () => REMOVE],
  operator: [ofTypes(['null', 'boolean', 'number', 'array', 'object']), () => pick(['EQUAL_TO', 'equals', '', 'equal_to ', '__proto__']), () => REMOVE],
  argument: [ofTypes(['boolean', 'number', 'array', 'object']), () => longString(4097), withNulOrLoneSurrogate('pro'), () => REMOVE],
  unknown: [],
};

type Path = (string | number)[];

/** Every field of the bulk body, with the kind of value it takes. */
function bulkFields(): [Path, keyof typeof BREAKERS][] {
  const p = ['preferences'];
  const conditionFields = (base: Path): [Path, keyof typeof BREAKERS][] => [
    [[...base, 'conditions'], 'conditionsList'],
    [[...base, 'conditions', 0], 'condition'],
    [[...base, 'conditions', 0, 'variable'], 'variable'],
    [[...base, 'conditions', 0, 'operator'], 'operator'],
    [[...base, 'conditions', 0, 'argument'], 'argument'],
  ];
  return [
    [[], 'body'],
    [['user_ids'], 'userIds'],
    [['user_ids', 0], 'userId'],
    [['user_ids', 2], 'userId'],
    [p, 'preferences'],
    [[...p, 'id'], 'setId'],
    [[...p, '__persistence_strategy__'], 'strategy'],
    [[...p, 'categories'], 'settingsMap'],
    [[...p, 'workflows'], 'settingsMap'],
    [[...p, 'categories', 'marketing'], 'setting'],
    [[...p, 'categories', 'digest'], 'setting'],
    [[...p, 'workflows', 'welcome'], 'setting'],
    [[...p, 'categories', 'marketing', 'channel_types'], 'channelTypes'],
    [[...p, 'categories', 'marketing', 'channel_types', 'email'], 'channelSetting'],
    [[...p, 'categories', 'marketing', 'channel_types', 'sms'], 'channelSetting'],
    [[...p, 'categories', 'marketing', 'channels'], 'channels'],
    [[...p, 'categories', 'marketing', 'channels', UUID], 'channelSetting'],
    [[...p, 'categories', 'marketing', 'conditions'], 'settingConditions'],
    [[...p, 'workflows', 'weekly', 'conditions'], 'settingConditions'],
    [[...p, 'channel_types'], 'channelTypes'],
    [[...p, 'channel_types', 'push'], 'channelSetting'],
    [[...p, 'channel_types', 'chat'], 'channelSetting'],
    [[...p, 'channel_types', 'chat', 'conditions'], 'leafConditions'],
    [[...p, 'channels'], 'channels'],
    [[...p, 'channels', UUID], 'channelSetting'],
    [[...p, 'commercial_subscribed'], 'channelSetting'],
    [[...p, 'commercial_subscribed', 'conditions'], 'leafConditions'],
    ...conditionFields([...p, 'categories', 'marketing', 'channel_types', 'email']),
    ...conditionFields([...p, 'categories', 'marketing']),
    ...conditionFields([...p, 'channels', UUID]),
    ...conditionFields([...p, 'commercial_subscribed']),
  ];
}

/** Objects that must refuse a key they do not know (every fixed-shape object). */
const FIXED_SHAPE_OBJECTS: Path[] = [
  [],
  ['preferences'],
  ['preferences', 'categories', 'marketing'],
  ['preferences', 'categories', 'marketing', 'channel_types'],
  ['preferences', 'categories', 'marketing', 'channel_types', 'email'],
  ['preferences', 'categories', 'marketing', 'conditions', 0],
  ['preferences', 'channel_types'],
  ['preferences', 'channel_types', 'chat'],
  ['preferences', 'commercial_subscribed', 'conditions', 0],
];

function setAt(root: Json, path: Path, value: Json | typeof REMOVE): Json {
  if (path.length === 0) return value === REMOVE ? obj([]) : value;
  let parent = root as Record<string, Json> | Json[];
  for (const step of path.slice(0, -1)) parent = (parent as Record<string, Json>)[step as string] as Record<string, Json>;
  const last = path[path.length - 1];
  if (value === REMOVE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1, new RawJson('"fz-removed"'));
    else delete parent[last as string];
  } else if (Array.isArray(parent)) {
    parent[last as number] = value;
  } else {
    own(parent, last as string, value);
  }
  return root;
}

/** The value at `path`, or undefined when an earlier break removed or replaced a step of it. */
function getAt(root: Json, path: Path): Json | undefined {
  let node: Json | undefined = root;
  for (const step of path) {
    if (node === null || node === undefined || typeof node !== 'object' || node instanceof RawJson) return undefined;
    node = (node as Record<string, Json>)[step as string];
  }
  return node;
}

/** 1 to 3 wrong fields (or unknown keys) in an otherwise valid body. */
function wrongBody(forPut: boolean): { body: Json; what: string } {
  let body: Json = forPut ? validPreferences(false) : validBulkBody();
  const fields = bulkFields()
    .filter(([path]) => (forPut ? path[0] === 'preferences' && path.length > 1 && path[1] !== 'id' : true))
    .map(([path, kind]) => [forPut ? path.slice(1) : path, kind] as [Path, string]);
  const what: string[] = [];
  for (let round = int(1, 3); round > 0; round -= 1) {
    if (chance(0.12)) {
      const objects = FIXED_SHAPE_OBJECTS.filter((path) => !forPut || path[0] === 'preferences').map((path) => (forPut ? path.slice(1) : path));
      const target = pick(objects);
      const holder = getAt(body, target);
      if (holder === null || holder === undefined || typeof holder !== 'object' || Array.isArray(holder) || holder instanceof RawJson) continue;
      const key = pick(['unknown', ...RESERVED, 'user_ids ', 'Preferences', 'id', '']);
      if (Object.prototype.hasOwnProperty.call(holder, key)) continue;
      own(holder as Record<string, Json>, key, chance(0.5) ? obj([['polluted', true]]) : randomOfType(pick(JSON_TYPES)));
      what.push(`unknown key ${JSON.stringify(key)} at ${target.join('.') || 'body'}`);
      if (forPut && target.length === 0 && key === 'id') what.push('(id is not allowed in a PUT body)');
      continue;
    }
    const [path, kind] = pick(fields);
    // A field already replaced higher up may be gone: only break fields that still exist.
    const parent = getAt(body, path.slice(0, -1));
    if (path.length > 0 && (parent === null || parent === undefined || typeof parent !== 'object' || parent instanceof RawJson || !(String(path[path.length - 1]) in parent))) continue;
    const value = pick(BREAKERS[kind])();
    body = setAt(body, path, value);
    what.push(`${kind} at ${path.join('.') || 'body'} = ${value === REMOVE ? '(removed)' : serialize(value as Json).slice(0, 60)}`);
  }
  if (what.length === 0) {
    // Nothing was applied (every pick was skipped): break the body itself.
    body = setAt(body, [], forPut ? [] : 'not an object');
    what.push('the body is not an object');
  }
  return { body, what: what.join('; ') };
}

// ---------------------------------------------------------------------------------------------------
// Requests

interface Case {
  kind: string;
  what: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
}

interface RawCase {
  kind: string;
  what: string;
  bytes: Buffer;
  /**
   * Send FIN after the bytes. Node's server aborts a request whose client half-closed (it does not allow
   * half-open sockets), so only the truncated-body case does, and for it a close without answer is fine.
   */
  halfClose?: boolean;
}

let authHeader = '';
const BULK = '/v1/users/bulk/preferences';
const json = { 'Content-Type': 'application/json' };

function bulkCase(kind: string, what: string, body: Buffer | string, headers: Record<string, string | string[]> = json): Case {
  return { kind, what, method: 'POST', path: BULK, headers: { Authorization: authHeader, ...headers }, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

const JSON_BREAKS: ((text: string) => string)[] = [
  (text) => text.slice(0, int(0, text.length - 1)),
  (text) => {
    const at = int(0, text.length);
    return text.slice(0, at) + pick(['{', '}', '[', ']', '"', ',', ':', '\\', "'", 'x', ' ,', '\u0000', '\n']) + text.slice(at);
  },
  (text) => {
    const at = int(0, text.length - 1);
    return text.slice(0, at) + text.slice(at + 1);
  },
  (text) => text + pick(['}', ']', ',', 'garbage', '{}', '\u0000', '"']),
  (text) => text.replace(/"/g, "'"),
  (text) => text.replace(/,/, ',,'),
  (text) => text.replace(/}$/, ',}'),
  (text) => text.replace(/false/, pick(['False', 'NaN', 'undefined', 'Infinity', '0x1', '.5', '+1', '01'])),
  (text) => text.replace(/"fz-a"/, pick(['fz-a', '"fz-a', '"fz\\x41"', '"fz\\u00"', '"\\ud800\\"', '"tab\there"'])),
  (text) => `/* comment */${text}`,
  () => pick(['', ' ', 'null x', '{', '[', '{"user_ids":', '{"a":1}{"b":2}', '\ufeff', 'true false', '"unterminated']),
];

function brokenJsonCase(): Case {
  const base = serialize(chance(0.5) ? validBulkBody() : wrongBody(false).body);
  for (;;) {
    const broken = pick(JSON_BREAKS)(base);
    try {
      JSON.parse(broken);
    } catch {
      return bulkCase('broken JSON', broken.slice(0, 80), broken);
    }
  }
}

function wrongFieldCase(): Case {
  if (chance(0.25)) {
    const { body, what } = wrongBody(true);
    const user = chance(0.8) ? 'fz-put' : pick(['%00', 'a%0Ab', 'x'.repeat(256)]);
    return { kind: 'wrong field (PUT)', what, method: 'PUT', path: `/v1/users/${user}/preferences/default`, headers: { Authorization: authHeader, ...json }, body: Buffer.from(serialize(body)) };
  }
  const { body, what } = wrongBody(false);
  return bulkCase('wrong field', what, serialize(body));
}

const INVALID_UTF8 = [[0xff], [0xfe], [0xc3, 0x28], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80]];

function invalidUtf8Case(): Case {
  const text = serialize(validBulkBody());
  const anchors = ['fz-b', 'marketing', 'recipient.plan', 'pro', 'welcome'];
  const anchor = pick(anchors);
  const at = text.indexOf(anchor) + int(0, anchor.length);
  const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(pick(INVALID_UTF8)), Buffer.from(text.slice(at))]);
  return bulkCase('invalid UTF-8', `in ${anchor}`, bytes);
}

function reservedKeyCase(): Case {
  const key = pick(RESERVED);
  const where = pick(['categories', 'workflows']);
  const value: Json = pick([true, false, obj([['polluted', true]]), obj([['channel_types', obj([['email', true]])]]), obj([['prototype', obj([['polluted', true]])]])]);
  const preferences = validPreferences(true);
  own(preferences[where] as Record<string, Json>, key, value);
  if (chance(0.5)) preferences.__persistence_strategy__ = pick(['merge', 'replace']);
  const forPut = chance(0.3);
  if (forPut) {
    delete preferences.id;
    return { kind: 'reserved key (PUT)', what: `${where}.${key}`, method: 'PUT', path: '/v1/users/fz-put/preferences/default', headers: { Authorization: authHeader, ...json }, body: Buffer.from(serialize(preferences)) };
  }
  return bulkCase('reserved key', `${where}.${key} = ${serialize(value)}`, serialize(obj([['user_ids', ['fz-a']], ['preferences', preferences]])));
}

const WRONG_CONTENT_TYPES: (string | null)[] = [
  null,
  '',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/jsonx',
  'application/json; charset=latin1',
  'application/json; charset=iso-8859-1',
  'application/json; charset=utf-bogus',
  'application/json; charset=ascii',
  'application/octet-stream',
  'json',
  'application/',
  ';;;',
  'image/png',
];

function wrongContentTypeCase(): Case {
  const contentType = pick(WRONG_CONTENT_TYPES);
  const body = serialize(validBulkBody());
  const headers: Record<string, string> = contentType === null ? {} : { 'Content-Type': contentType };
  if (chance(0.25)) {
    return { kind: 'wrong content type (PUT)', what: String(contentType), method: 'PUT', path: '/v1/users/fz-put/preferences/default', headers: { Authorization: authHeader, ...headers }, body: Buffer.from(serialize(validPreferences(false))) };
  }
  return bulkCase('wrong content type', String(contentType), body, headers);
}

function contentEncodingCase(): Case {
  const body = Buffer.from(serialize(validBulkBody()));
  const [encoding, payload] = pick<[string, Buffer]>([
    ['gzip', body],
    ['deflate', body],
    ['br', body],
    ['gzip', zlib.gzipSync(body).subarray(0, 20)],
    ['x-compress', body],
    ['gzip, gzip', zlib.gzipSync(zlib.gzipSync(body))],
    ['zstd', body],
    ['deflate', zlib.gzipSync(body)],
  ]);
  return bulkCase('wrong content encoding', encoding, payload, { ...json, 'Content-Encoding': encoding });
}

function authCase(): Case {
  const header = pick([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    `Bearer ${'sk_'}${'a'.repeat(40)}`,
    `Bearer sk_${'a'.repeat(300)}`,
    `Bearer ${authHeader.slice(7)} extra`,
    `Token ${authHeader.slice(7)}`,
    `Bearer ${authHeader.slice(7, -1)}`,
    'Bearer __proto__',
  ]);
  const headers: Record<string, string> = { ...json };
  if (header !== undefined) headers.Authorization = header;
  const [method, path, body] = pick<[string, string, Buffer | undefined]>([
    ['POST', BULK, Buffer.from(serialize(validBulkBody()))],
    ['GET', '/v1/users/u/preferences', undefined],
    ['PUT', '/v1/users/u/preferences/default', Buffer.from(serialize(validPreferences(false)))],
    ['DELETE', '/v1/users/u/preferences/default', undefined],
    ['GET', '/v1/bulk_operations/7c0c5d3e-2b7a-4f3e-9a61-0f7d3c1b2a90', undefined],
  ]);
  return { kind: 'bad credentials', what: `${method} ${path} ${String(header).slice(0, 40)}`, method, path, headers, body };
}

function idempotencyKeyCase(): Case {
  const key = pick(['', 'k'.repeat(256), 'k'.repeat(10_000)]);
  return bulkCase('bad Idempotency-Key', `${key.length} characters`, serialize(validBulkBody()), { ...json, 'Idempotency-Key': key });
}

function pathCase(): Case {
  const badUser = pick(['%00', 'a%01b', '%7F', 'x'.repeat(256), '%E0%A4%A', '%', '%ZZ', '%ED%A0%80', '%C0%AF', `${'%41'.repeat(256)}`]);
  const badSet = pick(['%00', 'x'.repeat(256), '%ff', 'a%0Ab']);
  const [method, path, body] = pick<[string, string, Buffer | undefined]>([
    ['GET', `/v1/users/${badUser}/preferences`, undefined],
    ['GET', `/v1/users/${badUser}/preferences/default`, undefined],
    ['GET', `/v1/users/u/preferences/${badSet}`, undefined],
    ['PUT', `/v1/users/${badUser}/preferences/default`, Buffer.from(serialize(validPreferences(false)))],
    ['PUT', `/v1/users/u/preferences/${badSet}`, Buffer.from(serialize(validPreferences(false)))],
    ['DELETE', `/v1/users/${badUser}/preferences/default`, undefined],
    ['DELETE', `/v1/users/u/preferences/${badSet}`, undefined],
    ['GET', `/v1/bulk_operations/${pick(['x', '%00', 'not-a-uuid', `${UUID}0`, '%ED%A0%80', '__proto__'])}`, undefined],
    ['PATCH', BULK, Buffer.from(serialize(validBulkBody()))],
    ['DELETE', BULK, undefined],
    ['POST', `/v1/users/bulk/preferences/${pick(['x', '%00', '..'])}`, Buffer.from(serialize(validBulkBody()))],
    ['POST', `/v1/${pick(['__proto__', 'constructor', 'users', 'users/bulk', 'nothing'])}`, Buffer.from(serialize(validBulkBody()))],
  ]);
  return { kind: 'bad path or method', what: `${method} ${path.slice(0, 80)}`, method, path, headers: { Authorization: authHeader, ...(body ? json : {}) }, body };
}

/** Rare, large cases, each built once and sent twice. */
function heavyCases(): Case[] {
  const cases: Case[] = [];
  const validPrefs = serialize(validPreferences(true));
  const users = (count: number, make: (index: number) => string = (index) => `u${index}`) => JSON.stringify(Array.from({ length: count }, (_, index) => make(index)));
  const tenMegabytes = `{"user_ids":["a"],"preferences":{"categories":{"x":{"conditions":[{"variable":"v","operator":"equal_to","argument":"${'x'.repeat(10 * 1024 * 1024)}"}]}}}}`;
  cases.push(bulkCase('huge body', '10 MB', tenMegabytes));
  cases.push({ ...bulkCase('huge body', '10 MB, chunked', tenMegabytes), headers: { Authorization: authHeader, ...json, 'Transfer-Encoding': 'chunked' } });
  cases.push(bulkCase('huge body', `limit + 1 bytes`, `{"user_ids":["a"],"preferences":{},"pad":"${'p'.repeat(BODY_LIMIT_BYTES)}"}`));
  cases.push(bulkCase('many users', '100,000 user ids', `{"user_ids":${users(100_000)},"preferences":${validPrefs}}`));
  cases.push(bulkCase('many users', '10,001 user ids', `{"user_ids":${users(10_001)},"preferences":${validPrefs}}`));
  cases.push(bulkCase('many users', '1,001 distinct user ids among 2,002', `{"user_ids":${users(2002, (index) => `u${index % 1001}`)},"preferences":${validPrefs}}`));
  cases.push(bulkCase('many users', '100,000 long user ids', `{"user_ids":${users(100_000, (index) => `${'u'.repeat(30)}${index}`)},"preferences":${validPrefs}}`));
  cases.push(bulkCase('many entries', '1,001 categories', `{"user_ids":["a"],"preferences":{"categories":{${Array.from({ length: 1001 }, (_, index) => `"c${index}":true`).join(',')}}}}`));
  cases.push(bulkCase('many entries', '100,000 categories', `{"user_ids":["a"],"preferences":{"categories":{${Array.from({ length: 100_000 }, (_, index) => `"c${index}":true`).join(',')}}}}`));
  const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('{"user_ids":["a"],"preferences":{},"pad":"'), Buffer.alloc(50 * 1024 * 1024, '0'), Buffer.from('"}')]));
  cases.push(bulkCase('gzip bomb', '50 MB of JSON in a small gzip body', bomb, { ...json, 'Content-Encoding': 'gzip' }));
  for (const depth of [10_000, 500_000]) {
    const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const objects = `${'{"a":'.repeat(depth / 5)}1${'}'.repeat(depth / 5)}`;
    cases.push(bulkCase('deep nesting', `${depth} arrays as the body`, arrays));
    cases.push(bulkCase('deep nesting', `${depth} arrays in user_ids`, `{"user_ids":[${arrays}],"preferences":{}}`));
    cases.push(bulkCase('deep nesting', `${depth} arrays as user_ids`, `{"user_ids":${arrays},"preferences":{}}`));
    cases.push(bulkCase('deep nesting', `${depth / 5} objects as preferences`, `{"user_ids":["a"],"preferences":${objects}}`));
    cases.push(bulkCase('deep nesting', `${depth} arrays as a condition argument`, `{"user_ids":["a"],"preferences":{"categories":{"c":{"conditions":[{"variable":"v","operator":"equal_to","argument":${arrays}}]}}}}`));
    cases.push(bulkCase('deep nesting', `${depth / 5} objects as a condition variable`, `{"user_ids":["a"],"preferences":{"commercial_subscribed":{"conditions":[{"variable":${objects},"operator":"equal_to","argument":null}]}}}`));
    cases.push(bulkCase('deep nesting', `${depth / 5} objects under an unknown key`, `{"user_ids":["a"],"preferences":{},"extra":${objects}}`));
    cases.push(bulkCase('deep nesting', `${depth / 5} objects in a category`, `{"user_ids":["a"],"preferences":{"categories":{"c":${objects}}}}`));
    cases.push({ kind: 'deep nesting', what: `${depth / 5} objects as a PUT body`, method: 'PUT', path: '/v1/users/u/preferences/default', headers: { Authorization: authHeader, ...json }, body: Buffer.from(objects) });
  }
  return [...cases, ...cases];
}

const GENERATORS: [number, () => Case][] = [
  [34, wrongFieldCase],
  [14, brokenJsonCase],
  [10, reservedKeyCase],
  [8, invalidUtf8Case],
  [8, wrongContentTypeCase],
  [4, contentEncodingCase],
  [8, pathCase],
  [6, authCase],
  [3, idempotencyKeyCase],
];

function generateCase(): Case {
  const total = GENERATORS.reduce((sum, [weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [weight, generate] of GENERATORS) {
    roll -= weight;
    if (roll < 0) return generate();
  }
  return wrongFieldCase();
}

function rawCases(): RawCase[] {
  const auth = `Authorization: ${authHeader}\r\n`;
  const good = serialize(validBulkBody());
  const head = (extra: string, body = good) =>
    Buffer.from(`POST ${BULK} HTTP/1.1\r\nHost: fuzz\r\n${auth}Content-Type: application/json\r\nConnection: close\r\n${extra}\r\n${body}`);
  const cases: RawCase[] = [];
  for (let i = 0; i < 10; i += 1) {
    cases.push(
      { kind: 'raw: huge header', what: '20 KB header', bytes: head(`X-Fill: ${'f'.repeat(20_000)}\r\nContent-Length: ${good.length}\r\n`) },
      { kind: 'raw: huge header', what: '1 MB header', bytes: head(`X-Fill: ${'f'.repeat(1024 * 1024)}\r\nContent-Length: ${good.length}\r\n`) },
      { kind: 'raw: huge header', what: '3,000 headers', bytes: head(`${Array.from({ length: 3000 }, (_, n) => `X-H${n}: v\r\n`).join('')}Content-Length: ${good.length}\r\n`) },
      { kind: 'raw: huge header', what: '20 KB URL', bytes: Buffer.from(`GET /v1/users/${'u'.repeat(20_000)}/preferences HTTP/1.1\r\nHost: fuzz\r\n${auth}Connection: close\r\n\r\n`) },
      { kind: 'raw: malformed HTTP', what: 'garbage request line', bytes: Buffer.from('GARBAGE\r\n\r\n') },
      { kind: 'raw: malformed HTTP', what: 'binary noise', bytes: Buffer.from(Array.from({ length: 200 }, () => int(0, 255))) },
      { kind: 'raw: malformed HTTP', what: 'two Content-Lengths', bytes: head(`Content-Length: ${good.length}\r\nContent-Length: ${good.length + 1}\r\n`) },
      { kind: 'raw: malformed HTTP', what: 'Content-Length and chunked', bytes: head(`Content-Length: ${good.length}\r\nTransfer-Encoding: chunked\r\n`) },
      { kind: 'raw: malformed HTTP', what: 'bad chunk size', bytes: head('Transfer-Encoding: chunked\r\n', `zz\r\n${good}\r\n0\r\n\r\n`) },
      { kind: 'raw: malformed HTTP', what: 'unknown transfer coding', bytes: head('Transfer-Encoding: gzip\r\n') },
      { kind: 'raw: malformed HTTP', what: 'negative Content-Length', bytes: head('Content-Length: -1\r\n') },
      { kind: 'raw: malformed HTTP', what: 'non-numeric Content-Length', bytes: head('Content-Length: ten\r\n') },
      { kind: 'raw: malformed HTTP', what: 'NUL in a header', bytes: head(`X-Bad: a\u0000b\r\nContent-Length: ${good.length}\r\n`) },
      { kind: 'raw: malformed HTTP', what: 'header without colon', bytes: head(`NoColonHere\r\nContent-Length: ${good.length}\r\n`) },
      { kind: 'raw: malformed HTTP', what: 'space before colon', bytes: head(`Content-Length : ${good.length}\r\n`) },
      { kind: 'raw: malformed HTTP', what: 'control character in URL', bytes: Buffer.from(`GET /v1/users/a\u0001b/preferences HTTP/1.1\r\nHost: fuzz\r\n${auth}Connection: close\r\n\r\n`) },
      { kind: 'raw: malformed HTTP', what: 'bad HTTP version', bytes: Buffer.from(`POST ${BULK} HTTP/7.3\r\nHost: fuzz\r\n${auth}Connection: close\r\n\r\n`) },
      { kind: 'raw: invalid UTF-8', what: 'in the Authorization header', bytes: Buffer.concat([Buffer.from(`GET /v1/users/u/preferences HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\nAuthorization: Bearer sk_`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('\r\n\r\n')]) },
      {
        kind: 'raw: invalid UTF-8',
        what: 'in a user id of the body',
        bytes: Buffer.concat([
          Buffer.from(`POST ${BULK} HTTP/1.1\r\nHost: fuzz\r\n${auth}Content-Type: application/json\r\nConnection: close\r\nContent-Length: ${good.length + 2}\r\n\r\n`),
          Buffer.from(good.replace('fz-a', 'fz-')),
          Buffer.from([0xc3, 0x28, 0xff]),
        ]),
      },
      { kind: 'raw: truncated body', what: 'Content-Length longer than the body, then FIN', bytes: head(`Content-Length: ${good.length + 100}\r\n`), halfClose: true },
    );
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------
// Sending and judging

interface Verdict {
  status: number;
  contentType: string;
  text: string;
}

/**
 * A keep-alive socket the server closed while idle can fail the next request on it before the server
 * saw it (Node documents this race); such a request is sent again on a fresh socket.
 */
async function send(testCase: Case): Promise<Verdict> {
  try {
    return await sendOnce(testCase, agent);
  } catch (error) {
    if ((error as { reusedSocket?: boolean }).reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
      return sendOnce(testCase, false);
    }
    throw error;
  }
}

function sendOnce(testCase: Case, via: http.Agent | false): Promise<Verdict> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...testCase.headers };
    if (testCase.body && headers['Transfer-Encoding'] === undefined) headers['Content-Length'] = testCase.body.length;
    const req = http.request({ host: '127.0.0.1', port: Number(new URL(api.url).port), method: testCase.method, path: testCase.path, headers, agent: via });
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      req.destroy();
      reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms (a hang)`));
    }, ANSWER_TIMEOUT_MS);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        if (!settled) reject(error);
        settled = true;
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      if (!settled) reject(Object.assign(error, { reusedSocket: req.reusedSocket }));
      settled = true;
    });
    req.end(testCase.body);
  });
}

function sendRaw(testCase: RawCase): Promise<Verdict | null> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(api.url).port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms (a hang)`));
    }, ANSWER_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may close while a huge request is still being written: what it answered still counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const answer = Buffer.concat(chunks).toString('latin1');
      if (answer.length === 0) return resolve(null);
      const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(answer);
      if (!match) return reject(new Error(`not an HTTP answer: ${JSON.stringify(answer.slice(0, 200))}`));
      const contentType = /^content-type:\s*(.*)$/im.exec(match[2])?.[1] ?? '';
      let body = match[3];
      if (/^transfer-encoding:\s*chunked/im.test(match[2])) body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
      resolve({ status: Number(match[1]), contentType, text: Buffer.from(body, 'latin1').toString('utf8') });
    });
    socket.write(testCase.bytes, () => {
      if (testCase.halfClose) socket.end();
    });
  });
}

/** Null when the answer is a 4xx in the spec's error shape; otherwise what is wrong with it. */
function judge(verdict: Verdict): string | null {
  if (verdict.status < 400 || verdict.status > 499) return `status ${verdict.status}: ${verdict.text.slice(0, 300)}`;
  if (!verdict.contentType.startsWith('application/json')) return `status ${verdict.status} with content type "${verdict.contentType}": ${verdict.text.slice(0, 200)}`;
  let body: unknown;
  try {
    body = JSON.parse(verdict.text);
  } catch {
    return `status ${verdict.status}, body is not JSON: ${verdict.text.slice(0, 200)}`;
  }
  const error = body as Record<string, unknown>;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return `body is not an object: ${verdict.text.slice(0, 200)}`;
  const expectedKeys = verdict.status === 422 ? ['code', 'errors', 'message', 'status', 'type'] : ['code', 'message', 'status', 'type'];
  if (JSON.stringify(Object.keys(error).sort()) !== JSON.stringify(expectedKeys)) return `keys ${Object.keys(error).join(',')}: ${verdict.text.slice(0, 200)}`;
  if (typeof error.code !== 'string' || typeof error.message !== 'string' || typeof error.type !== 'string' || error.status !== verdict.status) {
    return `bad error fields: ${verdict.text.slice(0, 200)}`;
  }
  if (verdict.status === 422) {
    const errors = error.errors;
    if (!Array.isArray(errors) || errors.length === 0) return `422 without errors: ${verdict.text.slice(0, 200)}`;
    for (const item of errors as Record<string, unknown>[]) {
      if (typeof item !== 'object' || item === null || JSON.stringify(Object.keys(item).sort()) !== '["field","message","type"]') return `bad errors item: ${JSON.stringify(item)}`;
      if (typeof item.field !== 'string' || typeof item.message !== 'string' || typeof item.type !== 'string') return `bad errors item: ${JSON.stringify(item)}`;
    }
  }
  return null;
}

async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        await work(item);
      }
    }),
  );
}

async function writtenState(): Promise<{ operations: number; sets: number; jobs: number }> {
  const rows = await env.db.$queryRawUnsafe<{ operations: number; sets: number }[]>(
    'SELECT (SELECT count(*)::int FROM bulk_operations) AS operations, (SELECT count(*)::int FROM preference_sets) AS sets',
  );
  const counts = await queue.getJobCounts();
  return { ...rows[0], jobs: Object.values(counts).reduce((sum, n) => sum + n, 0) };
}

function prototypeSnapshot(): Record<string, string[]> {
  const prototypes: Record<string, object> = {
    Object: Object.prototype,
    Array: Array.prototype,
    Function: Function.prototype,
    String: String.prototype,
    Number: Number.prototype,
    Boolean: Boolean.prototype,
    Error: Error.prototype,
    Promise: Promise.prototype,
  };
  return Object.fromEntries(Object.entries(prototypes).map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));
}

it('answers every malformed request with a 4xx in the error shape, writes nothing and pollutes no prototype', async () => {
  authHeader = `Bearer ${env.secretKey}`;
  const prototypesBefore = prototypeSnapshot();
  const before = await writtenState();
  const started = Date.now();

  const heavy = heavyCases();
  const cases: Case[] = [...heavy, ...Array.from({ length: GENERATED_CASES }, generateCase)];
  const raw = rawCases();
  const generatedAt = Date.now();
  const tried = new Map<string, number>();
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  const note = (kind: string, verdict: Verdict | null, what: string, problem: string | null) => {
    tried.set(kind, (tried.get(kind) ?? 0) + 1);
    if (verdict) statuses.set(verdict.status, (statuses.get(verdict.status) ?? 0) + 1);
    if (problem) failures.push(`[${kind}] ${what.slice(0, 160)} -> ${problem}`);
  };

  await runPool(cases, CONCURRENCY, async (testCase) => {
    try {
      const verdict = await send(testCase);
      note(testCase.kind, verdict, testCase.what, judge(verdict));
    } catch (error) {
      note(testCase.kind, null, testCase.what, `no answer: ${(error as Error).message}`);
    }
  });
  const sentAt = Date.now();
  await runPool(raw, 4, async (testCase) => {
    try {
      const verdict = await sendRaw(testCase);
      if (verdict === null) note(testCase.kind, null, testCase.what, testCase.halfClose ? null : 'the connection closed without an answer');
      else note(testCase.kind, verdict, testCase.what, judge(verdict));
    } catch (error) {
      note(testCase.kind, null, testCase.what, `no answer: ${(error as Error).message}`);
    }
  });

  const rawAt = Date.now();
  const total = cases.length + raw.length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const byKind = [...tried.entries()].sort().map(([kind, n]) => `${kind}: ${n}`).join(', ');
  const byStatus = [...statuses.entries()].sort().map(([status, n]) => `${status}: ${n}`).join(', ');
  console.log(`fuzz: tried ${total} malformed requests (seed ${SEED}) in ${seconds} s (generating ${((generatedAt - started) / 1000).toFixed(1)} s, HTTP ${((sentAt - generatedAt) / 1000).toFixed(1)} s, raw sockets ${((rawAt - sentAt) / 1000).toFixed(1)} s); ${failures.length} failed\n  by kind: ${byKind}\n  answers: ${byStatus}`);
  if (failures.length > 0) {
    // Three examples of each kind of failure.
    const shown = new Map<string, number>();
    const examples = failures.filter((failure) => {
      const group = `${failure.slice(0, failure.indexOf(']'))} ${failure.slice(failure.indexOf(' -> '), failure.indexOf(' -> ') + 24)}`;
      shown.set(group, (shown.get(group) ?? 0) + 1);
      return (shown.get(group) ?? 0) <= 3;
    });
    console.log(`fuzz failures (${failures.length}), three of each kind:\n${examples.join('\n')}`);
  }

  // One comparison, so that a red run shows every promise it broke at once: enough cases, every answer
  // right, nothing written or enqueued, no prototype touched.
  const prototypesAfter = prototypeSnapshot();
  const addedToPrototypes = Object.keys(prototypesAfter).flatMap((name) =>
    prototypesAfter[name].filter((key) => !prototypesBefore[name].includes(key)).map((key) => `${name}.prototype.${key}`),
  );
  expect({
    enoughCases: total >= 10_000,
    failures: failures.slice(0, 20),
    written: await writtenState(),
    addedToPrototypes,
    polluted: ({} as Record<string, unknown>).polluted,
    objectPrototype: Object.getPrototypeOf({}) === Object.prototype,
  }).toEqual({ enoughCases: true, failures: [], written: before, addedToPrototypes: [], polluted: undefined, objectPrototype: true });

  // Still up and still right: a good request is served and recorded.
  expect(api.server.listening).toBe(true);
  const good = await send(bulkCase('good', 'a valid request', serialize(validBulkBody())));
  expect(good.status).toBe(200);
  expect((await writtenState()).operations).toBe(before.operations + 1);
}, 600_000);
