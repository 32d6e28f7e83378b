// A small, plain beam search over onnxruntime-node, written for the tests: the reference for
// the addon's native beam search (transformers.js cannot be one: it runs greedy whenever
// num_beams > 1). It follows Hugging Face transformers' beam search (BeamSearchScorer and
// BeamHypotheses of v4.3x): log-softmax, logits processors, top 2 x num_beams over all beams,
// EOS candidates only from the top num_beams, length-normalized hypotheses
// (sum_logprobs / length^length_penalty), early_stopping true / false / "never". No cache: the
// decoder recomputes the whole prefix (decoder_model.onnx), one row per beam, in float64.
import path from 'node:path';

import { Tokenizer } from '@anush008/tokenizers';
import * as ort from 'onnxruntime-node';

export interface ReferenceConfig {
  numBeams: number;
  maxLength: number;
  minLength: number;
  lengthPenalty: number;
  earlyStopping: boolean | 'never';
  noRepeatNgramSize: number;
  decoderStartTokenId: number;
  eosTokenId: number;
  forcedBosTokenId?: number;
  forcedEosTokenId?: number;
}

function logSoftmax(row: Float32Array): number[] {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Array.from(row, (v) => v - lse);
}

function processScores(scores: number[], seq: number[], c: ReferenceConfig): void {
  const len = seq.length;
  const n = c.noRepeatNgramSize;
  if (n > 0 && len + 1 >= n) {
    const tail = seq.slice(len - (n - 1));
    for (let s = 0; s + n - 1 < len; s++) {
      if (tail.every((t, j) => seq[s + j] === t)) scores[seq[s + n - 1]!] = -Infinity;
    }
  }
  if (len < c.minLength) scores[c.eosTokenId] = -Infinity;
  const force = (token: number) => {
    scores.fill(-Infinity);
    scores[token] = 0;
  };
  if (c.forcedBosTokenId !== undefined && len === 1) force(c.forcedBosTokenId);
  if (c.forcedEosTokenId !== undefined && len === c.maxLength - 1) force(c.forcedEosTokenId);
}

interface Hyp {
  score: number;
  ids: number[];
}

export class ReferenceSeq2Seq {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
  ) {}

  static async load(modelDir: string): Promise<ReferenceSeq2Seq> {
    const tokenizer = Tokenizer.fromFile(path.join(modelDir, 'tokenizer.json'));
    tokenizer.setTruncation(1024);
    const options = { intraOpNumThreads: 1 };
    return new ReferenceSeq2Seq(
      tokenizer,
      await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'encoder_model.onnx'), options),
      await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'decoder_model.onnx'), options),
    );
  }

  async encode(text: string): Promise<{ hidden: ort.Tensor; mask: ort.Tensor }> {
    const ids = (await this.tokenizer.encode(text)).getIds();
    const dims = [1, ids.length];
    const mask = new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), dims);
    const out = await this.encoder.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), dims), attention_mask: mask });
    return { hidden: out.last_hidden_state!, mask };
  }

  /** Log-probabilities (before processors) of the next token for one prefix. */
  private async nextLogProbs(prefix: number[], enc: { hidden: ort.Tensor; mask: ort.Tensor }): Promise<number[]> {
    const out = await this.decoder.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(prefix.map(BigInt)), [1, prefix.length]),
      encoder_hidden_states: enc.hidden,
      encoder_attention_mask: enc.mask,
    });
    const logits = out.logits!;
    const vocab = logits.dims[2]!;
    return logSoftmax((logits.data as Float32Array).subarray((prefix.length - 1) * vocab, prefix.length * vocab));
  }

  /** Generated ids without the start token and the final EOS. */
  async beamSearch(text: string, c: ReferenceConfig): Promise<number[]> {
    const enc = await this.encode(text);
    const K = c.numBeams;
    let beams = Array.from({ length: K }, (_, k) => ({ ids: [c.decoderStartTokenId], score: k === 0 ? 0 : -1e9 }));
    const hyps: Hyp[] = [];
    let worst = 1e9;
    const addHyp = (ids: number[], sumLogprobs: number) => {
      const score = sumLogprobs / ids.length ** c.lengthPenalty;
      if (hyps.length < K || score > worst) {
        hyps.push({ score, ids });
        if (hyps.length > K) {
          const sorted = hyps.map((h, i) => [h.score, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          hyps.splice(sorted[0]![1], 1);
          worst = sorted[1]![0];
        } else worst = Math.min(score, worst);
      }
    };
    const isDone = (best: number, curLen: number) => {
      if (hyps.length < K) return false;
      if (c.earlyStopping === true) return true;
      const denominator = c.earlyStopping === 'never' && c.lengthPenalty > 0 ? c.maxLength : curLen;
      return worst >= best / denominator ** c.lengthPenalty;
    };
    let done = false;
    for (let curLen = 1; ; ) {
      const candidates: { score: number; beam: number; token: number; flat: number }[] = [];
      for (let k = 0; k < K; k++) {
        const scores = await this.nextLogProbs(beams[k]!.ids, enc);
        processScores(scores, beams[k]!.ids, c);
        scores.forEach((s, token) => candidates.push({ score: s + beams[k]!.score, beam: k, token, flat: k * scores.length + token }));
      }
      candidates.sort((a, b) => b.score - a.score || a.flat - b.flat);
      const top = candidates.slice(0, 2 * K);
      const next: { ids: number[]; score: number }[] = [];
      for (let rank = 0; rank < top.length && next.length < K; rank++) {
        const cand = top[rank]!;
        if (cand.token === c.eosTokenId) {
          if (rank < K) addHyp(beams[cand.beam]!.ids, cand.score);
        } else {
          next.push({ ids: [...beams[cand.beam]!.ids, cand.token], score: cand.score });
        }
      }
      done = isDone(top[0]!.score, curLen);
      beams = next;
      curLen++;
      if (done || curLen >= c.maxLength) break;
    }
    if (!done) for (const b of beams) addHyp(b.ids, b.score);
    let best = hyps[0]!;
    for (const h of hyps) if (h.score >= best.score) best = h;
    const ids = best.ids.slice(1);
    const eos = ids.indexOf(c.eosTokenId);
    return eos >= 0 ? ids.slice(0, eos) : ids;
  }
}
