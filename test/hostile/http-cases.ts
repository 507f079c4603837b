/**
 * The hostile HTTP corpus: families of bad requests, generated from the corpus files plus a few rules.
 * Each case says what a correct server answers; `bug` marks a case that fails today (it runs as
 * `it.fails` with that description until the owner fixes it — then delete the `bug` line).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { signStandardWebhook } from '../../src/connectors/bigcommerce/webhooks.js';
import type { DialectName } from '../../src/store/database.js';
import { BODY_LIMIT, SECRETS, STORE_HASH } from './hostile-harness.js';

export type Endpoint = 'bigcommerce' | 'heartland' | 'health' | 'metrics' | 'admin';
export type Outcome = 'accepted' | 'duplicate' | 'ignored';

export interface HostileCase {
  family: string;
  endpoint: Endpoint;
  name: string;
  request: InjectOptions;
  /** Acceptable statuses. */
  status: number[];
  /** Acceptable `code`s for 4xx answers (default: any `HB_ERR_HTTP_*`). */
  codes?: string[];
  /** Acceptable `status` field of a 2xx webhook answer. */
  outcomes?: Outcome[];
  /** The reason must mention this (e.g. the field that is wrong). */
  reason?: RegExp;
  /** Known bug on this backend: run as it.fails, described by the returned text. */
  bug?: (dialect: DialectName) => string | undefined;
}

const CORPUS = join(import.meta.dirname, 'corpus');
const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(CORPUS, name), 'utf8')) as T;

export const injection = readJson<Record<string, string[] | string>>('injection-strings.json');
export const INJECTIONS: string[] = Object.values(injection).flatMap((v) => (Array.isArray(v) ? v : []));
export const UNICODE = readJson<{ strings: Array<{ name: string; value: string }> }>(
  'unicode-strings.json',
).strings;
export const MALFORMED = readJson<{ bodies: string[] }>('malformed-json.json').bodies;

/** PostgreSQL text/jsonb cannot hold U+0000 or a lone surrogate (SQLite can). */
export function pgUnsafe(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}
/** Numbers JSON can carry but JavaScript cannot hold exactly (written as text so no literal loses precision). */
const TWO_POW_64 = Number('18446744073709551616');
const OVERFLOW = Number('1e400');
/**
 * PostgreSQL cannot store U+0000 or a lone surrogate, so the parser refuses them on both backends with
 * a 400 naming the field (`path` is a regex source); any other text gets `otherwise`.
 */
const storable = (text: string, path: string, otherwise: Partial<HostileCase>): Partial<HostileCase> =>
  pgUnsafe(text)
    ? { status: [400], codes: ['HB_ERR_HTTP_VALIDATION'], reason: new RegExp(`^${path}: .*cannot be stored`) }
    : otherwise;

let seq = 0;
/** A valid BigCommerce envelope; every call has a fresh hash so cases never collide as duplicates. */
export function bcEnvelope(id: unknown = 1000 + seq, extra: Record<string, unknown> = {}) {
  seq++;
  return {
    scope: 'store/order/created',
    store_id: '1025646',
    data: { type: 'order', id },
    hash: `hostile-${seq}-${Date.now()}`,
    created_at: 1561479335,
    producer: `stores/${STORE_HASH}`,
    ...extra,
  };
}
export function hlItem(id: unknown = 5000 + seq, extra: Record<string, unknown> = {}) {
  seq++;
  return {
    id,
    public_id: `SKU-${seq}`,
    description: 'Northern Tote',
    price: 140.99,
    'active?': true,
    updated_at: `2026-11-27T08:00:${String(seq % 60).padStart(2, '0')}.${seq}Z`,
    ...extra,
  };
}

const JSON_CT = { 'content-type': 'application/json' };
export const bcPost = (payload: string | Buffer, headers: Record<string, string> = {}, conn = 'main') =>
  ({
    method: 'POST',
    url: `/webhooks/bigcommerce/${conn}`,
    headers: { ...JSON_CT, 'x-heartbridge-secret': SECRETS.bcHeader, ...headers },
    payload,
  }) satisfies InjectOptions;
export const hlPost = (payload: string | Buffer, secret: string = SECRETS.hlUrl, headers = {}) =>
  ({
    method: 'POST',
    url: `/webhooks/heartland/main/${secret}`,
    headers: { ...JSON_CT, ...headers },
    payload,
  }) satisfies InjectOptions;

const deep = (n: number, open = '{"a":', close = '}') => `${open.repeat(n)}1${close.repeat(n)}`;
/** JSON text of `obj` with `"__slot__":0` replaced by raw JSON. */
const withRaw = (obj: object, raw: string) =>
  JSON.stringify({ ...obj, __slot__: 0 }).replace('"__slot__":0', `"x":${raw}`);

const V = 'HB_ERR_HTTP_VALIDATION';
const MALFORMED_CODES = ['HB_ERR_HTTP_MALFORMED_JSON', 'HB_ERR_HTTP_EMPTY_BODY'];
const ACCEPT = { status: [200], outcomes: ['accepted' as Outcome] };

