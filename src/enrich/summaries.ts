import { addStageTimings, type StageTimings } from './stage-timings.js';
import type { GenerationOptions, Seq2SeqGenerator } from './seq2seq-generator.js';
import type { RawTicket } from './ticket-schema.js';

/** How a summary was made: the model, the most central sentence, or the ticket's subject. */
export type SummaryMethod = 'abstractive' | 'extractive' | 'subject';

export interface Summary {
  text: string;
  method: SummaryMethod;
}

export interface SummaryRules {
  /** MAX_SUMMARY_LENGTH: tokens a generated summary may have (transformers' max_length); words for extractive ones */
  maxSummaryLength: number;
  /** bodies with fewer words are summarized by their subject (the Python system: 20) */
  minBodyWords: number;
}

export const DEFAULT_SUMMARY_RULES: SummaryRules = { maxSummaryLength: 50, minBodyWords: 20 };

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** A summary ends with punctuation (the Python system's rule): "." is added when it does not. */
export function endWithPunctuation(text: string): string {
  const t = text.trim();
  if (!t) return t;
  return /[.!?…。！？]["'”’)\]]*$/u.test(t) ? t : `${t}.`;
}

function sentences(text: string): string[] {
  const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
  return Array.from(segmenter.segment(text), (s) => s.segment.trim()).filter(Boolean);
}

/** At most `max` words, marked with an ellipsis when cut. */
function limitWords(text: string, max: number): string {
  const w = words(text);
  return w.length <= max ? text.trim() : `${w.slice(0, max).join(' ')}…`;
}

/** Index of the vector most similar to all the others (highest total cosine similarity). */
export function mostCentral(vectors: readonly Float32Array[]): number {
  let best = 0;
  let bestScore = -Infinity;
  vectors.forEach((v, i) => {
    let score = 0;
    for (const u of vectors) for (let d = 0; d < v.length; d++) score += v[d]! * u[d]!;
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return best;
}

/** Each body's most central sentence, with one embedding call for all of them. */
async function centralSentences(bodies: string[], embed: (texts: string[]) => Promise<Float32Array[]>): Promise<string[]> {
  const split = bodies.map(sentences);
  const vectors = await embed(split.flat());
  let at = 0;
  return split.map((parts, i) => {
    const own = vectors.slice(at, (at += parts.length));
    return parts.length === 0 ? bodies[i]!.trim() : parts[mostCentral(own)]!;
  });
}

/**
 * Summaries by the Python system's rules: no body, or a body under minBodyWords words → the
 * subject; otherwise the body summarized by the model (input truncated to the model's maximum,
 * output up to maxSummaryLength tokens) or, without a model, its most central sentence (up to
 * maxSummaryLength words). Every summary ends with punctuation.
 */
export async function summarizeTickets(
  tickets: readonly Pick<RawTicket, 'subject' | 'body'>[],
  rules: SummaryRules,
  generator: Seq2SeqGenerator | undefined,
  embed: (texts: string[]) => Promise<Float32Array[]>,
  overrides: GenerationOptions = {},
  timings?: StageTimings,
): Promise<Summary[]> {
  const out: Summary[] = new Array(tickets.length);
  const pending: number[] = [];
  tickets.forEach((t, i) => {
    if (words(t.body).length < rules.minBodyWords) out[i] = { text: endWithPunctuation(t.subject), method: 'subject' };
    else pending.push(i);
  });
  if (pending.length === 0) return out;

  if (generator) {
    const configured = generator.files.generation;
    const options: GenerationOptions = {
      maxLength: rules.maxSummaryLength,
      // The model's own minimum (56 for distilbart-cnn) would force every summary to the limit
      // when MAX_SUMMARY_LENGTH is smaller: keep it under half the limit.
      minLength: Math.min(configured.min_length, Math.floor(rules.maxSummaryLength / 2)),
      ...overrides,
    };
    const { texts, timings: spent } = await generator.generate(pending.map((i) => tickets[i]!.body), options);
    addStageTimings(timings, spent);
    pending.forEach((i, k) => {
      const text = texts[k]!.trim();
      out[i] = text ? { text: endWithPunctuation(text), method: 'abstractive' } : { text: endWithPunctuation(tickets[i]!.subject), method: 'subject' };
    });
    return out;
  }
  const started = performance.now();
  const central = await centralSentences(pending.map((i) => tickets[i]!.body), embed);
  addStageTimings(timings, { generate: (performance.now() - started) / 1000 });
  pending.forEach((i, k) => (out[i] = { text: endWithPunctuation(limitWords(central[k]!, rules.maxSummaryLength)), method: 'extractive' }));
  return out;
}
