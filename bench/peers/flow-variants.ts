/**
 * The Node-RED flow comes in two shapes users build. `flows.json` answers the webhook after the work
 * (so a failure becomes a 500 and BigCommerce retries). BigCommerce's own guidance is to answer 2xx at
 * once and work afterwards; in Node-RED that is one more wire from `http in` to an `http response`.
 * This derives that "answer first" variant from flows.json, so there is one flow file to maintain.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type FlowVariant = 'answer-after' | 'answer-first';

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  wires?: string[][];
  [key: string]: unknown;
}

function byName(nodes: FlowNode[], type: string, name: string): FlowNode {
  const node = nodes.find((n) => n.type === type && n.name === name);
  if (!node) throw new Error(`flows.json has no ${type} node named "${name}"`);
  return node;
}

export function answerFirstFlows(nodeRedDir: string): FlowNode[] {
  const nodes = JSON.parse(readFileSync(join(nodeRedDir, 'flows.json'), 'utf8')) as FlowNode[];
  const httpIn = byName(nodes, 'http in', 'BigCommerce webhook');
  const validate = byName(nodes, 'function', 'order id → BC order URL');
  const answer = byName(nodes, 'function', 'answer the webhook');
  const fail = byName(nodes, 'function', '500 so BigCommerce retries');
  const ack: FlowNode = {
    id: 'a1b2c3d4e5f60020',
    type: 'change',
    z: httpIn.z,
    name: '200 at once',
    rules: [
      { t: 'set', p: 'statusCode', pt: 'msg', to: '200', tot: 'num' },
      { t: 'set', p: 'payload', pt: 'msg', to: '', tot: 'str' },
      { t: 'delete', p: 'headers', pt: 'msg' },
    ],
    x: 370,
    y: 20,
    wires: [['a1b2c3d4e5f60021']],
  };
  const respond: FlowNode = {
    id: 'a1b2c3d4e5f60021',
    type: 'http response',
    z: httpIn.z,
    name: '200',
    statusCode: '',
    headers: {},
    x: 560,
    y: 20,
    wires: [],
  };
  // The webhook is already answered: the work's end, its failures and bad bodies answer nothing.
  httpIn.wires = [[ack.id, ...(httpIn.wires?.[0] ?? [])]];
  validate.wires = [validate.wires?.[0] ?? [], []];
  answer.wires = [[]];
  fail.wires = [[]];
  return [...nodes, ack, respond];
}
