import type { z } from 'zod';

import { type ErrorCode, TicketProcessorError } from './errors.js';

/** Every violation on its own line, each with its path: `options.threads: expected an integer`. */
export function formatIssues(root: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = [root, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/\.\[/g, '[');
      return `${where}: ${issue.message}`;
    })
    .join('\n');
}

/**
 * Parses with a zod schema or throws a TicketProcessorError listing every problem.
 * `root` prefixes each path (options.threads); `title` names the thing (default: root).
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, root: string, code: ErrorCode, title = root): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = formatIssues(root, result.error);
    throw new TicketProcessorError(code, `invalid ${title}:\n${issues}`);
  }
  return result.data;
}
