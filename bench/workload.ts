// The benchmark workload: realistic ticket texts of mixed length (subject + body), the same
// for every contestant.
import { createTicketGenerator } from '../src/seed/ticket-generator.js';

export function benchTexts(count: number, seed = 1): string[] {
  return createTicketGenerator(seed)
    .take(count)
    .map(({ ticket }) => `${ticket.subject}\n\n${ticket.body}`);
}
