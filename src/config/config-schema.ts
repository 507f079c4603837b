/**
 * The shape of `heartbridge.yaml` (after env overlays and the chosen environment are merged in).
 * Every field carries a description: `heartbridge config schema` emits them as JSON Schema for editors,
 * and docs/configuration.md is written from the same text.
 *
 * Fields marked `secret: true` in their meta are tokens and passwords: they may be written as
 * `enc:v1:…` (see secrets.ts), are left out of the config version hash and are redacted from logs.
 *
 * The connection `mapping` block is pluggable: the mapping module passes its own schema to
 * `createConfigSchema({ mapping })`; until then it is an open object.
 *
 * Every other object is strict: a typo in a nested key (`server.adminTokn`) is an "unknown field(s)"
 * error, not a silently dropped setting (a dropped adminToken would leave the admin API open on loopback).
 */
import { z } from 'zod';
import { HL_WRITE_SETTLE_MS } from '../connectors/shared/write-settle.js';
import { DEFAULT_MAX_ATTEMPTS } from '../engine/queue/queue-backend.js';
import { durationSchema } from './duration.js';

/** Both APIs' `writeSettleMs` (src/connectors/shared/write-settle.ts); `why` ends the description. */
function writeSettleMs(why: string, defaultMs = 30_000) {
  return z
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(defaultMs)
    .describe(`After a POST got no answer, wait this long before re-reading and writing again: ${why}`);
}

/** `workers.maxAttempts` when the config does not say: the queue's own default (see its description). */
export { DEFAULT_MAX_ATTEMPTS };

/** A secret string (token, password). May be given as `enc:v1:…` ciphertext; decrypted before validation. */
export function secretString(description: string) {
  return z.string().min(1, 'must not be empty').meta({ description, secret: true });
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const pollingSchema = z
  .strictObject({
    orders: durationSchema.default('2m').describe('How often to poll for orders the webhooks missed.'),
    fulfilment: durationSchema
      .default('1m')
      .describe('How often to read Heartland fulfilments (Heartland sends no order webhooks).'),
    inventory: durationSchema.default('5m').describe('How often to poll Heartland inventory levels.'),
    customers: durationSchema.default('15m').describe('How often to poll for changed customers.'),
    catalog: durationSchema.default('30m').describe('How often to poll for changed items / products.'),
    lateWrites: durationSchema
      .default('5m')
      .describe(
        'After an order write that had to be re-run, look at the Heartland order again this much later: a timed-out write that Heartland committed late (a second order, a tax twice) is repaired, a payment twice is alerted.',
      ),
    reconcile: durationSchema.default('6h').describe('How often to run a full drift check and repair.'),
    payments: durationSchema
      .default('24h')
      .describe(
        'How often to reconcile payments (BigCommerce transactions and refunds against Heartland deposits); each run checks the period that ended 1 h before it.',
      ),
  })
  .describe('Polling intervals (backstops for webhooks that never arrive).');

export function connectionSchema(
  mapping: z.ZodType,
  blocks: { inventory?: z.ZodType; catalog?: z.ZodType; customers?: z.ZodType; giftCards?: z.ZodType } = {},
) {
  const looseBlock = z.record(z.string(), z.unknown()).optional();
  return z.strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lowercase letters, digits, - and _')
      .describe('Stable identifier of the store pair; appears in job keys, URLs and metrics.'),
    name: z.string().optional().describe('Human name shown in the CLI and dashboard (defaults to the id).'),
    bigcommerce: z
      .strictObject({
        apiUrl: z
          .url()
          .default('https://api.bigcommerce.com')
          .describe('BigCommerce API base URL (env BIGCOMMERCE_API_URL).'),
        storeHash: z
          .string()
          .min(1, 'required')
          .describe('BigCommerce store hash, the `abc123` in /stores/abc123/ (env BIGCOMMERCE_STORE_HASH).'),
        accessToken: secretString('BigCommerce API account access token (env BIGCOMMERCE_ACCESS_TOKEN).'),
        timeoutMs: z
          .number()
          .int()
          .min(500)
          .max(120_000)
          .default(15_000)
          .describe(
            'Per-request timeout; a timed-out write is retried by re-running its flow, never re-sent.',
          ),
        writeSettleMs: writeSettleMs('BigCommerce may still commit it.'),
      })
      .describe('The BigCommerce store.'),
    heartland: z
      .strictObject({
        apiUrl: z
          .url()
          .describe(
            'Heartland Retail API base URL, e.g. https://acme.retail.heartland.us/api (env HEARTLAND_API_URL).',
          ),
        apiToken: secretString('Heartland Retail API token (env HEARTLAND_API_TOKEN).'),
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(16)
          .default(2)
          .describe(
            'Most requests in flight to Heartland at once, per process. Heartland throttles parallel writes (NOTES §6): raise with care. When requests time out in a cluster the process halves its limit (down to 1, logged as a warning) and grows it back as answers come.',
          ),
        timeoutMs: z
          .number()
          .int()
          .min(500)
          .max(120_000)
          .default(15_000)
          .describe(
            'Per-request timeout. A hung call holds one of the `concurrency` slots this long, so keep it short.',
          ),
        writeSettleMs: writeSettleMs(
          'Heartland may still commit it (its server-side timeout is undocumented; writes were seen landing 73 s late under overload).',
          HL_WRITE_SETTLE_MS,
        ),
      })
      .describe('The Heartland Retail account.'),
    webhookSecret: secretString(
      'Shared secret that authenticates incoming webhooks (env HEARTBRIDGE_WEBHOOK_SECRET).',
    ).optional(),
    publicUrl: z
      .url()
      .optional()
      .describe('Public base URL at which this service receives webhooks (env HEARTBRIDGE_PUBLIC_URL).'),
    mapping: mapping.describe('How records are mapped between the two systems (see docs/mapping.md).'),
    inventory: (blocks.inventory ?? looseBlock).describe(
      'Stock sync Heartland → BigCommerce: location map, safety stock, intervals (absent: no stock sync).',
    ),
    catalog: (blocks.catalog ?? looseBlock).describe(
      'Catalog sync Heartland items → BigCommerce products, per-field direction, price guard.',
    ),
    customers: (blocks.customers ?? looseBlock).describe(
      'Customer profiles both ways: direction per field (name, phone, email, addresses), web account creation (see "Customers" above).',
    ),
    giftCards: (blocks.giftCards ?? looseBlock).describe(
      'Gift card balances BigCommerce ⇄ Heartland: poll interval, direction, adjustment reason (absent: no gift card sync; see "Gift cards" above).',
    ),
    polling: pollingSchema.prefault({}),
    rateBudgetShare: z
      .number()
      .gt(0)
      .max(1)
      .default(0.7)
      .describe('Share of the BigCommerce API quota heartbridge may use (the rest is left to other apps).'),
  });
}

