// One benchmark contestant, run in its own process so that runtimes do not share ONNX Runtime
// state or warm caches:   tsx bench/contestant.ts '<json spec>'
// It loads its runtime, does one warm-up run, prints "ready", then answers each "run" line on
// stdin with one timed run, as a JSON line { seconds }, until stdin ends. bench/run.ts keeps every
// contestant of a table alive and asks them in turn, round after round, so that the shared
// machine's slow and fast minutes fall on all of them alike.
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { benchTexts, benchTickets } from './workload.js';

interface Common {
  name: string;
  texts: number;
  threads: number;
  /** extra environment for the contestant's process (e.g. TICKET_PROCESSOR_FUSE_DENSE=1) */
  env?: Record<string, string>;
}

export type ContestantSpec = Common &
  (
    | { kind: 'tp-embed'; modelDir: string; cpu?: string; dtype?: 'fp32' | 'q8' }
    | { kind: 'tp-classify'; modelDir: string; dtype?: 'fp32' | 'q8' }
    /**
     * classify(tickets): both models in one native call, one tokenization, then the taxonomy and
     * sentiment rules: what enrich() computes besides the summary
     */
    | { kind: 'tp-enrich'; embeddingDir: string; sentimentDir: string }
    /** enrichMany(tickets) with no summarizer model: the same plus extractive summaries */
    | { kind: 'tp-enrich-extractive'; embeddingDir: string; sentimentDir: string }
    /** the same two models called one after the other, each tokenizing for itself */
    | { kind: 'tp-separate'; embeddingDir: string; sentimentDir: string }
    /** onnxFile: relative to modelDir (default onnx/model.onnx), or an absolute path */
    | { kind: 'ort-session'; modelDir: string; batchesFile: string; output: string; onnxFile?: string }
    | { kind: 'tjs-embed'; modelDir: string; batchSize: number; maxLength: number }
    | { kind: 'tjs-classify'; modelDir: string; batchSize: number; maxLength: number }
    /** summaries of ticket bodies with a fixed output length (min = max new tokens) */
    | { kind: 'tp-summarize'; modelDir: string; newTokens: number; numBeams: number }
    | { kind: 'tjs-summarize'; modelDir: string; newTokens: number; batchSize: number }
    /** enrichMany() with all three models */
    | { kind: 'tp-enrich-all'; embeddingDir: string; sentimentDir: string; summarizerDir: string }
  );

export interface SavedBatch {
  batch: number;
  seq: number;
  inputIds: number[];
  attentionMask: number[];
  tokenTypeIds: number[];
}

interface Prepared {
  /** One timed unit of work. */
  work: () => Promise<unknown>;
  close?: () => unknown;
}

