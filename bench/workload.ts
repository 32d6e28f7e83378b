// The benchmark workload: realistic tickets of mixed length, the same for every contestant.
import { ticketText } from '../src/enrich/ticket-schema.js';
import { createTicketGenerator, type GeneratedRawTicket } from '../src/seed/ticket-generator.js';

export function benchTickets(count: number, seed = 1): GeneratedRawTicket[] {
  return createTicketGenerator(seed)
    .take(count)
    .map(({ ticket }) => ticket);
}

/** What the models read for each ticket: subject, blank line, body. */
export function benchTexts(count: number, seed = 1): string[] {
  return benchTickets(count, seed).map((t) => ticketText({ subject: t.subject, body: t.body }));
}
