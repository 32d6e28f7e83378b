// The sequence classifier (DistilBERT SST-2 contract) of every runnable variant against
// transformers.js: its text-classification pipeline's label scores, and its model's logits on
// Hugging Face-truncated ids for texts past maxLength (transformers.js' own truncation drops the
// final [SEP]). Max abs difference <= 1e-4.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import t from 'tap';

import { SequenceClassifier } from '../src/enrich/sequence-classifier.js';
import { readClassifierModelFiles } from '../src/models/classifier-model-files.js';
import { locateModel } from '../src/models/model-location.js';
import { loadAddon } from '../src/native/load-addon.js';
import { ensureRuntime } from '../src/native/runtime.js';
import { maxAbsDiff, runnableVariants, TINY_SST2 } from './helpers.js';
import { huggingFaceIds, transformersClassification, transformersLogitsOfIds } from './reference.js';
import { AWKWARD_TEXTS, ticketTexts } from './texts.js';

const texts = [...ticketTexts(60, 3), ...AWKWARD_TEXTS];

t.test('logits and label probabilities equal transformers.js for every variant', async (t) => {
  const files = await readClassifierModelFiles(locateModel(TINY_SST2, 'sentiment'), { role: 'sentiment', dtype: 'fp32' });
  t.same(files.labels, ['NEGATIVE', 'POSITIVE'], 'labels from config.json id2label');
  const ours = new Map<string, { logits: Float32Array; probs: Float32Array; labels: number }>();
  for (const cpu of runnableVariants()) {
    const { addon } = loadAddon(cpu);
    await ensureRuntime(addon, undefined);
    const classifier = await SequenceClassifier.load(addon, files, { tokenBudget: 1024, maxBatch: 32 });
    ours.set(cpu, await classifier.classify(texts));
    classifier.close();
  }

  const tokenizerJson = readFileSync(path.join(TINY_SST2, 'tokenizer.json'), 'utf8');
  const fullIds = await huggingFaceIds(tokenizerJson, texts);
  const long = texts.map((_, i) => i).filter((i) => fullIds[i]!.length > files.maxLength);
  const short = texts.map((_, i) => i).filter((i) => fullIds[i]!.length <= files.maxLength);
  t.ok(long.length >= 2 && short.length >= 60, `${short.length} texts within ${files.maxLength} tokens, ${long.length} beyond`);
  const pipelineScores = await transformersClassification(TINY_SST2, short.map((i) => texts[i]!));
  const longLogits = await transformersLogitsOfIds(TINY_SST2, await huggingFaceIds(tokenizerJson, long.map((i) => texts[i]!), files.maxLength));

  for (const [cpu, out] of ours) {
    t.equal(out.labels, 2);
    let worstProb = 0;
    short.forEach((i, k) => {
      const expected = files.labels.map((l) => pipelineScores[k]![l]!);
      worstProb = Math.max(worstProb, maxAbsDiff(out.probs.subarray(i * 2, i * 2 + 2), expected));
    });
    t.ok(worstProb <= 1e-4, `${cpu}: label probabilities within ${worstProb.toExponential(2)} of the pipeline`);
    let worstLogit = 0;
    long.forEach((i, k) => (worstLogit = Math.max(worstLogit, maxAbsDiff(out.logits.subarray(i * 2, i * 2 + 2), longLogits[k]!))));
    t.ok(worstLogit <= 1e-4, `${cpu}: logits of truncated texts within ${worstLogit.toExponential(2)}`);
    // The probabilities are the softmax of the logits (the addon's kernel), row by row.
    let worstSoftmax = 0;
    for (let i = 0; i < texts.length; i++) {
      const [a, b] = [out.logits[2 * i]!, out.logits[2 * i + 1]!];
      const m = Math.max(a, b);
      const [ea, eb] = [Math.exp(a - m), Math.exp(b - m)];
      worstSoftmax = Math.max(worstSoftmax, maxAbsDiff(out.probs.subarray(2 * i, 2 * i + 2), [ea / (ea + eb), eb / (ea + eb)]));
    }
    t.ok(worstSoftmax < 1e-6, `${cpu}: probs = softmax(logits) within ${worstSoftmax.toExponential(2)}`);
  }
});
