/** JSON Schema of heartbridge.yaml for editors (`heartbridge config schema`), from the zod schema. */
import { z } from 'zod';
import { configSchema } from './config-schema.js';

export function configJsonSchema(schema: z.ZodObject = configSchema): Record<string, unknown> {
  // `environments` is consumed by the loader before validation, so it is not in the runtime schema;
  // editors still need to know it: each environment holds the same fields, all optional.
  const fileSchema = schema.extend({
    environments: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .optional()
      .describe(
        'Named overlays (dev, qa, prod…) deep-merged over the base; chosen with --env / HEARTBRIDGE_ENV.',
      ),
  });
  const json = z.toJSONSchema(fileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...json, title: 'heartbridge.yaml', $id: 'https://heartbridge.dev/schema/heartbridge.yaml.json' };
}
