import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/index.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream };
}

const SECRETS = {
  bcToken: 'bc_tok_9f8e7d6c5b4a',
  hlToken: 'hl_tok_1a2b3c4d5e6f',
  webhook: 'whsec_abcdefabcdef',
  admin: 'admin_zzyyxxwwvv',
  dbPassword: 'pg-pass-77665544',
  queryToken: 'qtok_0011223344',
  slackPath: 'T0000/B0000/XXXXSLACKXXXX',
  smtp: 'smtp-pw-12345678',
  bearer: 'eyJhbGciOiJIUzI1NiJ9.payload.sig',
};

describe('logger redaction', () => {
  it('writes no secret anywhere, at any depth, in messages, bindings or errors', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'trace', destination: stream, secrets: [SECRETS.hlToken] });
    log.info(
      { req: { headers: { authorization: `Bearer ${SECRETS.bearer}`, 'x-auth-token': SECRETS.bcToken } } },
      'request',
    );
    log.info({
      config: {
        connections: [{ bigcommerce: { accessToken: SECRETS.bcToken }, webhookSecret: SECRETS.webhook }],
      },
    });
    log.info({ deep: { a: { b: { c: { d: { apiToken: SECRETS.hlToken, password: SECRETS.smtp } } } } } });
    log.warn({ url: `https://h.example/api/items?token=${SECRETS.queryToken}&page=2` }, 'fetch failed');
    log.warn(`connecting to postgres://heartbridge:${SECRETS.dbPassword}@db:5432/hb`);
    log.info({ hook: `https://hooks.slack.com/services/${SECRETS.slackPath}` });
    log.info({ headers: new Headers({ 'X-Auth-Token': SECRETS.bcToken, accept: 'json' }) });
    // A literal secret in a place no rule anticipates: only the config-supplied list catches it.
    log.info({ note: `upstream echoed our key ${SECRETS.hlToken} back` });
    const err = new Error(`401 for https://h.example/x?access_token=${SECRETS.queryToken}`, {
      cause: Object.assign(new Error('inner'), { context: { authorization: `Basic ${SECRETS.admin}` } }),
    });
    log.error(err);
    log.error({ err, detail: { adminToken: SECRETS.admin } }, 'job failed');
    log.child({ token: SECRETS.admin }).info('child');

    const output = lines.join('');
    expect(lines.length).toBe(11);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(output.includes(secret), `${name} leaked`).toBe(false);
    }
    expect(output).toContain('[redacted]');
    expect(output).toContain('page=2'); // harmless parts stay readable
    expect(output).toContain('fetch failed');
  });

  it('honours the level', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'warn', destination: stream });
    log.info('hidden');
    log.warn('shown');
    expect(lines).toHaveLength(1);
  });
});
