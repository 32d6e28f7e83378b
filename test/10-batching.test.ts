// Length-sorted batches under the token budget: the plan and its invariants, and results that do
// not depend on how texts were grouped.
import t from 'tap';

import { createEnricher } from '../src/index.js';
import { Embedder } from '../src/enrich/embedder.js';
import { readEmbeddingModelFiles } from '../src/models/embedding-model-files.js';
import { locateModel } from '../src/models/model-location.js';
import { loadAddon } from '../src/native/load-addon.js';
import { ensureRuntime } from '../src/native/runtime.js';
import { maxAbsDiff, TINY_BERT } from './helpers.js';
import { AWKWARD_TEXTS, ticketTexts } from './texts.js';

const texts = [...ticketTexts(300), ...AWKWARD_TEXTS];

t.test('batches cover every text once, sorted by length, under the budget', async (t) => {
  const { addon } = loadAddon();
  await ensureRuntime(addon, undefined);
  const files = await readEmbeddingModelFiles(locateModel(TINY_BERT, 'embedding'), { dtype: 'fp32', maxLength: 256 });
  const embedder = await Embedder.load(addon, files, { tokenBudget: 2048, maxBatch: 32 });
  t.teardown(() => embedder.close());
  const batches = embedder.encode(texts);
  const seen = new Set<number>();
  let previousSeq = Infinity;
  for (const b of batches) {
    t.ok(b.batch <= 32, 'maxBatch');
    t.ok(b.batch * b.seq <= 2048 || b.batch === 1, 'token budget');
    t.ok(b.seq <= previousSeq, 'longest batches first');
    previousSeq = b.seq;
    for (let row = 0; row < b.batch; row++) {
      seen.add(b.members[row]!);
      const mask = b.attentionMask.subarray(row * b.seq, (row + 1) * b.seq);
      const length = mask.reduce((n, m) => n + Number(m), 0);
      t.equal(mask[0], 1n);
      if (row === 0) t.equal(length, b.seq, 'the first member sets the padded length');
      t.ok(b.inputIds[row * b.seq] === 101n, 'starts with [CLS]');
    }
  }
  t.equal(seen.size, texts.length, 'every text exactly once');
});

t.test('results do not depend on batch grouping', async (t) => {
  const small = await createEnricher({ models: TINY_BERT, tokenBudget: 64, maxBatch: 3 });
  const large = await createEnricher({ models: TINY_BERT, tokenBudget: 1 << 16, maxBatch: 1024 });
  const [a, b] = await Promise.all([small.embed(texts), large.embed(texts)]);
  const alone = await small.embed([texts[5]!]);
  let worst = 0;
  for (let i = 0; i < texts.length; i++) worst = Math.max(worst, maxAbsDiff(a[i]!, b[i]!));
  t.ok(worst < 1e-5, `max diff ${worst.toExponential(2)} between tiny and huge batches`);
  t.ok(maxAbsDiff(alone[0]!, a[5]!) < 1e-5, 'alone equals batched');
  t.same(small.info().batching, { tokenBudget: 64, maxBatch: 3 });
  await Promise.all([small.close(), large.close()]);
});
