// The addon's fused attention op (ai.ticket_processor MaskedSelfAttention, native/attention/)
// against ONNX Runtime's own attention: the same BERT graph loaded once as exported (ORT runs
// its MatMul/Softmax/Transpose nodes) and once fused by src/models/attention-fusion (the addon's
// kernel runs), on every CPU variant built here, for head sizes that take each code path of the
// kernel (8 and 24: any width; 16, 32, 64: vector registers), on texts of very different
// lengths so that batches carry padding.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import onnxProto from 'onnx-proto';
import t from 'tap';

import { fuseAttention } from '../src/models/attention-fusion/index.js';
import { loadAddon } from '../src/native/load-addon.js';
import { ensureRuntime } from '../src/native/runtime.js';
import { TINY_BERT as TINY_BERT_SPEC, buildBertOnnx } from './fixtures/bert-onnx.js';
import { maxAbsDiff, readTinyTokenizerJson, runnableVariants } from './helpers.js';
import { AWKWARD_TEXTS, ticketTexts } from './texts.js';

const texts = [...ticketTexts(40), ...AWKWARD_TEXTS, 'short', 'a '.repeat(300)];
const shapes = [
  { hiddenSize: 32, numAttentionHeads: 4 }, // head size 8 (the committed tiny model's)
  { hiddenSize: 48, numAttentionHeads: 2 }, // 24
  { hiddenSize: 32, numAttentionHeads: 2 }, // 16
  { hiddenSize: 64, numAttentionHeads: 2 }, // 32 (all-MiniLM-L6-v2's)
  { hiddenSize: 128, numAttentionHeads: 2 }, // 64 (distilbert-base's)
];

t.test('fused attention equals ONNX Runtime attention', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-fused-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tokenizerJson = readTinyTokenizerJson();
  const options = { tokenizerJson, maxLength: 128, tokenBudget: 512, maxBatch: 8, normalize: false };
  for (const shape of shapes) {
    const spec = { ...TINY_BERT_SPEC, ...shape, intermediateSize: 2 * shape.hiddenSize, numHiddenLayers: 2 };
    const original = buildBertOnnx(spec);
    const { model, fused } = fuseAttention(original);
    const headSize = shape.hiddenSize / shape.numAttentionHeads;
    t.equal(fused, 2, `head size ${headSize}: both layers fused`);
    const file = path.join(dir, `bert-${headSize}.onnx`);
    writeFileSync(file, original);
    for (const cpu of runnableVariants()) {
      const { addon } = loadAddon(cpu);
      await ensureRuntime(addon, 2);
      const asExported = await addon.loadEmbeddingModel({ modelPath: file, ...options });
      const withFusedOp = await addon.loadEmbeddingModel({ modelPath: file, modelBytes: model, ...options });
      const a = await asExported.embed(texts);
      const b = await withFusedOp.embed(texts);
      const diff = maxAbsDiff(a.data, b.data);
      t.ok(diff <= 1e-5, `${cpu}, head size ${headSize}: mean-pooled outputs differ by ${diff.toExponential(2)} (<= 1e-5)`);
      asExported.close();
      withFusedOp.close();
    }
  }
});

t.test('the fused op fails a run cleanly when its attributes do not fit the tensors', async (t) => {
  const { addon } = loadAddon();
  await ensureRuntime(addon, 2);
  const { model } = fuseAttention(buildBertOnnx({ ...TINY_BERT_SPEC, numHiddenLayers: 1 }));
  // num_heads 5 does not divide the hidden size 32: the session loads, the run is refused.
  const decoded = onnxProto.onnx.ModelProto.decode(model);
  for (const node of decoded.graph!.node!)
    for (const a of node.opType === 'MaskedSelfAttention' ? node.attribute! : []) if (a.name === 'num_heads') a.i = 5;
  const modelBytes = onnxProto.onnx.ModelProto.encode(decoded).finish();
  const options = { tokenizerJson: readTinyTokenizerJson(), maxLength: 32, tokenBudget: 256, maxBatch: 4, normalize: true };
  const m = await addon.loadEmbeddingModel({ modelPath: 'edited.onnx', modelBytes, ...options });
  await t.rejects(m.embed(['hello world']), { code: 'INFERENCE_FAILED', message: /MaskedSelfAttention: hidden size 32 is not a multiple of num_heads 5/ });
  t.same(Array.from((await m.embed([])).data), [], 'the model still answers afterwards');
  m.close();
});
