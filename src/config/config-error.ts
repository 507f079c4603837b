import { PermanentError } from '../engine/errors.js';

/** One problem in the configuration, located precisely enough to fix without reading code. */
export interface ConfigIssue {
  /** Field path in the effective config, e.g. `connections[0].bigcommerce.storeHash`. */
  path: string;
  message: string;
  /** Where the bad value came from: the file name, `env PORT`, or `defaults`. */
  source: string;
}

/**
 * The configuration cannot be used. The message lists every issue as
 * `heartbridge.yaml: connections[0].bigcommerce.storeHash: required` (first issue first, so a
 * one-line CLI error still names the field and the file).
 */
export class ConfigError extends PermanentError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], code = 'HB_ERR_CONFIG_INVALID') {
    super({
      code,
      message: issues.map(formatIssue).join('\n'),
      suggestedFix: 'Fix the named field; `heartbridge config validate` re-checks without starting anything.',
    });
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path
    ? `${issue.source}: ${issue.path}: ${issue.message}`
    : `${issue.source}: ${issue.message}`;
}

/** `['connections', 0, 'bigcommerce']` → `connections[0].bigcommerce`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
