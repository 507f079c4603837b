import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../../src/config/config-docs.js';

describe('docs/configuration.md', () => {
  it('holds the current generated field reference (regenerate: heartbridge config schema --markdown)', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
    const generated = /<!-- generated:start -->\n([\s\S]*)<!-- generated:end -->/.exec(doc)?.[1];
    expect(generated).toBe(configReferenceMarkdown());
  });
});

describe('heartbridge.example.yaml', () => {
  it('is valid in every environment it defines', async () => {
    const { loadConfig } = await import('../../src/config/index.js');
    const file = resolve(import.meta.dirname, '../../heartbridge.example.yaml');
    for (const environment of ['default', 'dev', 'qa', 'prod']) {
      const loaded = loadConfig({ file, environment, env: {} });
      expect(loaded.config.connections[0]?.id).toBe('main');
    }
  });
});
