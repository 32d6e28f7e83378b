import { z } from 'zod';

import { parseOrThrow } from '../validation.js';

export const URGENCIES = ['critical', 'high', 'medium', 'low'] as const;
export type Urgency = (typeof URGENCIES)[number];

/**
 * RawTicket, the JSON object in the raw bucket (DESIGN.md, kept from the Python system).
 * Unknown top-level fields are kept and passed through to the EnrichedTicket: nothing is lost.
 */
export const RawTicketSchema = z.looseObject({
  ticket_id: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
  subject: z.string(),
  body: z.string().default(''),
  priority: z.enum(URGENCIES).optional(),
  created_at: z
    .number()
    .int('must be an integer (unix seconds)')
    .min(0, 'must not be negative')
    .max(253_402_300_799, 'must be before year 10000 (unix seconds, not milliseconds)'),
  customer_id: z.string(),
  metadata: z
    .object({
      source: z.string().default('unknown'),
      language: z.string().default('en'),
      tags: z.array(z.string()).default([]),
    })
    .loose()
    .default({ source: 'unknown', language: 'en', tags: [] }),
});

/** Drops an index signature, so that interfaces without one are accepted. */
type KnownKeys<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

/** What the API accepts (extra fields are allowed at run time and kept). */
export type RawTicketInput = KnownKeys<z.input<typeof RawTicketSchema>>;
export type RawTicket = z.output<typeof RawTicketSchema>;

/** Validates one ticket; every violation is reported with its path (ticket.metadata.tags[2]: ...). */
export function parseRawTicket(value: unknown, root = 'ticket'): RawTicket {
  return parseOrThrow(RawTicketSchema, value, root, 'INPUT_INVALID');
}

/** The text the models read: the subject, a blank line, the body. */
export function ticketText(ticket: Pick<RawTicket, 'subject' | 'body'>): string {
  const subject = ticket.subject.trim();
  const body = ticket.body.trim();
  if (!body) return subject;
  if (!subject) return body;
  return `${subject}\n\n${body}`;
}
