/**
 * `heartbridge doctor` as a user runs it: a real process against the in-process sandbox.
 */
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli.js';

const cli = useCliSandbox('doctor');

describe('heartbridge doctor', { timeout: 60_000 }, () => {
  it('reports a refused Heartland token in plain words, says what to do, and exits non-zero', async () => {
    const wrongToken = 'not-a-real-heartland-token';
    const r = await cli.run(['doctor'], {
      ...cli.credentials(),
      HEARTLAND_API_TOKEN: wrongToken,
      HEARTBRIDGE_PUBLIC_URL: 'https://sync.example.test',
      HEARTBRIDGE_WEBHOOK_SECRET: 'doctor-secret-0123456789',
    });
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain(`✓ Database: SQLite (${cli.db}) answers`);
    expect(lines.some((l) => l.startsWith('✓ BigCommerce credentials: the access token is accepted'))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith('✓ BigCommerce scopes'))).toBe(true);
    const hl = lines.find((l) => l.startsWith('✗ Heartland token'));
    expect(hl).toBe(
      '✗ Heartland token: the Heartland API token was refused → create a new token in Heartland → My Account → API Tokens (for a dedicated integration user), or run `heartbridge connect heartland`',
    );
    // Nothing registered yet: the BigCommerce hooks line says so and how to fix it.
    expect(lines.find((l) => l.startsWith('✗ BigCommerce webhooks'))).toMatch(
      /missing: store\/order\/created.*→ run `heartbridge webhooks install`/,
    );
    expect(lines).toContain('– Heartland webhooks: skipped: the Heartland token does not work');
    expect(lines.some((l) => /^✓ Clock \(vs BigCommerce\): local clock within \d+ s/.test(l))).toBe(true);
    expect(r.stdout).not.toContain(wrongToken);
    expect(r.stdout).not.toContain(cli.sb.bigcommerce.accessToken);
  });
});
