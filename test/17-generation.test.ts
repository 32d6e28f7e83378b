// Native generation on the tiny BART: greedy equal to transformers.js token for token, the
// cached (merged) decoder equal to the uncached one, and beam search equal to a plain reference
// beam search over onnxruntime-node (transformers.js runs greedy whenever num_beams > 1).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { AutoModelForSeq2SeqLM, AutoTokenizer, env } from '@huggingface/transformers';
import t from 'tap';

import { Seq2SeqGenerator } from '../src/enrich/seq2seq-generator.js';
import { locateModel } from '../src/models/model-location.js';
import { readSummarizerModelFiles } from '../src/models/summarizer-model-files.js';
import { loadAddon } from '../src/native/load-addon.js';
import { ensureRuntime } from '../src/native/runtime.js';
import { createTicketGenerator } from '../src/seed/ticket-generator.js';
import { runnableVariants, TINY_BART } from './helpers.js';
import { ReferenceSeq2Seq } from './reference-beam-search.js';

const bodies = createTicketGenerator(42)
  .take(8)
  .map((g) => g.ticket.body);

async function generator(dir: string, cpu?: string): Promise<Seq2SeqGenerator> {
  const { addon } = loadAddon(cpu);
  await ensureRuntime(addon, undefined);
  return Seq2SeqGenerator.load(addon, await readSummarizerModelFiles(locateModel(dir, 'summarizer'), { dtype: 'fp32' }), { tokenBudget: 2048, maxBatch: 4 });
}

t.test('greedy: token for token what transformers.js generates', async (t) => {
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(TINY_BART);
  const tokenizer = await AutoTokenizer.from_pretrained(path.basename(TINY_BART));
  const model = await AutoModelForSeq2SeqLM.from_pretrained(path.basename(TINY_BART), { dtype: 'fp32' });
  const expected: number[][] = [];
  for (const body of bodies) {
    // The pipeline's input: config.json's prefix, then the text.
    const out = await model.generate({ ...tokenizer(` ${body}`), max_new_tokens: 24, min_new_tokens: 8, num_beams: 1, do_sample: false });
    const ids = ((out as { tolist(): bigint[][] }).tolist())[0]!.map(Number).slice(1); // without the start token
    expected.push(ids.at(-1) === 2 ? ids.slice(0, -1) : ids); // and without the final EOS
  }
  await model.dispose();
  t.ok(expected.some((ids) => ids.length < 24), 'some outputs stop at EOS before the limit');
  for (const cpu of runnableVariants()) {
    const g = await generator(TINY_BART, cpu);
    const { ids, texts } = await g.generate(bodies, { maxNewTokens: 24, minNewTokens: 8, numBeams: 1 });
    t.same(ids.map((x) => Array.from(x)), expected, `${cpu}: batched greedy equals transformers.js on ${bodies.length} texts`);
    const decoded = bodies.map((_, i) => tokenizer.decode(expected[i]!, { skip_special_tokens: true }));
    t.same(texts, decoded, `${cpu}: decoded text equals transformers.js' decode`);
    g.close();
  }
});

t.test('the cached decoder and the uncached one give the same tokens', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-bart-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const uncachedDir = path.join(dir, 'uncached-bart');
  cpSync(TINY_BART, uncachedDir, { recursive: true });
  rmSync(path.join(uncachedDir, 'onnx', 'decoder_model_merged.onnx'));
  const cached = await generator(TINY_BART);
  const uncached = await generator(uncachedDir);
  t.equal(cached.files.decoderKind, 'merged');
  t.equal(uncached.files.decoderKind, 'uncached');
  for (const numBeams of [1, 3]) {
    const [a, b] = await Promise.all([cached.generate(bodies, { maxNewTokens: 20, numBeams }), uncached.generate(bodies, { maxNewTokens: 20, numBeams })]);
    t.same(a.ids.map((x) => Array.from(x)), b.ids.map((x) => Array.from(x)), `num_beams ${numBeams}`);
  }
  cached.close();
  uncached.close();
});

t.test('beam search equals the reference beam search', async (t) => {
  const reference = await ReferenceSeq2Seq.load(TINY_BART);
  const g = await generator(TINY_BART);
  const cases = [
    { numBeams: 2, lengthPenalty: 1.0, earlyStopping: false as const, noRepeatNgramSize: 0, minLength: 0, maxLength: 18 },
    { numBeams: 4, lengthPenalty: 2.0, earlyStopping: true as const, noRepeatNgramSize: 3, minLength: 6, maxLength: 24 },
    { numBeams: 3, lengthPenalty: 0.5, earlyStopping: 'never' as const, noRepeatNgramSize: 2, minLength: 0, maxLength: 20 },
  ];
  let differsFromGreedy = 0;
  const greedy = (await g.generate(bodies.slice(0, 4), { maxLength: 24, numBeams: 1, minLength: 0, noRepeatNgramSize: 0 })).ids;
  for (const c of cases) {
    const ours = await g.generate(bodies.slice(0, 4), c);
    for (let i = 0; i < 4; i++) {
      const expected = await reference.beamSearch(` ${bodies[i]}`, { ...c, decoderStartTokenId: 2, eosTokenId: 2, forcedBosTokenId: 0, forcedEosTokenId: 2 });
      t.same(Array.from(ours.ids[i]!), expected, `beams ${c.numBeams}, penalty ${c.lengthPenalty}, early ${String(c.earlyStopping)}, text ${i}`);
      if (c.numBeams === 4 && JSON.stringify(Array.from(ours.ids[i]!)) !== JSON.stringify(Array.from(greedy[i]!))) differsFromGreedy++;
    }
  }
  t.ok(differsFromGreedy > 0, `beam search differs from greedy on ${differsFromGreedy} of 4 texts (so the test can tell them apart)`);
  g.close();
});

t.test('generation options are validated', async (t) => {
  const g = await generator(TINY_BART);
  await t.rejects(g.generate(['x'], { numBeams: 0 }), { code: 'INPUT_INVALID', message: /generation\.numBeams/ });
  await t.rejects(g.generate(['x'], { maxLength: 1 }), { code: 'INPUT_INVALID', message: /generation\.maxLength/ });
  await t.rejects(g.generate(['x'], { temperature: 0.7 } as never), { code: 'INPUT_INVALID', message: /Unrecognized key: "temperature"/ });
  t.same(await g.generate([], {}), { ids: [], texts: [], timings: { tokenize: 0, encode: 0, generate: 0 } });
  g.close();
});
