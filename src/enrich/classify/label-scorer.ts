import type { Scoring } from '../taxonomy/taxonomy-schema.js';

export interface LabelScore {
  label: string;
  score: number;
}

export interface LabelResult {
  label: string;
  /** the label's score in the combined distribution, in [0, 1] */
  confidence: number;
  /** the three best labels with their scores, best first */
  top: LabelScore[];
}

function softmax(values: ArrayLike<number>, temperature: number): number[] {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
  const exps = Array.from(values, (v) => Math.exp((v - max) / temperature));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Combines the two signals into one distribution over labels and picks the answer:
 * - rules: each label's keyword hits over all hits (uniform when nothing matched);
 * - centroid: softmax of cosine similarities / temperature;
 * - hybrid: ruleWeight x rules + (1 - ruleWeight) x centroid when some keyword matched, else
 *   centroid alone.
 * Below `threshold` the answer is the fallback label, with its own score as the confidence
 * (low: "nothing fit well"); `top` still shows the best candidates.
 */
export function scoreLabels(
  names: readonly string[],
  scoring: Scoring,
  fallback: string,
  hits: readonly number[] | undefined,
  similarities: ArrayLike<number> | undefined,
): LabelResult {
  const totalHits = hits?.reduce((a, b) => a + b, 0) ?? 0;
  const rules = hits && totalHits > 0 ? hits.map((h) => h / totalHits) : undefined;
  const centroid = similarities ? softmax(similarities, scoring.temperature) : undefined;
  const uniform = names.map(() => 1 / names.length);

  let scores: number[];
  if (scoring.method === 'rules' || !centroid) scores = rules ?? uniform;
  else if (scoring.method === 'centroid' || !rules) scores = centroid;
  else scores = rules.map((r, i) => scoring.ruleWeight * r + (1 - scoring.ruleWeight) * centroid[i]!);

  const ranked = names.map((label, i) => ({ label, score: scores[i]! })).sort((a, b) => b.score - a.score);
  const best = ranked[0]!;
  const label = best.score >= scoring.threshold ? best.label : fallback;
  const confidence = label === best.label ? best.score : (ranked.find((r) => r.label === fallback)?.score ?? 0);
  return { label, confidence: clamp01(confidence), top: ranked.slice(0, 3).map((r) => ({ label: r.label, score: clamp01(r.score) })) };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
