import zlib from 'node:zlib';
import { seededRandom } from '@prefs/testing';

/**
 * The fuzz corpus: a seeded generator of malformed requests (and the valid request they are made from),
 * shared by the fuzz test (which sends them to a real API) and the contract test (which runs their bodies
 * through the validators and the OpenAPI document's request schemas, and requires the same answer).
 * Every case is malformed by construction: a broken JSON text is checked with JSON.parse; a wrong value is
 * taken from types the field does not allow.
 */


// ---------------------------------------------------------------------------------------------------
// JSON values, with two things JSON.stringify cannot make: own `__proto__` keys and raw fragments
// (deep nesting is written as text, so that building it needs no recursion here)

export class RawJson {
  constructor(readonly text: string) {}
}

export type Json = null | boolean | number | string | RawJson | Json[] | { [key: string]: Json };

/** Sets an own property, also for `__proto__` (a plain assignment would change the prototype). */
export function own(target: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function obj(entries: [string, Json][]): Record<string, Json> {
  const result: Record<string, Json> = {};
  for (const [key, value] of entries) own(result, key, value);
  return result;
}

export function serialize(value: Json): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).map((key) => `${JSON.stringify(key)}:${serialize(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const RESERVED = ['__proto__', 'constructor', 'prototype'];
export const CONTROL = ['\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f'];
export const LONE_SURROGATES = ['\ud800', '\udfff', '\udbff', 'a\ud83d', '\ude00b'];
export const STRANGE_STRINGS = ['', ' ', '💥', '\u202e', 'null', 'true', '0', '{}', '[]', '<script>', "'; DROP TABLE bulk_operations; --", '%00', '../..', '\\', '"'];

export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';
export const JSON_TYPES: JsonType[] = ['null', 'boolean', 'number', 'string', 'array', 'object'];

// ---------------------------------------------------------------------------------------------------
// The valid request this all starts from, and the ways each of its fields can be wrong

export const UUID = '7c0c5d3e-2b7a-4f3e-9a61-0f7d3c1b2a90';
export const condition = () => obj([['variable', 'recipient.plan'], ['operator', 'equal_to'], ['argument', 'pro']]);

export function validPreferences(withId: boolean): Record<string, Json> {
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

export const validBulkBody = () => obj([['user_ids', ['fz-a', 'fz-b', 'fz-c']], ['preferences', validPreferences(true)]]);

/** A value that is wrong for the field, whatever else the request holds. */
export type Breaker = () => Json | typeof REMOVE;
export const REMOVE = Symbol('remove the field');

export const longString = (length: number) => 'x'.repeat(length);

export type Path = (string | number)[];

/** Every field of the bulk body, with the kind of value it takes. */
export function bulkFields(): [Path, string][] {
  const p = ['preferences'];
  const conditionFields = (base: Path): [Path, string][] => [
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
export const FIXED_SHAPE_OBJECTS: Path[] = [
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

export function setAt(root: Json, path: Path, value: Json | typeof REMOVE): Json {
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
export function getAt(root: Json, path: Path): Json | undefined {
  let node: Json | undefined = root;
  for (const step of path) {
    if (node === null || node === undefined || typeof node !== 'object' || node instanceof RawJson) return undefined;
    node = (node as Record<string, Json>)[step as string];
  }
  return node;
}

// ---------------------------------------------------------------------------------------------------
// Requests

export interface Case {
  kind: string;
  what: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
}

export interface RawCase {
  kind: string;
  what: string;
  bytes: Buffer;
  /**
   * Send FIN after the bytes. Node's server aborts a request whose client half-closed (it does not allow
   * half-open sockets), so only the truncated-body case does, and for it a close without answer is fine.
   */
  halfClose?: boolean;
}

export const BULK = '/v1/users/bulk/preferences';
export const json = { 'Content-Type': 'application/json' };

export interface FuzzCorpusOptions {
  seed: number;
  /** The `Authorization` header of the cases that should pass authentication. */
  authHeader: string;
  /** The API's BODY_LIMIT_BYTES: one heavy case is one byte over it. */
  bodyLimitBytes: number;
}

export interface FuzzCorpus {
  /** One random malformed request over HTTP. */
  generateCase(): Case;
  /** Rare, large cases (huge bodies, many users, deep nesting), each twice. */
  heavyCases(): Case[];
  /** Malformed HTTP, written to a socket as bytes. */
  rawCases(): RawCase[];
}

export function createFuzzCorpus(options: FuzzCorpusOptions): FuzzCorpus {
  const { authHeader } = options;
  const BODY_LIMIT_BYTES = options.bodyLimitBytes;

  const random = seededRandom(options.seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const chance = (p: number) => random() < p;

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
  return { generateCase, heavyCases, rawCases };
}
