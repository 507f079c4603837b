import type { Command } from 'commander';
import * as catalog from './catalog.js';
import * as config from './config.js';
import * as connect from './connect.js';
import * as demo from './demo.js';
import * as dlq from './dlq.js';
import * as doctor from './doctor.js';
import * as jobs from './jobs.js';
import * as locations from './locations.js';
import * as migrate from './migrate.js';
import * as payments from './payments.js';
import * as quarantine from './quarantine.js';
import * as review from './review.js';
import * as sandbox from './sandbox.js';
import * as serve from './serve.js';
import * as setup from './setup.js';
import * as sync from './sync.js';
import * as syncGiftcards from './sync-giftcards.js';
import * as version from './version.js';
import * as webhooks from './webhooks.js';

export interface CommandModule {
  register(program: Command): void;
}

/** Every top-level command. Add new command modules here (one line each). */
export const commandModules: CommandModule[] = [
  serve,
  migrate,
  jobs,
  dlq,
  config,
  version,
  sandbox,
  review,
  quarantine,
  webhooks,
  doctor,
  connect,
  setup,
  sync,
  payments,
  syncGiftcards, // after `sync`: adds `sync giftcards` to it
  locations,
  catalog,
  demo,
];
