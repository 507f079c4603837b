/**
 * Access to the official BigCommerce OpenAPI specs and webhook callback schemas for conformance tests.
 *
 * The specs live outside the repository (`HEARTBRIDGE_SPECS_DIR`, default `<repo>/../shared/specs`).
 * When they are absent, suites built with `describeWithSpecs` are skipped with a plain message —
 * except under `CI=true`, where absent specs fail the run.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { describe, expect } from 'vitest';
import YAML from 'yaml';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsModule as unknown as FormatsPlugin);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function specsDir(): string {
  return process.env.HEARTBRIDGE_SPECS_DIR ?? path.resolve(repoRoot, '..', 'shared', 'specs');
}

export function bigcommerceSpecsDir(): string {
  return path.join(specsDir(), 'bigcommerce');
}

export function specsAvailable(): boolean {
  return existsSync(path.join(bigcommerceSpecsDir(), 'reference'));
}

/** `describe` when the specs are present; otherwise skip with a message (or fail under CI=true). */
export function describeWithSpecs(name: string, fn: () => void): void {
  if (specsAvailable()) {
    describe(name, fn);
    return;
  }
  const msg = `BigCommerce specs not found at ${bigcommerceSpecsDir()} (set HEARTBRIDGE_SPECS_DIR)`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      throw new Error(`${msg}; they are required under CI=true`);
    });
    return;
  }
  console.warn(`[skip] ${name}: ${msg}`);
  describe.skip(name, fn);
}

type Json = Record<string, unknown>;

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
const docs = new Map<string, Promise<Json>>();
const validators = new Map<string, ValidateFunction>();

/** Load and dereference one spec, e.g. `orders.v2.oas2.yml` or `catalog/products_catalog.v3.yml`. */
export function loadSpec(specFile: string): Promise<Json> {
  let doc = docs.get(specFile);
  if (!doc) {
    doc = SwaggerParser.dereference(path.join(bigcommerceSpecsDir(), 'reference', specFile)) as Promise<Json>;
    docs.set(specFile, doc);
  }
  return doc;
}

function responseSchema(doc: Json, method: string, pathTemplate: string, status: number): Json | undefined {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const op = paths[pathTemplate]?.[method.toLowerCase()];
  if (!op) throw new Error(`spec has no ${method.toUpperCase()} ${pathTemplate}`);
  const responses = op.responses as Record<string, Json>;
  const resp = responses[String(status)] ?? responses.default;
  if (!resp) throw new Error(`spec has no ${status} response for ${method.toUpperCase()} ${pathTemplate}`);
  const content = resp.content as Record<string, { schema?: Json }> | undefined;
  if (!content) return undefined;
  const media = content['application/json'] ?? Object.values(content)[0];
  return media?.schema;
}

/**
 * OpenAPI 3.0 schema dialect → what ajv (draft-07) compiles: boolean exclusiveMinimum/Maximum become
 * numeric. Works on a copy; the dereferenced spec objects are shared between operations.
 *
 * One reading of intent on top: a link object (a schema whose only properties are `url` and `resource`,
 * e.g. orders.v2 products_Resource) must have both and nothing else. The spec offers such links as one
 * branch of a `oneOf` beside the embedded resource (`consignments`, a consignment's `line_items`); as
 * written, any object without those two keys also matches the link branch, so an embedded answer
 * matches both branches and `oneOf` could never pass.
 */
function toAjvSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toAjvSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = toAjvSchema(v);
  const props = out.properties;
  if (
    props !== null &&
    typeof props === 'object' &&
    Object.keys(props).sort().join(',') === 'resource,url' &&
    out.additionalProperties === undefined
  ) {
    out.required = ['url', 'resource'];
    out.additionalProperties = false;
  }
  for (const [flag, bound] of [
    ['exclusiveMaximum', 'maximum'],
    ['exclusiveMinimum', 'minimum'],
  ] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else delete out[flag];
    }
  }
  return out;
}

/** Assert that `body` matches the spec's response schema for (method, path, status). */
export async function expectMatchesSpec(
  specFile: string,
  method: string,
  pathTemplate: string,
  status: number,
  body: unknown,
): Promise<void> {
  const key = `${specFile} ${method.toUpperCase()} ${pathTemplate} ${status}`;
  if (status === 204) expect(body, `${key}: 204 must have no body`).toBeUndefined();
  let validate = validators.get(key);
  if (!validate) {
    const schema = responseSchema(await loadSpec(specFile), method, pathTemplate, status);
    // No declared body (e.g. 204, or an error status documented without content): nothing to check.
    if (!schema || (status === 204 && body === undefined)) return;
    validate = ajv.compile(toAjvSchema(schema) as Json);
    validators.set(key, validate);
  }
  const v = validate;
  const ok = v(body);
  expect(ok ? [] : v.errors?.slice(0, 8), `${key} body does not match the spec`).toEqual([]);
}

/** Assert that a delivered webhook body matches `docs/webhooks/callbacks/<scope>.yml`. */
export function expectMatchesCallbackSchema(body: { scope: string }): void {
  const file = `${body.scope.replaceAll('/', '_')}.yml`;
  const key = `callback ${file}`;
  let validate = validators.get(key);
  if (!validate) {
    const doc = YAML.parse(
      readFileSync(path.join(bigcommerceSpecsDir(), 'docs', 'webhooks', 'callbacks', file), 'utf8'),
    ) as { properties: Record<string, Json> };
    const schema = doc.properties[body.scope];
    if (!schema) throw new Error(`${file} has no schema for ${body.scope}`);
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  const v = validate;
  const ok = v(body);
  expect(ok ? [] : v.errors, `${key}: webhook body does not match`).toEqual([]);
}
