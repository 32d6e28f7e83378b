// Embedding and sentiment models with identical tokenizers share one tokenization per text, and
// the results equal running each model alone; different tokenizers are detected, not assumed.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { Embedder } from '../src/enrich/embedder.js';
import { SequenceClassifier } from '../src/enrich/sequence-classifier.js';
import { readClassifierModelFiles } from '../src/models/classifier-model-files.js';
import { readEmbeddingModelFiles } from '../src/models/embedding-model-files.js';
import { locateModel } from '../src/models/model-location.js';
import { loadAddon } from '../src/native/load-addon.js';
import { ensureRuntime } from '../src/native/runtime.js';
import { maxAbsDiff, TINY_BERT, TINY_SST2 } from './helpers.js';
import { AWKWARD_TEXTS, ticketTexts } from './texts.js';

const texts = [...ticketTexts(80, 5), ...AWKWARD_TEXTS];
const batch = { tokenBudget: 1024, maxBatch: 32 };

async function models(sentimentDir: string, embeddingMaxLength: number) {
  const { addon } = loadAddon();
  await ensureRuntime(addon, undefined);
  const embedder = await Embedder.load(addon, await readEmbeddingModelFiles(locateModel(TINY_BERT, 'embedding'), { dtype: 'fp32', maxLength: embeddingMaxLength }), batch);
  const classifier = await SequenceClassifier.load(addon, await readClassifierModelFiles(locateModel(sentimentDir, 'sentiment'), { role: 'sentiment', dtype: 'fp32' }), batch);
  return { addon, embedder, classifier };
}

for (const embeddingMaxLength of [16, 128, 512]) {
  t.test(`same vocabulary, different names: one tokenization (embedding maxLength ${embeddingMaxLength}, classifier 512)`, async (t) => {
    const { addon, embedder, classifier } = await models(TINY_SST2, embeddingMaxLength);
    t.teardown(() => (embedder.close(), classifier.close()));
    t.equal(embedder.tokenizerFingerprint, classifier.tokenizerFingerprint, 'the MiniLM and DistilBERT tokenizer.json files tokenize identically');
    const shared = await addon.analyzeTexts(texts, { embedding: embedder.nativeModel(), classifier: classifier.nativeModel() });
    t.equal(shared.sharedTokenization, true);
    const [alone, aloneClass] = await Promise.all([embedder.embed(texts), classifier.classify(texts)]);
    const dim = shared.embeddings!.dim;
    let worst = 0;
    alone.forEach((v, i) => (worst = Math.max(worst, maxAbsDiff(v, shared.embeddings!.data.subarray(i * dim, (i + 1) * dim)))));
    t.ok(worst < 1e-6, `embeddings equal to embed() alone (${worst.toExponential(2)})`);
    t.ok(maxAbsDiff(shared.classification!.logits, aloneClass.logits) < 1e-6, 'logits equal to classify() alone');
  });
}

t.test('a classifier whose tokenizer differs is tokenized separately', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-cased-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cased = path.join(dir, 'cased-sst2');
  cpSync(TINY_SST2, cased, { recursive: true });
  const tok = JSON.parse(readFileSync(path.join(cased, 'tokenizer.json'), 'utf8'));
  tok.normalizer.lowercase = false;
  writeFileSync(path.join(cased, 'tokenizer.json'), JSON.stringify(tok));
  const { addon, embedder, classifier } = await models(cased, 256);
  t.teardown(() => (embedder.close(), classifier.close()));
  t.not(embedder.tokenizerFingerprint, classifier.tokenizerFingerprint);
  const out = await addon.analyzeTexts(texts, { embedding: embedder.nativeModel(), classifier: classifier.nativeModel() });
  t.equal(out.sharedTokenization, false);
  t.ok(maxAbsDiff(out.classification!.logits, (await classifier.classify(texts)).logits) < 1e-6, 'and still gives the classifier its own ids');
});

t.test('analyzeTexts checks its arguments', async (t) => {
  const { addon, embedder, classifier } = await models(TINY_SST2, 256);
  await t.rejects(async () => addon.analyzeTexts(texts, { embedding: classifier.nativeModel() as never }), { code: 'INPUT_INVALID', message: /models\.embedding must be a model returned by loadEmbeddingModel\(\)/ });
  await t.rejects(async () => addon.analyzeTexts(texts, { classifier: {} as never }), { code: 'INPUT_INVALID' });
  await t.rejects(async () => addon.analyzeTexts('x' as never, {}), { code: 'INPUT_INVALID' });
  embedder.close();
  await t.rejects(async () => addon.analyzeTexts(texts, { embedding: embedder.nativeModel() }), { code: 'ENRICHER_CLOSED' });
  classifier.close();
});
