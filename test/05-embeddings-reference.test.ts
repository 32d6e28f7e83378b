// Embeddings from every runnable CPU variant against transformers.js' feature-extraction
// pipeline (pooling mean, normalize true, fp32) on the same model files: max abs diff <= 1e-4.
// Texts longer than maxLength are checked against transformers.js' model + mean_pooling on
// Hugging Face tokenizers' truncated ids instead, because transformers.js' own truncation drops
// the final [SEP] (sentence-transformers and Hugging Face tokenizers keep it).
import t from 'tap';

import { createEnricher } from '../src/index.js';
import { maxAbsDiff, norm, readTinyTokenizerJson, runnableVariants, TINY_BERT } from './helpers.js';
import { huggingFaceIds, transformersEmbeddings, transformersEmbeddingsOfIds } from './reference.js';
import { AWKWARD_TEXTS, ticketTexts } from './texts.js';

const texts = [...ticketTexts(120), ...AWKWARD_TEXTS];

t.test('embeddings equal transformers.js for every variant', async (t) => {
  // Our enrichers first, so that this process's ORT environment is ours (global thread pool).
  const results = new Map<string, Float32Array[]>();
  let maxLength = 0;
  for (const cpu of runnableVariants()) {
    const enricher = await createEnricher({ models: TINY_BERT, cpu });
    const info = enricher.info();
    t.equal(info.variant, cpu, `${cpu}: info() reports the variant`);
    maxLength = info.models.embedding.maxLength;
    results.set(cpu, await enricher.embed(texts));
    await enricher.close();
  }
  const fullIds = await huggingFaceIds(readTinyTokenizerJson(), texts);
  const long = texts.map((_, i) => i).filter((i) => fullIds[i]!.length > maxLength);
  t.ok(long.length >= 2, `${long.length} texts exceed ${maxLength} tokens`);
  const short = texts.map((_, i) => i).filter((i) => fullIds[i]!.length <= maxLength);
  const reference: number[][] = new Array(texts.length);
  const fromPipeline = await transformersEmbeddings(TINY_BERT, short.map((i) => texts[i]!), maxLength);
  short.forEach((i, k) => (reference[i] = fromPipeline[k]!));
  const truncatedIds = await huggingFaceIds(readTinyTokenizerJson(), long.map((i) => texts[i]!), maxLength);
  const fromIds = await transformersEmbeddingsOfIds(TINY_BERT, truncatedIds);
  long.forEach((i, k) => (reference[i] = fromIds[k]!));
  for (const [cpu, vectors] of results) {
    let worst = 0;
    let worstIndex = -1;
    for (let i = 0; i < texts.length; i++) {
      const d = maxAbsDiff(vectors[i]!, reference[i]!);
      if (d > worst) [worst, worstIndex] = [d, i];
    }
    t.ok(worst <= 1e-4, `${cpu}: max abs diff ${worst.toExponential(2)} over ${texts.length} texts (worst: #${worstIndex})`);
    t.ok(vectors.every((v) => Math.abs(norm(v) - 1) < 1e-5), `${cpu}: unit length`);
    t.ok(vectors.every((v) => v.length === 32), `${cpu}: the tiny model's hidden size (32)`);
  }
});
