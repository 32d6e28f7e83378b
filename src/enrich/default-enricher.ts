import { createEnricher, type Enricher } from './enricher.js';
import type { EnrichedTicket } from './enriched-ticket.js';
import type { RawTicketInput } from './ticket-schema.js';

let shared: Promise<Enricher> | undefined;

/**
 * enrich(ticket) with one enricher shared by the whole process, created on first use from the
 * environment's defaults (EMBEDDING_MODEL, CLASSIFIER_MODEL, MODEL_CACHE_DIR, ...). A failed
 * creation is not cached: the next call tries again.
 */
export async function enrich(ticket: RawTicketInput): Promise<EnrichedTicket> {
  shared ??= createEnricher().catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return (await shared).enrich(ticket);
}

/** Closes the enricher behind enrich(), if one was created (e.g. before process exit in tests). */
export async function closeDefaultEnricher(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current) await (await current.catch(() => undefined))?.close();
}
