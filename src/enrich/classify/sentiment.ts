import { TicketProcessorError } from '../../errors.js';

export type SentimentLabel = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL';

export interface SentimentResult {
  label: SentimentLabel;
  /** the top class probability (also for NEUTRAL, where it is below the band's limit) */
  confidence: number;
  /** the classifier's probability per label */
  scores: Record<string, number>;
}

/** Indices of POSITIVE and NEGATIVE among a classifier's labels (config.json id2label). */
export function sentimentLabelIndices(labels: readonly string[], where: string): { positive: number; negative: number } {
  const upper = labels.map((l) => l.toUpperCase());
  const positive = upper.indexOf('POSITIVE');
  const negative = upper.indexOf('NEGATIVE');
  if (positive < 0 || negative < 0) {
    throw new TicketProcessorError('MODEL_INVALID', `${where}: a sentiment model's id2label must name POSITIVE and NEGATIVE; it has ${labels.join(', ')}`);
  }
  return { positive, negative };
}

/**
 * POSITIVE or NEGATIVE with its probability; NEUTRAL when the top probability is below
 * `neutralBelow` (0.55 by default, as the Python system did).
 */
export function sentimentFromProbabilities(
  probs: ArrayLike<number>,
  labels: readonly string[],
  indices: { positive: number; negative: number },
  neutralBelow: number,
): SentimentResult {
  const scores: Record<string, number> = {};
  labels.forEach((l, i) => (scores[l.toUpperCase()] = probs[i]!));
  const pos = probs[indices.positive]!;
  const neg = probs[indices.negative]!;
  const top = Math.max(pos, neg);
  const label: SentimentLabel = top < neutralBelow ? 'NEUTRAL' : pos >= neg ? 'POSITIVE' : 'NEGATIVE';
  return { label, confidence: Math.min(1, Math.max(0, top)), scores };
}
