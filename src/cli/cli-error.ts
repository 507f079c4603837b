import type { z } from 'zod';

/** An expected command failure: printed as one line, exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Validates a command's options (commander's camelCase keys); the first problem is a usage error (exit 2). */
export function parseCliOptions<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new CliError(`invalid option --${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`, 2);
}
