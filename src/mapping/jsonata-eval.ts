/**
 * Evaluates the mapping config's JSONata expressions with bounds, so a config mistake cannot hang or
 * bloat a worker: expression length, evaluation steps (deterministic, unlike a wall clock), stack depth,
 * sequence length, a library timeout as a last resort, and the result size. `$now()`/`$millis()` return
 * the `now` passed in and `$random()` is unavailable, so the same order maps the same way on replay.
 * Any failure is a PermanentError `HB_ERR_MAP_EXPRESSION` naming the target and the expression.
 */
import jsonata from 'jsonata';
import { PermanentError } from '../engine/errors.js';

export interface ExpressionLimits {
  maxExpressionLength: number;
  maxSteps: number;
  maxDepth: number;
  maxSequence: number;
  timeoutMs: number;
  maxResultChars: number;
}

export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = {
  maxExpressionLength: 2000,
  maxSteps: 50_000,
  maxDepth: 200,
  maxSequence: 10_000,
  timeoutMs: 250,
  maxResultChars: 1000,
};

export type ExpressionValue = string | number | boolean | null;

function fail(target: string, expression: string, reason: string, cause?: unknown): PermanentError {
  const shown = expression.length > 120 ? `${expression.slice(0, 120)}…` : expression;
  return new PermanentError({
    code: 'HB_ERR_MAP_EXPRESSION',
    message: `mapping expression for ${target} failed: ${reason} (expression: ${shown})`,
    suggestedFix: `fix expressions.${target} in the mapping config, then replay the order`,
    context: { target, expression: shown },
    cause,
  });
}

export async function evaluateExpression(
  target: string,
  expression: string,
  input: unknown,
  now: number,
  limits: ExpressionLimits = DEFAULT_EXPRESSION_LIMITS,
): Promise<ExpressionValue> {
  if (expression.length > limits.maxExpressionLength) {
    throw fail(target, expression, `longer than ${limits.maxExpressionLength} characters`);
  }
  let expr: jsonata.Expression;
  try {
    expr = jsonata(expression, {
      timeout: limits.timeoutMs,
      stack: limits.maxDepth,
      sequence: limits.maxSequence,
    });
  } catch (err) {
    throw fail(target, expression, `syntax error: ${jsonataMessage(err)}`, err);
  }
  let steps = 0;
  const entry = Symbol.for('jsonata.__evaluate_entry') as unknown as string;
  expr.assign(entry, () => {
    steps++;
    if (steps > limits.maxSteps)
      throw { code: 'HB_STEPS', message: `more than ${limits.maxSteps} evaluation steps` };
  });
  expr.registerFunction('now', () => new Date(now).toISOString(), '<:s>');
  expr.registerFunction('millis', () => now, '<:n>');
  expr.registerFunction(
    'random',
    () => {
      throw { code: 'HB_RANDOM', message: '$random() is not available in mapping expressions' };
    },
    '<:n>',
  );
  let result: unknown;
  try {
    result = await expr.evaluate(input);
  } catch (err) {
    throw fail(target, expression, jsonataMessage(err), err);
  }
  if (result === undefined) return null;
  if (typeof result === 'number' && !Number.isFinite(result))
    throw fail(target, expression, 'result is not a finite number');
  if (typeof result === 'string') {
    if (result.length > limits.maxResultChars) {
      throw fail(target, expression, `result longer than ${limits.maxResultChars} characters`);
    }
    return result;
  }
  if (result === null || typeof result === 'number' || typeof result === 'boolean') return result;
  throw fail(
    target,
    expression,
    `result must be a string, number, boolean or null, got ${Array.isArray(result) ? 'an array' : typeof result}`,
  );
}

/** Evaluates every configured expression (in key order, so errors are reproducible). */
export async function evaluateExpressions(
  expressions: Record<string, string>,
  input: unknown,
  now: number,
  limits?: ExpressionLimits,
): Promise<Record<string, ExpressionValue>> {
  const out: Record<string, ExpressionValue> = {};
  for (const target of Object.keys(expressions).sort()) {
    out[target] = await evaluateExpression(target, expressions[target]!, input, now, limits);
  }
  return out;
}

function jsonataMessage(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { message?: unknown; code?: unknown };
    if (typeof e.message === 'string' && e.message !== '') return e.message;
    if (typeof e.code === 'string') return `error ${e.code}`;
  }
  return String(err);
}