const webhookChannel = z.strictObject({
  type: z.literal('webhook'),
  url: z.url().meta({ description: 'URL that receives a JSON POST per alert.', secret: true }),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .describe('Extra request headers (e.g. an auth token).'),
});

const slackChannel = z.strictObject({
  type: z.literal('slack'),
  webhookUrl: z
    .url()
    .meta({ description: 'Slack-compatible incoming webhook URL (carries its own secret).', secret: true }),
});

const smtpChannel = z.strictObject({
  type: z.literal('smtp'),
  host: z.string().min(1).describe('SMTP server host.'),
  port: z.number().int().min(1).max(65535).default(587).describe('SMTP server port.'),
  secure: z
    .boolean()
    .default(false)
    .describe('Use TLS from the start (port 465); otherwise STARTTLS when offered.'),
  user: z.string().optional().describe('SMTP user name.'),
  password: secretString('SMTP password.').optional(),
  from: z.string().min(3).describe('Sender address.'),
  to: z.array(z.string().min(3)).min(1).describe('Recipient addresses.'),
});

export const alertChannelSchema = z.discriminatedUnion('type', [webhookChannel, slackChannel, smtpChannel]);
export type AlertChannelConfig = z.output<typeof alertChannelSchema>;

export interface ConfigSchemaOptions {
  /** Schema of a connection's `mapping` block (supplied by src/mapping). Default: any object. */
  mapping?: z.ZodType;
  /** Schemas of a connection's `inventory` / `catalog` blocks (supplied by src/flows). Default: any object. */
  inventory?: z.ZodType;
  catalog?: z.ZodType;
  customers?: z.ZodType;
  giftCards?: z.ZodType;
}

export function createConfigSchema(options: ConfigSchemaOptions = {}) {
  const mapping = options.mapping ?? z.record(z.string(), z.unknown()).default({});
  return z
    .object({
      connections: z
        .array(
          connectionSchema(mapping, {
            inventory: options.inventory,
            catalog: options.catalog,
            customers: options.customers,
            giftCards: options.giftCards,
          }),
        )
        .default([])
        .describe('Store pairs to keep in step. With no file, one connection `default` comes from env.'),
      database: z
        .strictObject({
          url: z
            .string()
            .min(1)
            .default('./data/heartbridge.db')
            .describe('SQLite file path, or postgres://user:pass@host:5432/db (env DATABASE_URL).'),
        })
        .prefault({})
        .describe('Where heartbridge keeps its state (events, jobs, links, audit).'),
      server: z
        .strictObject({
          port: z.number().int().min(0).max(65535).default(8080).describe('HTTP port (env PORT).'),
          host: z.string().default('0.0.0.0').describe('Interface to listen on (env HEARTBRIDGE_HOST).'),
          bodyLimitBytes: z
            .number()
            .int()
            .positive()
            .default(1_048_576)
            .describe('Largest request body accepted; larger bodies get 413.'),
          adminToken: secretString(
            'Bearer token required by the admin API and dashboard (env HEARTBRIDGE_ADMIN_TOKEN).',
          ).optional(),
        })
        .prefault({})
        .describe('The HTTP server (webhooks, admin API, health, metrics).'),
      workers: z
        .strictObject({
          concurrency: z
            .number()
            .int()
            .min(1)
            .max(256)
            .default(4)
            .describe('Jobs one process runs at once (env HEARTBRIDGE_WORKER_CONCURRENCY).'),
          maxAttempts: z
            .number()
            .int()
            .min(1)
            .max(100)
            .default(DEFAULT_MAX_ATTEMPTS)
            .describe(
              'Attempts before a job failing with retryable errors is dead-lettered (permanent errors go at once). With the backoff (1 s doubling, at most 15 min apart) 25 attempts ride out about 4 h of an API outage.',
            ),
        })
        .prefault({})
        .describe('Job workers in this process.'),
      alerts: z
        .strictObject({
          channels: z.array(alertChannelSchema).default([]).describe('Where alerts are sent.'),
          throttle: durationSchema
            .default('15m')
            .describe('At most one message per alert key per window ("still happening (N more)").'),
          sendRecovery: z.boolean().default(true).describe('Send a message when an alert condition clears.'),
        })
        .prefault({})
        .describe('Alert channels and throttling.'),
      log: z
        .strictObject({
          level: z.enum(LOG_LEVELS).default('info').describe('Log level (env HEARTBRIDGE_LOG_LEVEL).'),
        })
        .prefault({})
        .describe('Logging.'),
    })
    .strict();
}

export const configSchema = createConfigSchema();
export type HeartbridgeConfig = z.output<typeof configSchema>;
export type ConnectionConfig = HeartbridgeConfig['connections'][number];
