import type { LabelResult, LabelScore } from './classify/label-scorer.js';
import type { SentimentLabel, SentimentResult } from './classify/sentiment.js';
import type { Summary, SummaryMethod } from './summaries.js';
import type { RawTicket, Urgency } from './ticket-schema.js';

/** Intent, urgency and sentiment of one ticket: what classify() returns. */
export interface Classification {
  intent: LabelResult;
  /** source "priority": the ticket's explicit priority, confidence 1 */
  urgency: LabelResult & { label: Urgency; source: 'priority' | 'model' };
  sentiment: SentimentResult;
}

/**
 * What produced a ticket's outputs, per model (issue 5, provenance): enough for a later
 * re-embedding migration to know which vectors came from which files.
 */
export interface ModelProvenance {
  /** hub id, or the folder's absolute path for a model given as a folder */
  id: string;
  /** "fp32" or "q8" */
  dtype: string;
  /** the commit the files come from (cache manifest of a pull); undefined for a plain folder */
  revision?: string | undefined;
  /** sha256 (hex) of each ONNX file loaded, by path relative to the model folder ('onnx/model.onnx') */
  sha256: Record<string, string>;
}

/**
 * The enrichment of DESIGN.md's EnrichedTicket. Fields beyond the contract: *_top,
 * urgency_source, sentiment_scores, summary_method, models, cpu_variant.
 */
export interface Enrichment {
  embedding: number[];
  intent: string;
  intent_confidence: number;
  intent_top: LabelScore[];
  urgency: Urgency;
  urgency_confidence: number;
  urgency_source: 'priority' | 'model';
  urgency_top: LabelScore[];
  sentiment: SentimentLabel;
  sentiment_confidence: number;
  sentiment_scores: Record<string, number>;
  summary: string;
  /** abstractive (the summarizer model), extractive (no summarizer: most central sentence), subject (short or no body) */
  summary_method: SummaryMethod;
  processed_at: string;
  model_version: string;
  /** summarizer is null when no summarizer model is loaded */
  models: { embedding: ModelProvenance; sentiment: ModelProvenance; summarizer: ModelProvenance | null };
  cpu_variant: string;
}

export type EnrichedTicket = RawTicket & { enrichment: Enrichment };

export function composeEnrichedTicket(
  ticket: RawTicket,
  embedding: Float32Array,
  c: Classification,
  summary: Summary,
  context: { processedAt: Date; modelVersion: string; models: Enrichment['models']; cpuVariant: string },
): EnrichedTicket {
  return {
    ...ticket,
    enrichment: {
      embedding: Array.from(embedding),
      intent: c.intent.label,
      intent_confidence: c.intent.confidence,
      intent_top: c.intent.top,
      urgency: c.urgency.label,
      urgency_confidence: c.urgency.confidence,
      urgency_source: c.urgency.source,
      urgency_top: c.urgency.top,
      sentiment: c.sentiment.label,
      sentiment_confidence: c.sentiment.confidence,
      sentiment_scores: c.sentiment.scores,
      summary: summary.text,
      summary_method: summary.method,
      processed_at: context.processedAt.toISOString(),
      model_version: context.modelVersion,
      models: context.models,
      cpu_variant: context.cpuVariant,
    },
  };
}
