/**
 * Seconds spent per stage by an enrichMany() call, filled in when the caller passes an object
 * (the worker's latency histograms): tokenize (all models' tokenization and batching), encode
 * (the embedding and sentiment models, and the summarizer's encoder), generate (decoder steps
 * and decoding, or the extractive summary). Measured in the addon where the stage runs.
 */
export interface StageTimings {
  tokenize: number;
  encode: number;
  generate: number;
}

export function emptyStageTimings(): StageTimings {
  return { tokenize: 0, encode: 0, generate: 0 };
}

export function addStageTimings(into: StageTimings | undefined, add: Partial<StageTimings> | undefined): void {
  if (!into || !add) return;
  into.tokenize += add.tokenize ?? 0;
  into.encode += add.encode ?? 0;
  into.generate += add.generate ?? 0;
}
