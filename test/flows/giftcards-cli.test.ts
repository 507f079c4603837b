import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../helpers/cli.js';

const cli = useCliSandbox('giftcards');

function writeConfig(giftCards: string | undefined): void {
  // Credentials come from the environment (they override the only connection in the file).
  writeFileSync(
    join(cli.dir, 'heartbridge.yaml'),
    [
      'connections:',
      '  - id: main',
      '    bigcommerce: { storeHash: from-env, accessToken: from-env }',
      '    heartland: { apiUrl: "http://from-env.invalid/api", apiToken: from-env }',
      ...(giftCards === undefined ? [] : [`    giftCards: ${giftCards}`]),
      '',
    ].join('\n'),
  );
}

const balancesAgree = () => {
  const cards = new Map(cli.sb.hl.state.giftCards.all().map((c) => [c.number, c.balance]));
  const certs = [...cli.sb.bc.state.giftCertificates.values()];
  return (
    certs.length === cards.size &&
    certs.every((g) => cards.has(g.code) && new Decimal(g.balance).eq(new Decimal(cards.get(g.code) ?? -1)))
  );
};

describe('heartbridge sync giftcards', () => {
  it('needs the giftCards block, and validates it', async () => {
    writeConfig(undefined);
    const off = await cli.run(['sync', 'giftcards', '--full'], cli.credentials());
    expect(off.code).not.toBe(0);
    expect(off.stderr).toContain('has no giftCards block');

    writeConfig('{ direction: sideways }');
    const bad = await cli.run(['sync', 'giftcards', '--full'], cli.credentials());
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('giftCards.direction');
  });

  it('--full --dry-run writes nothing; --full makes both sides agree; a poll afterwards queues nothing', async () => {
    writeConfig('{ every: 1m }');
    const cardsBefore = cli.sb.hl.state.giftCards.all().length;
    const certsBefore = cli.sb.bc.state.giftCertificates.size;
    expect(balancesAgree()).toBe(false); // the seed has cards on one side only

    const dry = await cli.run(['sync', 'giftcards', '--full', '--dry-run', '--json'], cli.credentials());
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as { counts: Record<string, number>; dryRun: boolean };
    expect(planned.dryRun).toBe(true);
    expect(planned.counts.planned).toBeGreaterThan(0);
    expect(cli.sb.hl.state.giftCards.all().length).toBe(cardsBefore);
    expect(cli.sb.bc.state.giftCertificates.size).toBe(certsBefore);

    const full = await cli.run(['sync', 'giftcards', '--full', '--json'], cli.credentials());
    expect(full.code).toBe(0);
    const done = JSON.parse(full.stdout) as { counts: Record<string, number>; failed: unknown[] };
    expect(done.failed).toEqual([]);
    expect(done.counts.created).toBeGreaterThan(0);
    expect(balancesAgree()).toBe(true);

    const poll = await cli.run(['sync', 'giftcards', '--json'], cli.credentials());
    expect(poll.code).toBe(0);
    expect(JSON.parse(poll.stdout)).toMatchObject({
      enqueued: 0,
      unchanged: cli.sb.bc.state.giftCertificates.size,
    });
  });
});
