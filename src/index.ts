/**
 * ticket-processor: enrich customer-support tickets with a native ONNX Runtime addon.
 *
 *   import { createEnricher } from 'ticket-processor';
 *   const enricher = await createEnricher({ models: '/path/to/all-MiniLM-L6-v2' });
 *   const [vector] = await enricher.embed(['Cannot log in since the update']);
 *   await enricher.close();
 */
export { createEnricher, Enricher } from './enrich/enricher.js';
export type { EnricherInfo, EnricherOptions } from './enrich/enricher.js';
export { TicketProcessorError, isTicketProcessorError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { CpuVariant, CpuReport, RuntimeInfo } from './native/addon-types.js';
export { modelCacheDir } from './models/model-location.js';
