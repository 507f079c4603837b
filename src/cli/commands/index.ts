import type { Command } from 'commander';
import * as sandbox from './sandbox.js';
import * as version from './version.js';

export interface CommandModule {
  register(program: Command): void;
}

/** Every top-level command. Add new command modules here (one line each). */
export const commandModules: CommandModule[] = [version, sandbox];
