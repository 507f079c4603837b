/**
 * What a flow gets for one connection (a BigCommerce store ⇄ Heartland account pair). The app builds it
 * from config and secrets; flows never read env or config files, so a test can hand them a sandbox.
 */
import type { BigCommerceApi } from '../connectors/bigcommerce/bigcommerce-api.js';
import type { HeartlandApi } from '../connectors/heartland/heartland-api.js';
import type { AlertInput } from '../engine/alerts/alert-channel.js';
import type { Engine } from '../engine/engine.js';
import type { MappingConfig } from '../mapping/mapping-config.js';

/** Structural subset of a pino logger. */
export interface FlowLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Structural subset of `Metrics` (src/server/metrics.ts) the flows increment. */
export interface FlowMetrics {
  ordersRepairedByPoll: { inc(labels: { connection: string }, value?: number): void };
}

export interface FlowOptions {
  /** Capture an authorised BigCommerce payment when Heartland ships the order. Default false. */
  captureOnShipment?: boolean;
  /** Poll cursors re-read this much before the cursor (clock skew, late commits). Default 5 min. */
  pollOverlapMs?: number;
  /** Orders modified more recently than this are left to their webhooks by the poll. Default 60 s. */
  pollGraceMs?: number;
  /** First poll with no cursor looks back this far. Default 24 h. */
  pollInitialLookbackMs?: number;
  /** How long Heartland reference data (payment types, shipping methods, catalogue) is cached. Default 5 min. */
  referenceCacheMs?: number;
  /** How long after a re-run order write its late-write check runs (config `polling.lateWrites`). Default 5 min. */
  lateWriteCheckMs?: number;
}

export interface FlowContext {
  connectionId: string;
  engine: Engine;
  bc: BigCommerceApi;
  hl: HeartlandApi;
  mapping: MappingConfig;
  /** The config version in force (recorded on audit entries). */
  configVersion: string | null;
  alerts?: { raise(alert: AlertInput): Promise<void> };
  metrics?: FlowMetrics;
  logger?: FlowLogger;
  now: () => number;
  options?: FlowOptions;
}

/** Per connection id; the app resolves it (it may decrypt secrets, hence async allowed). */
export type FlowContextResolver = (connectionId: string) => FlowContext | Promise<FlowContext>;

export const DEFAULT_FLOW_OPTIONS: Required<FlowOptions> = {
  captureOnShipment: false,
  pollOverlapMs: 5 * 60_000,
  pollGraceMs: 60_000,
  pollInitialLookbackMs: 24 * 3_600_000,
  referenceCacheMs: 5 * 60_000,
  lateWriteCheckMs: 5 * 60_000,
};

export function flowOptions(ctx: FlowContext): Required<FlowOptions> {
  return { ...DEFAULT_FLOW_OPTIONS, ...ctx.options };
}

/** Alerts never fail a job (the alerts module already swallows its own errors; this guards absence). */
export async function raiseAlert(ctx: FlowContext, alert: Omit<AlertInput, 'connectionId'>): Promise<void> {
  await ctx.alerts?.raise({ ...alert, connectionId: ctx.connectionId });
}
