/**
 * `heartbridge setup`: creates the Heartland custom field the orders flow needs, once; a second run keeps it.
 */
import { describe, expect, it } from 'vitest';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import { useCliSandbox } from '../helpers/cli.js';

const cli = useCliSandbox('setup');

function run(args: string[]) {
  return cli.run(args, cli.credentials());
}

describe('heartbridge setup', { timeout: 60_000 }, () => {
  it('creates the bc_order_id field on sales orders once; running it again keeps the same definition', async () => {
    const hl = new HeartlandApi(cli.sb.heartland);
    const ours = async () =>
      (await hl.customFields('sales.transaction')).filter((f) => f.key === 'bc_order_id');
    expect(await ours()).toHaveLength(0);

    const first = await run(['setup']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^created: Heartland custom field sales\.transaction "bc_order_id"/);
    const created = await ours();
    expect(created).toHaveLength(1);

    const second = await run(['setup']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^already there: Heartland custom field sales\.transaction "bc_order_id"/);
    expect(await ours()).toEqual(created);
  });
});
