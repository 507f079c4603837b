import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/heartbridge.js', import.meta.url));
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

function firstLine(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    proc.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl !== -1) resolve(buf.slice(0, nl));
    });
    proc.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    proc.once('exit', (code) => reject(new Error(`exited ${code} before ready: ${err}`)));
  });
}

describe('heartbridge sandbox --json', () => {
  it('prints one line of credentials, serves both APIs, and stops on SIGTERM', async () => {
    child = spawn(process.execPath, [bin, 'sandbox', '--json', '--products', '5', '--seed', 'cli-test'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await firstLine(child);
    const info = JSON.parse(line) as {
      bigcommerce: { apiUrl: string; storeHash: string; accessToken: string };
      heartland: { apiUrl: string; token: string };
    };
    expect(Object.keys(info)).toEqual(['bigcommerce', 'heartland']);
    expect(info.bigcommerce.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.heartland.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);

    const bc = await fetch(
      `${info.bigcommerce.apiUrl}/stores/${info.bigcommerce.storeHash}/v2/orders/count`,
      {
        headers: { 'X-Auth-Token': info.bigcommerce.accessToken, accept: 'application/json' },
      },
    );
    expect(bc.status).toBe(200);
    const hl = await fetch(`${info.heartland.apiUrl}/items?per_page=1`, {
      headers: { authorization: `Bearer ${info.heartland.token}` },
    });
    expect(hl.status).toBe(200);
    expect(((await hl.json()) as { total: number }).total).toBeGreaterThan(0);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
