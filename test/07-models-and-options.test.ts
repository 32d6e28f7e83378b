// Model folders that are missing files or hold corrupt ones, and option validation.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t, { type Test } from 'tap';

import { createEnricher } from '../src/index.js';
import { TINY_BERT } from './helpers.js';

function copyOfTinyModel(t: Test): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-model-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const model = path.join(dir, 'model');
  cpSync(TINY_BERT, model, { recursive: true });
  return model;
}

t.test('a folder missing a file is MODEL_NOT_FOUND naming the file', async (t) => {
  for (const file of ['onnx/model.onnx', 'tokenizer.json', 'config.json']) {
    const dir = copyOfTinyModel(t);
    rmSync(path.join(dir, file));
    await t.rejects(createEnricher({ models: { embedding: dir } }), { code: 'MODEL_NOT_FOUND', message: new RegExp(`missing ${file}`) }, file);
  }
  await t.rejects(createEnricher({ models: { embedding: '/nonexistent/model/dir' } }), { code: 'MODEL_NOT_FOUND', message: /does not exist/ });
  const dir = copyOfTinyModel(t);
  rmSync(path.join(dir, 'onnx', 'model_quantized.onnx'), { force: true }); // the fixture has one (test/23-int8.test.ts)
  await t.rejects(createEnricher({ models: dir, dtype: 'q8' }), { code: 'MODEL_NOT_FOUND', message: /model_quantized\.onnx/ });
});

t.test('corrupt files are MODEL_INVALID naming the file', async (t) => {
  const truncated = copyOfTinyModel(t);
  const onnx = path.join(truncated, 'onnx', 'model.onnx');
  writeFileSync(onnx, readFileSync(onnx).subarray(0, 50_000));
  await t.rejects(createEnricher({ models: truncated }), { code: 'MODEL_INVALID', message: /model\.onnx/ });

  const garbage = copyOfTinyModel(t);
  writeFileSync(path.join(garbage, 'onnx', 'model.onnx'), 'this is not a protobuf');
  await t.rejects(createEnricher({ models: garbage }), { code: 'MODEL_INVALID' });

  const badJson = copyOfTinyModel(t);
  writeFileSync(path.join(badJson, 'tokenizer.json'), '{"model": {"type": "WordPiece", ');
  await t.rejects(createEnricher({ models: badJson }), { code: 'MODEL_INVALID', message: /tokenizer\.json/ });

  const unigram = copyOfTinyModel(t);
  const tok = JSON.parse(readFileSync(path.join(unigram, 'tokenizer.json'), 'utf8'));
  tok.model.type = 'Unigram';
  writeFileSync(path.join(unigram, 'tokenizer.json'), JSON.stringify(tok));
  await t.rejects(createEnricher({ models: unigram }), { code: 'MODEL_INVALID', message: /Unigram/ });

  const mismatched = copyOfTinyModel(t);
  const config = JSON.parse(readFileSync(path.join(mismatched, 'config.json'), 'utf8'));
  writeFileSync(path.join(mismatched, 'config.json'), JSON.stringify({ ...config, vocab_size: 1000 }));
  await t.rejects(createEnricher({ models: mismatched }), { code: 'MODEL_INVALID', message: /does not belong to this model/ });

  const badConfig = copyOfTinyModel(t);
  writeFileSync(path.join(badConfig, 'config.json'), '[1, 2');
  await t.rejects(createEnricher({ models: badConfig }), { code: 'MODEL_INVALID', message: /config\.json is not valid JSON/ });
});

t.test('a hub id that is not in the cache says where to put it', async (t) => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'tp-cache-'));
  t.teardown(() => rmSync(cache, { recursive: true, force: true }));
  const saved = process.env.MODEL_CACHE_DIR;
  process.env.MODEL_CACHE_DIR = cache;
  t.teardown(() => (saved === undefined ? delete process.env.MODEL_CACHE_DIR : (process.env.MODEL_CACHE_DIR = saved)));
  await t.rejects(createEnricher({ models: { embedding: 'Xenova/all-MiniLM-L6-v2' } }), {
    code: 'MODEL_NOT_FOUND',
    message: new RegExp(`Xenova/all-MiniLM-L6-v2 is not in the model cache \\(${cache}`),
  });
  // Laid out as the cache expects, it loads.
  cpSync(TINY_BERT, path.join(cache, 'Xenova', 'all-MiniLM-L6-v2'), { recursive: true });
  const enricher = await createEnricher({ models: { embedding: 'Xenova/all-MiniLM-L6-v2' } });
  const info = enricher.info().models.embedding;
  t.equal(info.id, 'Xenova/all-MiniLM-L6-v2');
  t.equal(info.maxLength, 256, 'the known setting for all-MiniLM-L6-v2 (sentence-transformers max_seq_length)');
  await enricher.close();
  // A folder of models works too.
  const fromRoot = await createEnricher({ models: cache });
  t.equal(fromRoot.info().models.embedding.source, 'cache');
  await fromRoot.close();
});

t.test('invalid options are CONFIG_INVALID with every problem and its path', async (t) => {
  await t.rejects(createEnricher({ models: TINY_BERT, threads: 0 }), { code: 'CONFIG_INVALID', message: /options\.threads/ });
  await t.rejects(createEnricher({ models: TINY_BERT, threads: 1.5 }), { code: 'CONFIG_INVALID' });
  await t.rejects(createEnricher({ models: TINY_BERT, cpu: 'sse9' as 'generic' }), { code: 'CONFIG_INVALID', message: /options\.cpu/ });
  await t.rejects(createEnricher({ models: TINY_BERT, maxLength: 100_000 }), { code: 'CONFIG_INVALID', message: /exceeds the embedding model's 512 position embeddings/ });
  const e: Error = await createEnricher({ models: { embedding: '' }, tokenBudget: -1, colour: 'blue' } as never).then(
    () => new Error('expected a rejection'),
    (x: unknown) => x as Error,
  );
  t.match(e, { code: 'CONFIG_INVALID' });
  t.match(e.message, /options\.models/);
  t.match(e.message, /options\.tokenBudget/);
  t.match(e.message, /colour/);
});

t.test('maxLength comes from the model files when not given', async (t) => {
  const dir = copyOfTinyModel(t);
  const enricher = await createEnricher({ models: dir });
  t.equal(enricher.info().models.embedding.maxLength, 512, 'tokenizer_config.json model_max_length');
  await enricher.close();
  writeFileSync(path.join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 128 }));
  const sbert = await createEnricher({ models: dir });
  t.equal(sbert.info().models.embedding.maxLength, 128, 'sentence_bert_config.json max_seq_length wins');
  await sbert.close();
});
