/**
 * Starts the Node-RED peer (bench/peers/node-red) as a child process pinned to one core, for the
 * side-by-side comparison. Run directly (`npx tsx bench/peers/run-node-red.ts`) it checks the flow end
 * to end against the sandbox when `src/sandbox/index.ts` exists, else against two fake upstreams.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerFirstFlows, type FlowVariant } from './flow-variants.js';

const here = dirname(fileURLToPath(import.meta.url));
export const NODE_RED_DIR = join(here, 'node-red');
const RED_JS = join(NODE_RED_DIR, 'node_modules', 'node-red', 'red.js');

export interface NodeRedConfig {
  bcApiUrl: string;
  storeHash: string;
  bcToken: string;
  /** Heartland API base including `/api`. */
  hlApiUrl: string;
  hlToken: string;
  hlLocationId: number | string;
  /** Heartland station for the order (the simulator, like Heartland, wants one); optional. */
  hlStationId?: number | string;
}

export interface NodeRedOptions {
  /** Core to pin Node-RED to with taskset (default 0); `null` = not pinned. */
  cpu?: number | null;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Answer the webhook after the work (flows.json, default) or at once (see flow-variants.ts). */
  variant?: FlowVariant;
}

export interface NodeRedHandle {
  url: string;
  webhookUrl: string;
  pid(): number | undefined;
  /** SIGKILL, no goodbye: what a crash or OOM-kill looks like. */
  kill9(): Promise<void>;
  /** Start again on the same port (after kill9) and wait until the flow answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** `npm ci` into bench/peers/node-red when Node-RED is not installed there yet. */
export function ensureNodeRedInstalled(): void {
  if (existsSync(RED_JS)) return;
  console.log('installing Node-RED into bench/peers/node-red (npm ci)…');
  execFileSync('npm', ['--prefix', NODE_RED_DIR, 'ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the deployed flow answers (400 to a non-order body; 200 in the answer-first variant). */
async function waitUntilAnswering(
  webhookUrl: string,
  child: ChildProcess,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Node-RED exited during start-up (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      await res.arrayBuffer();
      if (res.status === 400 || res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Node-RED did not answer on ${webhookUrl} within ${timeoutMs} ms`);
}

export async function startNodeRed(
  config: NodeRedConfig,
  options: NodeRedOptions = {},
): Promise<NodeRedHandle> {
  ensureNodeRedInstalled();
  const port = options.port ?? (await freePort());
  const cpu = options.cpu === undefined ? 0 : options.cpu;
  const pin = cpu !== null && hasTaskset();
  if (cpu !== null && !pin) console.warn('taskset not found: Node-RED runs unpinned');
  const userDir = mkdtempSync(join(tmpdir(), 'hb-node-red-'));
  const url = `http://127.0.0.1:${port}`;
  const webhookUrl = `${url}/webhooks/bigcommerce`;
  let flowFile = '';
  if (options.variant === 'answer-first') {
    flowFile = join(userDir, 'flows-answer-first.json');
    writeFileSync(flowFile, JSON.stringify(answerFirstFlows(NODE_RED_DIR), null, 2));
  }
  const env = {
    ...process.env,
    NODE_RED_PORT: String(port),
    NODE_RED_USER_DIR: userDir,
    NODE_RED_FLOW_FILE: flowFile,
    BC_API_URL: config.bcApiUrl,
    BC_STORE_HASH: config.storeHash,
    BC_TOKEN: config.bcToken,
    HL_API_URL: config.hlApiUrl,
    HL_TOKEN: config.hlToken,
    HL_LOCATION_ID: String(config.hlLocationId),
    HL_STATION_ID: config.hlStationId === undefined ? '' : String(config.hlStationId),
  };
  const args = [RED_JS, '--settings', join(NODE_RED_DIR, 'settings.cjs')];

  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    child = pin
      ? spawn('taskset', ['-c', String(cpu), process.execPath, ...args], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Node-RED logs per failed order at warn; keep them out of the benchmark's output but drain the pipes.
    const quiet = process.env.NODE_RED_LOG !== '1';
    child.stdout?.on('data', (d: Buffer) => quiet || process.stdout.write(`[node-red] ${d}`));
    child.stderr?.on('data', (d: Buffer) => quiet || process.stderr.write(`[node-red] ${d}`));
    await waitUntilAnswering(webhookUrl, child);
  };
  const killNow = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };

  // If the benchmark dies, take Node-RED with it rather than leave it holding core 0 and a port.
  const reap = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', reap);
  await launch();
  return {
    url,
    webhookUrl,
    pid: () => child.pid,
    kill9: () => killNow('SIGKILL'),
    restart: launch,
    async stop() {
      process.removeListener('exit', reap);
      await killNow('SIGTERM');
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** The webhook envelope BigCommerce sends for `store/order/created`. */
export function orderWebhook(storeHash: string, orderId: number): Record<string, unknown> {
  return {
    scope: 'store/order/created',
    store_id: '1025646',
    data: { type: 'order', id: orderId },
    hash: `peer-${orderId}`,
    created_at: Math.floor(Date.now() / 1000),
    producer: `stores/${storeHash}`,
  };
}

async function selfTest(): Promise<void> {
  const { startFakeUpstreams } = await import('./fake-upstreams.js');
  const fake = await startFakeUpstreams();
  const red = await startNodeRed({
    bcApiUrl: fake.bigcommerce.apiUrl,
    storeHash: fake.bigcommerce.storeHash,
    bcToken: fake.bigcommerce.accessToken,
    hlApiUrl: fake.heartland.apiUrl,
    hlToken: fake.heartland.token,
    hlLocationId: fake.heartland.locationId,
  });
  try {
    const res = await fetch(red.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orderWebhook(fake.bigcommerce.storeHash, 4242)),
    });
    await res.arrayBuffer();
    const so = fake.salesOrders.find((o) => o.custom.bc_order_id === '4242');
    console.log(`fake upstreams: webhook → ${res.status}; Heartland sales order: ${JSON.stringify(so)}`);
    if (res.status !== 200 || !so || so.status !== 'open')
      throw new Error('flow did not create an open sales order');
  } finally {
    await red.stop();
    await fake.close();
  }
  const { checkAgainstSandbox, sandboxExists } = await import('./sandbox-adapter.js');
  if (sandboxExists()) await checkAgainstSandbox();
  else console.log('src/sandbox simulators not there yet: checked against the fake upstreams only');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  selfTest().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
