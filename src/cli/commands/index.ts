import type { Command } from 'commander';
import * as config from './config.js';
import * as dlq from './dlq.js';
import * as jobs from './jobs.js';
import * as migrate from './migrate.js';
import * as quarantine from './quarantine.js';
import * as review from './review.js';
import * as sandbox from './sandbox.js';
import * as serve from './serve.js';
import * as version from './version.js';

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
];