async function prepare(spec: ContestantSpec): Promise<Prepared> {
  const texts = benchTexts(spec.texts);
  switch (spec.kind) {
    case 'tp-embed': {
      const { createEnricher } = await import('../src/index.js');
      const enricher = await createEnricher({
        models: spec.modelDir,
        threads: spec.threads,
        ...(spec.cpu && { cpu: spec.cpu as 'generic' }),
        ...(spec.dtype && { dtype: spec.dtype }),
      });
      return { work: () => enricher.embed(texts), close: () => enricher.close() };
    }
    case 'tp-classify': {
      const { SequenceClassifier } = await import('../src/enrich/sequence-classifier.js');
      const { DEFAULT_BATCH_SETTINGS } = await import('../src/enrich/embedder.js');
      const { readClassifierModelFiles } = await import('../src/models/classifier-model-files.js');
      const { locateModel } = await import('../src/models/model-location.js');
      const { loadAddon } = await import('../src/native/load-addon.js');
      const { ensureRuntime } = await import('../src/native/runtime.js');
      const { addon } = loadAddon();
      await ensureRuntime(addon, spec.threads);
      const files = await readClassifierModelFiles(locateModel(spec.modelDir, 'sentiment'), { role: 'sentiment', dtype: spec.dtype ?? 'fp32' });
      const classifier = await SequenceClassifier.load(addon, files, DEFAULT_BATCH_SETTINGS);
      return { work: () => classifier.classify(texts), close: () => classifier.close() };
    }
    case 'tp-enrich':
    case 'tp-enrich-extractive':
    case 'tp-separate': {
      const { createEnricher } = await import('../src/index.js');
      const enricher = await createEnricher({ models: { embedding: spec.embeddingDir, sentiment: spec.sentimentDir }, threads: spec.threads });
      const tickets = benchTickets(spec.texts);
      const { SequenceClassifier } = await import('../src/enrich/sequence-classifier.js');
      const { DEFAULT_BATCH_SETTINGS } = await import('../src/enrich/embedder.js');
      const { readClassifierModelFiles } = await import('../src/models/classifier-model-files.js');
      const { locateModel } = await import('../src/models/model-location.js');
      const { loadAddon } = await import('../src/native/load-addon.js');
      const { ticketText } = await import('../src/enrich/ticket-schema.js');
      const classifier = await SequenceClassifier.load(
        loadAddon().addon,
        await readClassifierModelFiles(locateModel(spec.sentimentDir, 'sentiment'), { role: 'sentiment', dtype: 'fp32' }),
        DEFAULT_BATCH_SETTINGS,
      );
      const ticketTexts = tickets.map(ticketText);
      const separately = async () => {
        await enricher.embed(ticketTexts);
        await classifier.classify(ticketTexts);
      };
      const work = { 'tp-enrich': () => enricher.classify(tickets), 'tp-enrich-extractive': () => enricher.enrichMany(tickets), 'tp-separate': separately }[spec.kind];
      return {
        work,
        close: async () => {
          classifier.close();
          await enricher.close();
        },
      };
    }
    case 'tp-summarize': {
      const { Seq2SeqGenerator } = await import('../src/enrich/seq2seq-generator.js');
      const { readSummarizerModelFiles } = await import('../src/models/summarizer-model-files.js');
      const { locateModel } = await import('../src/models/model-location.js');
      const { loadAddon } = await import('../src/native/load-addon.js');
      const { ensureRuntime } = await import('../src/native/runtime.js');
      const { addon } = loadAddon();
      await ensureRuntime(addon, spec.threads);
      const files = await readSummarizerModelFiles(locateModel(spec.modelDir, 'summarizer'), { dtype: 'fp32' });
      const generator = await Seq2SeqGenerator.load(addon, files, { tokenBudget: 2048, maxBatch: 8 });
      const bodies = benchTickets(spec.texts).map((t) => t.body);
      const options = { maxNewTokens: spec.newTokens, minNewTokens: spec.newTokens, numBeams: spec.numBeams };
      return { work: () => generator.generate(bodies, options), close: () => generator.close() };
    }
    case 'tjs-summarize': {
      const { env, pipeline } = await import('@huggingface/transformers');
      env.allowRemoteModels = false;
      env.localModelPath = path.dirname(spec.modelDir);
      const pipe = await pipeline('summarization', path.basename(spec.modelDir), {
        dtype: 'fp32',
        session_options: { intraOpNumThreads: spec.threads, interOpNumThreads: 1 },
      });
      const bodies = benchTickets(spec.texts).map((t) => t.body);
      const options = { max_new_tokens: spec.newTokens, min_new_tokens: spec.newTokens, num_beams: 1, do_sample: false };
      const call = pipe as unknown as (t: string[], o: object) => Promise<unknown>;
      return {
        work: async () => {
          for (let i = 0; i < bodies.length; i += spec.batchSize) await call(bodies.slice(i, i + spec.batchSize), options);
        },
      };
    }
    case 'tp-enrich-all': {
      const { createEnricher } = await import('../src/index.js');
      const enricher = await createEnricher({ models: { embedding: spec.embeddingDir, sentiment: spec.sentimentDir, summarizer: spec.summarizerDir }, threads: spec.threads });
      const tickets = benchTickets(spec.texts);
      return { work: () => enricher.enrichMany(tickets), close: () => enricher.close() };
    }
    case 'ort-session': {
      const ort = await import('onnxruntime-node');
      const onnxFile = spec.onnxFile ?? 'onnx/model.onnx';
      const session = await ort.InferenceSession.create(path.isAbsolute(onnxFile) ? onnxFile : path.join(spec.modelDir, ...onnxFile.split('/')), {
        intraOpNumThreads: spec.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
      const wantsTypes = session.inputNames.includes('token_type_ids');
      const batches = (JSON.parse(readFileSync(spec.batchesFile, 'utf8')) as SavedBatch[]).map((b) => {
        const dims = [b.batch, b.seq];
        const tensor = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v, BigInt), dims);
        return {
          input_ids: tensor(b.inputIds),
          attention_mask: tensor(b.attentionMask),
          ...(wantsTypes && { token_type_ids: tensor(b.tokenTypeIds) }),
        };
      });
      // Tensors are built before timing: this is session.run alone, the floor any binding can reach.
      return {
        work: async () => {
          for (const feeds of batches) await session.run(feeds, [spec.output]);
        },
        close: () => session.release(),
      };
    }
    case 'tjs-embed':
    case 'tjs-classify': {
      const { env, pipeline } = await import('@huggingface/transformers');
      env.allowRemoteModels = false;
      env.localModelPath = path.dirname(spec.modelDir);
      const task = spec.kind === 'tjs-embed' ? 'feature-extraction' : 'text-classification';
      const pipe = await pipeline(task, path.basename(spec.modelDir), {
        dtype: 'fp32',
        session_options: { intraOpNumThreads: spec.threads, interOpNumThreads: 1 },
      });
      // Same truncation as every other contestant (its tokenizer_config says 512).
      (pipe.tokenizer as unknown as { _tokenizerConfig: { model_max_length: number } })._tokenizerConfig.model_max_length = spec.maxLength;
      const call = (batch: string[]) =>
        spec.kind === 'tjs-embed'
          ? (pipe as unknown as (t: string[], o: object) => Promise<unknown>)(batch, { pooling: 'mean', normalize: true })
          : (pipe as unknown as (t: string[], o: object) => Promise<unknown>)(batch, { top_k: null });
      // As an application would call it: batches of batchSize in arrival order.
      return {
        work: async () => {
          for (let i = 0; i < texts.length; i += spec.batchSize) await call(texts.slice(i, i + spec.batchSize));
        },
      };
    }
  }
}

const spec = JSON.parse(process.argv[2]!) as ContestantSpec;
const { work, close } = await prepare(spec);
await work(); // warm-up: session arenas, caches, JIT
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'run') continue;
  const t0 = performance.now();
  await work();
  process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - t0) / 1000 })}\n`);
}
await close?.();
