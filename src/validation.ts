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

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, root: string, code: ErrorCode): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = formatIssues(root, result.error);
    throw new TicketProcessorError(code, `invalid ${root}:\n${issues}`);
  }
  return result.data;
}