function bigcommerceCases(): HostileCase[] {
  const out: HostileCase[] = [];
  const add = (family: string, name: string, request: InjectOptions, expect: Partial<HostileCase>) =>
    out.push({ family: `bc/${family}`, endpoint: 'bigcommerce', name, request, status: [400], ...expect });
  const unauthorized = { status: [401], codes: ['HB_ERR_HTTP_UNAUTHORIZED'] };

  // --- secret header -------------------------------------------------------------------------------
  const s = SECRETS.bcHeader;
  const body = () => JSON.stringify(bcEnvelope());
  const wrongSecrets: Record<string, string> = {
    empty: '',
    'one char': 'x',
    'same length': 'x'.repeat(s.length),
    prefix: s.slice(0, -1),
    'suffix added': `${s}x`,
    'upper-cased': s.toUpperCase(),
    'long 8k': 'k'.repeat(8192),
    'latin1 unicode': 'sécrèt-ünïcödé',
    'sql injection': "' OR '1'='1",
    'bearer form': `Bearer ${s}`,
  };
  for (const [name, value] of Object.entries(wrongSecrets))
    add('secret', `wrong secret: ${name}`, bcPost(body(), { 'x-heartbridge-secret': value }), unauthorized);
  add('secret', 'no secret header', { ...bcPost(body()), headers: JSON_CT }, unauthorized);
  add(
    'secret',
    'secret in Authorization instead',
    {
      ...bcPost(body()),
      headers: { ...JSON_CT, authorization: `Bearer ${s}` },
    },
    unauthorized,
  );
  add(
    'secret',
    'secret in the query string',
    {
      ...bcPost(body()),
      url: `/webhooks/bigcommerce/main?x-heartbridge-secret=${s}`,
      headers: JSON_CT,
    },
    unauthorized,
  );
  add(
    'secret',
    'secret in the JSON body',
    {
      ...bcPost(JSON.stringify(bcEnvelope(undefined, { 'x-heartbridge-secret': s }))),
      headers: JSON_CT,
    },
    unauthorized,
  );
  for (const conn of ['nope', '..%2F..%2Fmain', '%00', 'm%C3%A4in', "main'--"])
    add('secret', `unknown connection ${conn}`, bcPost(body(), {}, conn), {
      status: [404],
      codes: ['HB_ERR_HTTP_NOT_FOUND'],
    });
  add('secret', 'connection name of 2000 chars', bcPost(body(), {}, 'x'.repeat(2000)), {
    status: [414],
    codes: ['HB_ERR_HTTP_URI_TOO_LONG'],
  });

  // --- Standard Webhooks signatures (connection `signed`) --------------------------------------------
  const now = Math.floor(Date.now() / 1000);
  const signed = (opts: { ts?: number; id?: string; sig?: string; bodyText?: string; omit?: string[] }) => {
    const text = opts.bodyText ?? body();
    const ts = opts.ts ?? now;
    const id = opts.id ?? `msg_${seq}`;
    const headers: Record<string, string> = {
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': opts.sig ?? `v1,${signStandardWebhook(SECRETS.signing, id, ts, text)}`,
    };
    for (const h of opts.omit ?? []) delete headers[h];
    return bcPost(text, headers, 'signed');
  };
  add('signature', 'control: correctly signed', signed({}), ACCEPT);
  for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature'])
    add('signature', `missing ${h}`, signed({ omit: [h] }), unauthorized);
  const original = body();
  const goodSig = signStandardWebhook(SECRETS.signing, 'msg_forge', now, original);
  add(
    'signature',
    'forged: body changed after signing',
    signed({
      id: 'msg_forge',
      sig: `v1,${goodSig}`,
      bodyText: original.replace('"store_id":"1025646"', '"store_id":"6666666"'),
    }),
    unauthorized,
  );
  add(
    'signature',
    'forged: signed with another key',
    signed({
      sig: `v1,${signStandardWebhook(Buffer.from('x'.repeat(32)).toString('base64'), `msg_${seq}`, now, original)}`,
      bodyText: original,
    }),
    unauthorized,
  );
  add(
    'signature',
    'forged: webhook-id changed',
    signed({ id: 'msg_other', sig: `v1,${goodSig}`, bodyText: original }),
    unauthorized,
  );
  add(
    'signature',
    'forged: v2 scheme',
    signed({ sig: `v2,${goodSig}`, id: 'msg_forge', bodyText: original }),
    unauthorized,
  );
  add(
    'signature',
    'forged: no scheme',
    signed({ sig: goodSig, id: 'msg_forge', bodyText: original }),
    unauthorized,
  );
  add('signature', 'forged: empty v1', signed({ sig: 'v1,' }), unauthorized);
  add('signature', 'forged: base64 garbage', signed({ sig: 'v1,!!!!not-base64!!!!' }), unauthorized);
  add(
    'signature',
    'forged: 10k signatures',
    signed({ sig: Array(10_000).fill('v1,AAAA').join(' ') }),
    unauthorized,
  );
  add('signature', 'replayed: timestamp 1 h old', signed({ ts: now - 3600 }), unauthorized);
  add('signature', 'replayed: timestamp 1 h ahead', signed({ ts: now + 3600 }), unauthorized);
  for (const ts of ['abc', '1.5e9', '-1', '18446744073709551616', ''])
    add(
      'signature',
      `timestamp ${ts || '(empty)'}`,
      {
        ...signed({}),
        headers: { ...signed({}).headers, 'webhook-timestamp': ts },
      },
      unauthorized,
    );
  const replay = signed({});
  add('signature', 'replayed: identical signed delivery (1st)', replay, ACCEPT);
  add('signature', 'replayed: identical signed delivery (2nd) is a no-op', replay, {
    status: [200],
    outcomes: ['duplicate'],
  });
  add(
    'signature',
    'key rotation: one valid among several',
    signed({
      id: 'msg_rot',
      bodyText: original,
      sig: `v1,AAAA v1,${signStandardWebhook(SECRETS.signing, 'msg_rot', now, original)}`,
    }),
    ACCEPT,
  );

  // --- malformed and truncated JSON ------------------------------------------------------------------
  for (const [i, text] of MALFORMED.entries())
    add('malformed-json', `corpus #${i} ${JSON.stringify(text.slice(0, 24))}`, bcPost(text), {
      codes: [...MALFORMED_CODES, V],
    });
  const full = body();
  for (let cut = 1; cut < 10; cut++) {
    const text = full.slice(0, Math.floor((full.length * cut) / 10));
    add('malformed-json', `truncated at ${cut * 10}%`, bcPost(text), { codes: MALFORMED_CODES });
  }
  add('malformed-json', 'invalid UTF-8 bytes only', bcPost(Buffer.from([0xff, 0xfe, 0xfd, 0xc0, 0x80])), {
    codes: MALFORMED_CODES,
  });

  // --- envelope fields: wrong types and missing ------------------------------------------------------
  const wrongValues: Record<string, unknown[]> = {
    scope: [null, true, 0, 1.5, [], {}, ''],
    store_id: [null, true, 1025646, -1, [], {}, ''],
    data: [null, true, 0, 'order', [], [{ id: 1 }]],
    hash: [null, false, 0, [], {}, ''],
    created_at: [null, true, '1561479335', 1.5, -0.5, [], {}, 'NaN', OVERFLOW],
    producer: [null, true, 0, [], {}],
  };
  for (const [field, values] of Object.entries(wrongValues)) {
    for (const v of values) {
      const text =
        v === OVERFLOW
          ? JSON.stringify(bcEnvelope()).replace(/"created_at":\d+/, '"created_at":1e400')
          : JSON.stringify(bcEnvelope(undefined, { [field]: v }));
      add('wrong-type', `${field} = ${JSON.stringify(v) ?? String(v)}`, bcPost(text), {
        codes: [V],
        reason: new RegExp(field),
      });
    }
    const env = bcEnvelope() as Record<string, unknown>;
    delete env[field];
    add('missing-field', `no ${field}`, bcPost(JSON.stringify(env)), {
      codes: [V],
      reason: new RegExp(field),
    });
  }
  add('missing-field', 'empty object', bcPost('{}'), { codes: [V] });
  add('missing-field', 'data only', bcPost('{"data":{"id":1}}'), { codes: [V] });
  add(
    'wrong-type',
    'producer of another store',
    bcPost(JSON.stringify(bcEnvelope(undefined, { producer: 'stores/zzz' }))),
    {
      codes: [V],
      reason: /stores\/zzz/,
    },
  );
  for (const [name, text] of Object.entries({
    null: 'null',
    array: '[]',
    string: '"x"',
    number: '0',
    true: 'true',
  }))
    add('wrong-type', `body is ${name}`, bcPost(text), { codes: [V] });

  // --- ids: only a positive safe integer (number or digit string) is an id; absent → ignored ---------
  const badId = {
    status: [400],
    codes: [V],
    reason: /^malformed webhook: data\.id: must be a positive integer id/,
  };
  const ids: Array<[string, string, Partial<HostileCase>]> = [
    ['2^64 (would round onto another id)', '18446744073709551616', badId],
    ['2^53+1 (would round onto 2^53)', '9007199254740993', badId],
    ['-1', '-1', badId],
    ['0', '0', badId],
    ['1.5', '1.5', badId],
    ['1e400 (Infinity)', '1e400', badId],
    ['"123"', '"123"', ACCEPT],
    ['2^53-1', '9007199254740991', ACCEPT],
    ['"2^53-1"', '"9007199254740991"', ACCEPT],
    ['2^53+1 as string', '"9007199254740993"', badId],
    ['"-1"', '"-1"', badId],
    ['"1.0"', '"1.0"', badId],
    ['" 12"', '" 12"', badId],
    ['"../../customers"', '"../../customers"', badId],
    ['"12/../13"', '"12/../13"', badId],
    ['empty string', '""', badId],
    ['object', '{}', badId],
    ['array', '[1]', badId],
    ['true', 'true', badId],
    ['null (absent: nothing to route)', 'null', { status: [200], outcomes: ['ignored'] }],
  ];
  for (const [name, raw, expect] of ids) {
    const text = JSON.stringify(bcEnvelope(0)).replace('"id":0', `"id":${raw}`);
    add('ids', `data.id ${name}`, bcPost(text), expect);
  }
  add(
    'ids',
    'shipment orderId -5',
    bcPost(
      JSON.stringify(
        bcEnvelope(undefined, {
          scope: 'store/shipment/created',
          data: { type: 'shipment', id: 1, orderId: -5 },
        }),
      ),
    ),
    { codes: [V], reason: /data\.orderId: must be a positive integer id/ },
  );
  add(
    'ids',
    'address customer_id "x"',
    bcPost(
      JSON.stringify(
        bcEnvelope(undefined, {
          scope: 'store/customer/address/updated',
          data: { type: 'customer', id: 1, address: { customer_id: 'x' } },
        }),
      ),
    ),
    { codes: [V], reason: /data\.address\.customer_id: must be a positive integer id/ },
  );

  // --- huge bodies ---------------------------------------------------------------------------------
  const tooLarge = { status: [413], codes: ['HB_ERR_HTTP_BODY_TOO_LARGE'] };
  const pad = (n: number) => JSON.stringify(bcEnvelope(undefined, { pad: 'x'.repeat(n) }));
  add('huge', 'limit + 1 byte', bcPost(pad(BODY_LIMIT)), tooLarge);
  add('huge', '4 × limit', bcPost(pad(4 * BODY_LIMIT)), tooLarge);
  add('huge', '8 MB of spaces', bcPost(' '.repeat(8 * 1024 * 1024)), tooLarge);
  add('huge', 'just under the limit is accepted', bcPost(pad(BODY_LIMIT - 1024)), ACCEPT);
  add(
    'huge',
    '10k keys in data',
    bcPost(
      JSON.stringify(
        bcEnvelope(undefined, {
          data: Object.fromEntries(
            Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]).concat([['id', 77]]),
          ),
        }),
      ),
    ),
    ACCEPT,
  );
  add(
    'huge',
    '100k-element array in data',
    bcPost(
      JSON.stringify(
        bcEnvelope(undefined, {
          data: { id: 78, list: Array(50_000).fill(0) },
        }),
      ),
    ),
    ACCEPT,
  );

  // --- deep nesting --------------------------------------------------------------------------------
  add('deep', '10k-deep object as the body', bcPost(deep(10_000)), { codes: [V] });
  add('deep', '10k-deep array as the body', bcPost(deep(10_000, '[', ']')), { codes: [V] });
  // The parser refuses nesting deeper than 64 levels (the envelope itself is level 1).
  const tooDeep = { codes: [V], reason: /nested deeper than 64 levels/ };
  add('deep', '64 levels in all is fine', bcPost(withRaw(bcEnvelope(), deep(63))), ACCEPT);
  add(
    'deep',
    '64 levels of arrays in all is fine',
    bcPost(withRaw(bcEnvelope(), deep(63, '[', ']'))),
    ACCEPT,
  );
  add('deep', '65 levels is refused', bcPost(withRaw(bcEnvelope(), deep(64))), tooDeep);
  add(
    'deep',
    'brackets inside strings do not count',
    bcPost(withRaw(bcEnvelope(), JSON.stringify('{['.repeat(500)))),
    ACCEPT,
  );
  add('deep', '100-deep object in data', bcPost(withRaw(bcEnvelope(), deep(100))), tooDeep);
  add('deep', '10k-deep object in an extra field', bcPost(withRaw(bcEnvelope(), deep(10_000))), tooDeep);
  add(
    'deep',
    '10k-deep array in an extra field',
    bcPost(withRaw(bcEnvelope(), deep(10_000, '[', ']'))),
    tooDeep,
  );

  // --- unicode and control characters --------------------------------------------------------------
  for (const { name, value } of UNICODE) {
    add(
      'unicode',
      `${name} in data.name`,
      bcPost(
        JSON.stringify(
          bcEnvelope(undefined, {
            data: { type: 'order', id: 4242, name: value },
          }),
        ),
      ),
      storable(value, 'data\\.name', ACCEPT),
    );
    add(
      'unicode',
      `${name} in hash`,
      bcPost(JSON.stringify(bcEnvelope(undefined, { hash: `h-${seq}-${value}` }))),
      storable(value, 'hash', ACCEPT),
    );
    add(
      'unicode',
      `${name} in scope (unknown scope)`,
      bcPost(
        JSON.stringify(
          bcEnvelope(undefined, {
            scope: `store/order/created${value}`,
          }),
        ),
      ),
      storable(value, 'scope', { status: [200], outcomes: ['ignored'] }),
    );
  }
  add(
    'unicode',
    'lone surrogate as raw JSON escape in data',
    bcPost(withRaw(bcEnvelope(), '"\\ud800"')),
    storable('\ud800', 'x', ACCEPT),
  );
  add('unicode', 'NUL escape in a key', bcPost(withRaw(bcEnvelope(), '{"a\\u0000b":1}')), {
    codes: ['HB_ERR_HTTP_VALIDATION'],
    reason: /^a key in x: .*cannot be stored/,
  });
  add(
    'unicode',
    'NUL and lone surrogates deep in an array',
    bcPost(withRaw(bcEnvelope(), '[{"ok":"\\ud83d\\ude00"},{"n":["\\udc00"]}]')),
    { codes: ['HB_ERR_HTTP_VALIDATION'], reason: /^x\[1\]\.n\[0\]: .*cannot be stored/ },
  );
  add(
    'unicode',
    'a paired surrogate escape and an escaped backslash before u0000 are fine',
    bcPost(withRaw(bcEnvelope(), '["\\ud83d\\ude00","\\\\u0000"]')),
    ACCEPT,
  );
  add(
    'unicode',
    'invalid UTF-8 bytes inside a string',
    bcPost(
      Buffer.concat([
        Buffer.from(withRaw(bcEnvelope(), '"__b__"').split('__b__')[0] ?? ''),
        Buffer.from([0xff, 0xc0, 0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ]),
    ),
    { status: [200, 400], outcomes: ['accepted'] },
  );

  // --- prototype keys ------------------------------------------------------------------------------
  const proto = { codes: [V], reason: /^forbidden key "(__proto__|constructor\.prototype)"/ };
  add(
    'proto',
    '__proto__ at the top',
    bcPost(withRaw(bcEnvelope(), '1').replace('"x":1', '"__proto__":{"polluted":1}')),
    proto,
  );
  add(
    'proto',
    '__proto__ in data',
    bcPost(JSON.stringify(bcEnvelope()).replace('"type":"order"', '"__proto__":{"id":9}')),
    proto,
  );
  add(
    'proto',
    'constructor.prototype in data',
    bcPost(
      JSON.stringify(
        bcEnvelope(undefined, {
          data: { id: 1, constructor: { prototype: { polluted: 1 } } },
        }),
      ),
    ),
    proto,
  );
  add(
    'proto',
    '__proto__ nested deep',
    bcPost(withRaw(bcEnvelope(), '{"a":{"b":{"__proto__":{"x":1}}}}')),
    proto,
  );
  add(
    'proto',
    'plain "constructor" key is data',
    bcPost(
      JSON.stringify(
        bcEnvelope(undefined, {
          data: { id: 79, constructor: 'x', prototype: 'y', toString: 'z', hasOwnProperty: 1 },
        }),
      ),
    ),
    ACCEPT,
  );

  // --- injection strings ---------------------------------------------------------------------------
  for (const inj of INJECTIONS) {
    add(
      'injection',
      `data.note ${inj.slice(0, 30)}`,
      bcPost(
        JSON.stringify(
          bcEnvelope(undefined, {
            data: { type: 'order', id: 4343, note: inj },
          }),
        ),
      ),
      ACCEPT,
    );
    add('injection', `data.id ${inj.slice(0, 30)}`, bcPost(JSON.stringify(bcEnvelope(inj))), {
      codes: [V],
      reason: /data\.id: must be a positive integer id/,
    });
    add(
      'injection',
      `scope ${inj.slice(0, 30)}`,
      bcPost(JSON.stringify(bcEnvelope(undefined, { scope: inj }))),
      {
        status: [200],
        outcomes: ['ignored'],
      },
    );
  }

  // --- content types and empty bodies --------------------------------------------------------------
  const unsupported = { status: [415], codes: ['HB_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE'] };
  const ct = (type: string | undefined, payload = body()) => {
    const req = bcPost(payload);
    const headers: Record<string, string> = { 'x-heartbridge-secret': SECRETS.bcHeader };
    if (type !== undefined) headers['content-type'] = type;
    return { ...req, headers };
  };
  add('content-type', 'none', ct(undefined), unsupported);
  add('content-type', 'form-urlencoded', ct('application/x-www-form-urlencoded', 'scope=x'), unsupported);
  add('content-type', 'multipart', ct('multipart/form-data; boundary=x', '--x\r\n'), unsupported);
  add('content-type', 'xml', ct('application/xml', '<a/>'), unsupported);
  add('content-type', 'octet-stream', ct('application/octet-stream'), unsupported);
  add('content-type', 'garbage', ct('!!!/???'), unsupported);
  add('content-type', 'text/plain with JSON text', ct('text/plain'), { codes: [V] });
  add('content-type', 'APPLICATION/JSON upper case', ct('APPLICATION/JSON'), ACCEPT);
  add('content-type', 'json with charset', ct('application/json; charset=utf-8'), ACCEPT);
  for (const [name, text] of Object.entries({ empty: '', space: ' ', newline: '\n', tabs: '\t\t' }))
    add('empty', `body ${name}`, bcPost(text), { codes: MALFORMED_CODES });
  return out;
}

function heartlandCases(): HostileCase[] {
  const out: HostileCase[] = [];
  const add = (family: string, name: string, request: InjectOptions, expect: Partial<HostileCase>) =>
    out.push({ family: `hl/${family}`, endpoint: 'heartland', name, request, status: [400], ...expect });
  const unauthorized = { status: [401], codes: ['HB_ERR_HTTP_UNAUTHORIZED'] };
  const s = SECRETS.hlUrl;
  const item = () => JSON.stringify(hlItem());

  // --- URL secrets ---------------------------------------------------------------------------------
  const wrong: Record<string, string> = {
    'length 1': 'x',
    'length 8': 'x'.repeat(8),
    'one short': s.slice(0, -1),
    'one long': `${s}x`,
    'same length': 'y'.repeat(s.length),
    'double length': s + s,
    'upper-cased': s.toUpperCase(),
    'unicode ß€😀': encodeURIComponent('ß€😀'),
    'unicode lookalike': encodeURIComponent(s.replace('e', 'е')),
    'path traversal encoded': '..%2F..%2Fetc%2Fpasswd',
    'path traversal dots': '%2e%2e%2f%2e%2e',
    NUL: '%00',
    'secret + NUL': `${s}%00`,
    'secret + encoded slash': `${s}%2F`,
    sql: encodeURIComponent("' OR '1'='1"),
    jsonata: encodeURIComponent('$string($)'),
    html: encodeURIComponent('<script>alert(1)</script>'),
  };
  for (const [name, secret] of Object.entries(wrong))
    add('url-secret', `wrong secret: ${name}`, hlPost(item(), secret), unauthorized);
  add('url-secret', 'wrong secret: length 4000', hlPost(item(), 'z'.repeat(4000)), {
    status: [414],
    codes: ['HB_ERR_HTTP_URI_TOO_LONG'],
  });
  add(
    'url-secret',
    'right secret, unknown connection',
    {
      ...hlPost(item()),
      url: `/webhooks/heartland/other/${s}`,
    },
    unauthorized,
  );
  add('url-secret', 'path traversal: .. as the secret', hlPost(item(), '..'), { status: [401, 404] });
  add(
    'url-secret',
    'empty secret segment',
    { ...hlPost(item()), url: '/webhooks/heartland/main/' },
    {
      status: [401, 404],
    },
  );
  add(
    'url-secret',
    'no secret segment',
    { ...hlPost(item()), url: '/webhooks/heartland/main' },
    {
      status: [404],
      codes: ['HB_ERR_HTTP_NOT_FOUND'],
    },
  );
  add(
    'url-secret',
    'extra path after the secret',
    { ...hlPost(item()), url: `/webhooks/heartland/main/${s}/x` },
    {
      status: [404],
      codes: ['HB_ERR_HTTP_NOT_FOUND'],
    },
  );
  add('url-secret', 'broken %-escape', hlPost(item(), '%E0%A4%A'), {
    status: [400],
    codes: ['HB_ERR_HTTP_BAD_REQUEST', V],
  });
  add(
    'url-secret',
    'control: right secret, percent-encoded',
    hlPost(item(), [...s].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')),
    ACCEPT,
  );
  add(
    'url-secret',
    'right secret with a query string',
    { ...hlPost(item()), url: `/webhooks/heartland/main/${s}?a[b]=1&__proto__[x]=1` },
    ACCEPT,
  );

  // --- malformed JSON -------------------------------------------------------------------------------
  for (const [i, text] of MALFORMED.entries())
    add('malformed-json', `corpus #${i} ${JSON.stringify(text.slice(0, 24))}`, hlPost(text), {
      codes: [...MALFORMED_CODES, V],
    });
  const full = item();
  for (let cut = 1; cut < 10; cut += 2)
    add(
      'malformed-json',
      `truncated at ${cut * 10}%`,
      hlPost(full.slice(0, Math.floor((full.length * cut) / 10))),
      {
        codes: MALFORMED_CODES,
      },
    );

  // --- wrong types, missing fields, unknown kinds ---------------------------------------------------
  const badIds: unknown[] = [null, '7', 7.5, true, [], {}, TWO_POW_64, OVERFLOW];
  for (const v of badIds) {
    const text = v === OVERFLOW ? item().replace(/"id":\d+/, '"id":1e400') : JSON.stringify(hlItem(v));
    add('wrong-type', `id = ${JSON.stringify(v) ?? String(v)}`, hlPost(text), { codes: [V], reason: /id/ });
  }
  for (const v of [0, true, [], {}])
    add(
      'wrong-type',
      `updated_at = ${JSON.stringify(v)}`,
      hlPost(JSON.stringify(hlItem(undefined, { updated_at: v }))),
      {
        codes: [V],
        reason: /updated_at/,
      },
    );
  const { id: _id, ...noId } = hlItem();
  add('missing-field', 'no id', hlPost(JSON.stringify(noId)), { codes: [V], reason: /id/ });
  add('missing-field', 'unknown kind (id only)', hlPost('{"id":1}'), {
    codes: [V],
    reason: /item|customer|transaction/,
  });
  add('missing-field', 'empty object', hlPost('{}'), { codes: [V] });
  for (const [name, text] of Object.entries({
    null: 'null',
    array: '[{"id":1}]',
    string: '"x"',
    number: '1',
  }))
    add('wrong-type', `body is ${name}`, hlPost(text), { codes: [V] });
  add('ids', 'negative id (accepted: the flow decides)', hlPost(JSON.stringify(hlItem(-5))), ACCEPT);
  add(
    'ids',
    'updated_at not a date (accepted: dedupe text only)',
    hlPost(JSON.stringify(hlItem(undefined, { updated_at: 'notadate' }))),
    ACCEPT,
  );

  // --- huge and deep --------------------------------------------------------------------------------
  add('huge', 'limit + 1 byte', hlPost(JSON.stringify(hlItem(undefined, { pad: 'x'.repeat(BODY_LIMIT) }))), {
    status: [413],
    codes: ['HB_ERR_HTTP_BODY_TOO_LARGE'],
  });
  add(
    'huge',
    'description just under the limit',
    hlPost(JSON.stringify(hlItem(undefined, { description: 'd'.repeat(BODY_LIMIT - 1024) }))),
    ACCEPT,
  );
  const tooDeep = { codes: [V], reason: /nested deeper than 64 levels/ };
  add('deep', '10k-deep body', hlPost(deep(10_000)), tooDeep);
  add('deep', '50-deep field is fine', hlPost(withRaw(hlItem(), deep(50))), ACCEPT);
  add('deep', '5k-deep field', hlPost(withRaw(hlItem(), deep(5_000))), tooDeep);
  add('deep', '10k-deep array field', hlPost(withRaw(hlItem(), deep(10_000, '[', ']'))), tooDeep);

  // --- unicode, proto keys, injection -----------------------------------------------------------------
  for (const { name, value } of UNICODE) {
    add(
      'unicode',
      `${name} in description`,
      hlPost(JSON.stringify(hlItem(undefined, { description: value }))),
      storable(value, 'description', ACCEPT),
    );
    add(
      'unicode',
      `${name} in updated_at`,
      hlPost(JSON.stringify(hlItem(undefined, { updated_at: `2026-${seq}${value}` }))),
      storable(value, 'updated_at', ACCEPT),
    );
  }
  const proto = { codes: [V], reason: /^forbidden key "(__proto__|constructor\.prototype)"/ };
  add('proto', '__proto__ record', hlPost('{"__proto__":{"id":1,"public_id":"A","description":"d"}}'), proto);
  add(
    'proto',
    '__proto__ beside fields',
    hlPost(withRaw(hlItem(), '1').replace('"x":1', '"__proto__":{"a":1}')),
    proto,
  );
  add(
    'proto',
    'constructor.prototype',
    hlPost(withRaw(hlItem(), '1').replace('"x":1', '"constructor":{"prototype":{"a":1}}')),
    proto,
  );
  add(
    'proto',
    'boolean-suffixed prototype names',
    hlPost(
      JSON.stringify(hlItem(undefined, { 'constructor?': true, 'toString?': false, 'hasOwnProperty?': 1 })),
    ),
    ACCEPT,
  );
  for (const inj of INJECTIONS) {
    add(
      'injection',
      `description ${inj.slice(0, 30)}`,
      hlPost(JSON.stringify(hlItem(undefined, { description: inj }))),
      ACCEPT,
    );
    add(
      'injection',
      `public_id ${inj.slice(0, 30)}`,
      hlPost(JSON.stringify(hlItem(undefined, { public_id: inj }))),
      ACCEPT,
    );
  }

  // --- content types ----------------------------------------------------------------------------------
  const ct = (type: string | undefined) => {
    const req = hlPost(item());
    return { ...req, headers: type === undefined ? {} : { 'content-type': type } };
  };
  const unsupported = { status: [415], codes: ['HB_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE'] };
  add('content-type', 'none', ct(undefined), unsupported);
  add('content-type', 'form-urlencoded', ct('application/x-www-form-urlencoded'), unsupported);
  add('content-type', 'xml', ct('text/xml'), unsupported);
  add('content-type', 'text/plain', ct('text/plain'), { codes: [V] });
  for (const [name, text] of Object.entries({ empty: '', space: ' ', crlf: '\r\n' }))
    add('empty', `body ${name}`, hlPost(text), { codes: MALFORMED_CODES });
  return out;
}

function opsCases(): HostileCase[] {
  const out: HostileCase[] = [];
  const notFound = { status: [404], codes: ['HB_ERR_HTTP_NOT_FOUND'] };
  for (const path of ['/healthz', '/readyz', '/metrics']) {
    const endpoint: Endpoint = path === '/metrics' ? 'metrics' : 'health';
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const)
      out.push({
        family: 'ops/wrong-method',
        endpoint,
        name: `${method} ${path}`,
        request: { method, url: path, headers: JSON_CT, payload: '{"a":1}' },
        ...notFound,
      });
    out.push({
      family: 'ops/wrong-method',
      endpoint,
      name: `HEAD ${path}`,
      request: { method: 'HEAD', url: path },
      status: [200],
    });
    for (const q of [
      'a[b][c][d]=1',
      '__proto__[polluted]=1',
      `x=${'%'.repeat(3)}`,
      `q=${'y'.repeat(6000)}`,
      'a=%00&b=%ZZ',
      `$eval=${encodeURIComponent('$string($)')}`,
      "id=1' OR '1'='1",
      '&&&==&&',
    ])
      out.push({
        family: 'ops/query-garbage',
        endpoint,
        name: `${path}?${q.slice(0, 30)}`,
        request: { method: 'GET', url: `${path}?${q}` },
        status: [200],
      });
  }
  for (const path of [
    '/healthz/',
    '//healthz',
    '/healthz/../metrics',
    '/%2e%2e/healthz',
    `/${'a'.repeat(8000)}`,
    '/webhooks',
    '/webhooks/bigcommerce',
  ])
    out.push({
      family: 'ops/path-garbage',
      endpoint: 'health',
      name: path.slice(0, 40),
      request: { method: 'GET', url: path },
      status: [200, 404],
      codes: ['HB_ERR_HTTP_NOT_FOUND'],
    });
  out.push({
    family: 'ops/wrong-method',
    endpoint: 'bigcommerce',
    name: 'GET a webhook route',
    request: { method: 'GET', url: '/webhooks/bigcommerce/main' },
    ...notFound,
  });
  out.push({
    family: 'ops/wrong-method',
    endpoint: 'heartland',
    name: 'PUT a webhook route',
    request: {
      method: 'PUT',
      url: `/webhooks/heartland/main/${SECRETS.hlUrl}`,
      headers: JSON_CT,
      payload: '{}',
    },
    ...notFound,
  });

  const unauthorized = { status: [401], codes: ['HB_ERR_HTTP_UNAUTHORIZED'] };
  const a = SECRETS.admin;
  const adminAuth: Record<string, Record<string, string>> = {
    'no header': {},
    'empty header': { authorization: '' },
    'Bearer only': { authorization: 'Bearer' },
    'Bearer + spaces': { authorization: 'Bearer    ' },
    'wrong token': { authorization: 'Bearer nope' },
    'token prefix': { authorization: `Bearer ${a.slice(0, -1)}` },
    'token + suffix': { authorization: `Bearer ${a}x` },
    'upper-cased token': { authorization: `Bearer ${a.toUpperCase()}` },
    'Basic scheme': { authorization: `Basic ${Buffer.from(`admin:${a}`).toString('base64')}` },
    'token without scheme': { authorization: a },
    '10k token': { authorization: `Bearer ${'t'.repeat(10_000)}` },
    'latin1 token': { authorization: 'Bearer tökén' },
    'sql token': { authorization: "Bearer ' OR '1'='1" },
    'token in another header': { 'x-admin-token': a },
  };
  for (const method of ['GET', 'POST'] as const) {
    for (const [name, headers] of Object.entries(adminAuth))
      out.push({
        family: 'admin/auth',
        endpoint: 'admin',
        name: `${method} ${name}`,
        request: {
          method,
          url: '/admin/hostile-probe',
          headers,
          ...(method === 'POST' ? { payload: '' } : {}),
        },
        ...unauthorized,
      });
    out.push({
      family: 'admin/auth',
      endpoint: 'admin',
      name: `${method} token in query`,
      request: { method, url: `/admin/hostile-probe?token=${a}&access_token=${a}` },
      ...unauthorized,
    });
  }
  out.push({
    family: 'admin/auth',
    endpoint: 'admin',
    name: 'control: right token',
    request: { method: 'GET', url: '/admin/hostile-probe', headers: { authorization: `Bearer ${a}` } },
    status: [200],
  });
  out.push({
    family: 'admin/auth',
    endpoint: 'admin',
    name: 'control: lower-case scheme',
    request: { method: 'GET', url: '/admin/hostile-probe', headers: { authorization: `bearer ${a}` } },
    status: [200],
  });
  return out;
}

export function httpCases(): HostileCase[] {
  return [...bigcommerceCases(), ...heartlandCases(), ...opsCases()];
}
