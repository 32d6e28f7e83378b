/**
 * ticket-processor: enrich customer-support tickets with a native ONNX Runtime addon.
 *
 *   import { createEnricher } from 'ticket-processor';
 *   const enricher = await createEnricher({ models: { embedding: '/models/all-MiniLM-L6-v2', sentiment: '/models/sst2' } });
 *   const enriched = await enricher.enrich({ ticket_id: 'T-1', subject: 'Cannot log in', body: '...', created_at: 1732780800, customer_id: 'C-9' });
 *   await enricher.close();
 */
export { createEnricher, Enricher } from './enrich/enricher.js';
export type { EnricherInfo, EnricherOptions } from './enrich/enricher.js';
export type { StageTimings } from './enrich/stage-timings.js';
export { enrich, closeDefaultEnricher } from './enrich/default-enricher.js';
export type { Classification, EnrichedTicket, Enrichment, ModelProvenance } from './enrich/enriched-ticket.js';
export type { LabelResult, LabelScore } from './enrich/classify/label-scorer.js';
export type { SentimentLabel, SentimentResult } from './enrich/classify/sentiment.js';
export { RawTicketSchema, URGENCIES } from './enrich/ticket-schema.js';
export type { RawTicket, RawTicketInput, Urgency } from './enrich/ticket-schema.js';
export { DEFAULT_TAXONOMY } from './enrich/taxonomy/default-taxonomy.js';
export type { Taxonomy, TaxonomyInput } from './enrich/taxonomy/taxonomy-schema.js';
export { TicketProcessorError, isTicketProcessorError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { CpuVariant, CpuReport, RuntimeInfo } from './native/addon-types.js';
export { modelCacheDir } from './models/model-location.js';
