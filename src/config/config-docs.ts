/**
 * The field reference in docs/configuration.md, generated from the schema's descriptions so docs and
 * code cannot drift (test/config/config-docs.test.ts fails when the committed text is stale; regenerate
 * with `heartbridge config schema --markdown`).
 */
import { configJsonSchema } from './config-json-schema.js';
import { ENV_VARS } from './env-overlay.js';

interface JsonNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonNode>;
  required?: string[];
  items?: JsonNode;
  anyOf?: JsonNode[];
  oneOf?: JsonNode[];
  secret?: boolean;
  additionalProperties?: unknown;
}

function typeOf(node: JsonNode): string {
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'values'}`;
  if (Array.isArray(node.type)) return node.type.join(' \\| ');
  return node.type ?? 'object';
}

function rows(node: JsonNode, prefix: string, out: string[]): void {
  const props = node.properties ?? {};
  for (const [key, child] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key === 'type' && child.const !== undefined) continue;
    const required = node.required?.includes(key) && child.default === undefined ? 'yes' : '';
    const def = child.default !== undefined ? `\`${JSON.stringify(child.default)}\`` : '';
    const desc = `${(child.description ?? '').replace(/\|/g, '\\|')}${child.secret ? ' **Secret** (may be `enc:v1:…`).' : ''}`;
    out.push(`| \`${path}\` | ${typeOf(child)} | ${def} | ${required} | ${desc} |`);
    if (child.properties) rows(child, path, out);
    if (child.items?.properties) rows(child.items, `${path}[]`, out);
    for (const variant of child.items?.oneOf ?? child.items?.anyOf ?? []) {
      const tag = variant.properties?.type?.const;
      if (tag !== undefined) out.push(`| \`${path}[]\` (type: ${JSON.stringify(tag)}) | object | | | |`);
      rows(variant, `${path}[]`, out);
    }
  }
}

export function configReferenceMarkdown(): string {
  const schema = configJsonSchema() as JsonNode;
  const out = ['| field | type | default | required | description |', '|---|---|---|---|---|'];
  rows(schema, '', out);
  const env = ['| variable | sets | meaning |', '|---|---|---|'];
  for (const v of ENV_VARS) {
    const path =
      v.path[0] === 'connection' ? `connections[…].${v.path.slice(1).join('.')}` : v.path.join('.');
    env.push(`| \`${v.name}\` | \`${path}\` | ${v.doc} |`);
  }
  env.push('| `HEARTBRIDGE_CONFIG` | — | Config file path (default `heartbridge.yaml`, optional) |');
  env.push('| `HEARTBRIDGE_ENV` | — | Named environment to apply (`dev`, `qa`, `prod`…) |');
  env.push('| `HEARTBRIDGE_MASTER_KEY` | — | 32-byte key (base64 or hex) for `enc:v1:` values |');
  return `${out.join('\n')}\n\n### Environment variables\n\n${env.join('\n')}\n`;
}
