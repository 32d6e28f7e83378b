import { TicketProcessorError } from '../errors.js';
import { readClassifierModelFiles } from '../models/classifier-model-files.js';
import { readEmbeddingModelFiles } from '../models/embedding-model-files.js';
import { readSummarizerModelFiles } from '../models/summarizer-model-files.js';
import type { Dtype } from '../models/model-folder.js';
import type { ModelLocation } from '../models/model-location.js';
import { modelProvenance, type ModelProvenance } from '../models/provenance.js';
import { resolveModelLocations } from '../models/resolve-models.js';
import type { CpuReport, CpuVariant, RuntimeInfo } from '../native/addon-types.js';
import { type LoadedAddon, loadAddon } from '../native/load-addon.js';
import { ensureRuntime } from '../native/runtime.js';
import { PACKAGE_VERSION } from '../package-info.js';
import { sentimentFromProbabilities, sentimentLabelIndices } from './classify/sentiment.js';
import { TaxonomyClassifier } from './classify/taxonomy-classifier.js';
import { type BatchSettings, DEFAULT_BATCH_SETTINGS, Embedder, rowsOf } from './embedder.js';
import { type Classification, composeEnrichedTicket, type EnrichedTicket, type Enrichment } from './enriched-ticket.js';
import { type EnricherOptions, parseEnricherOptions } from './enricher-options.js';
import { type GenerationOptions, Seq2SeqGenerator } from './seq2seq-generator.js';
import { SequenceClassifier } from './sequence-classifier.js';
import { addStageTimings, type StageTimings } from './stage-timings.js';
import { DEFAULT_SUMMARY_RULES, summarizeTickets, type SummaryRules } from './summaries.js';
import { loadTaxonomy } from './taxonomy/load-taxonomy.js';
import type { Scoring } from './taxonomy/taxonomy-schema.js';
import { parseRawTicket, type RawTicket, type RawTicketInput, ticketText } from './ticket-schema.js';

export type { EnricherOptions } from './enricher-options.js';

interface ModelInfo {
  id: string;
  path: string;
  source: ModelLocation['source'];
  dtype: Dtype;
  file: string;
  maxLength: number;
  /** the commit the files come from (cache manifest of a pull); undefined for a plain folder */
  revision: string | undefined;
  /** sha256 of each ONNX file loaded, by path relative to the folder; computed once at load */
  sha256: Record<string, string>;
}

export interface EnricherInfo {
  version: string;
  variant: CpuVariant;
  /** which implementation of the addon's own kernels this variant runs */
  simd: string;
  addonPath: string;
  cpu: CpuReport & { available: CpuVariant[] };
  onnxruntime: RuntimeInfo;
  models: {
    embedding: ModelInfo & { dim: number; normalize: boolean };
    /** null when no sentiment model is loaded (classify/enrich then fail with MODEL_NOT_FOUND) */
    sentiment: (ModelInfo & { labels: string[] }) | null;
    /** null when no summarizer model is loaded: summaries are then extractive */
    summarizer: (Omit<ModelInfo, 'file' | 'maxLength'> & { encoder: string; decoder: string; decoderKind: 'merged' | 'uncached'; maxInputLength: number }) | null;
  };
  /** true when the embedding and sentiment tokenizers are identical: each text is tokenized once */
  sharedTokenization: boolean | null;
  taxonomy: { source: string; intents: string[]; urgency: string[]; intentScoring: Scoring; urgencyScoring: Scoring };
  sentiment: { neutralBelow: number };
  summaries: SummaryRules;
  batching: BatchSettings;
}

interface EnricherParts {
  addon: LoadedAddon;
  runtime: RuntimeInfo;
  embedder: Embedder;
  sentiment: SequenceClassifier | undefined;
  sentimentMissing: string | undefined;
  summarizer: Seq2SeqGenerator | undefined;
  summaryRules: SummaryRules;
  intents: TaxonomyClassifier;
  urgency: TaxonomyClassifier;
  taxonomySource: string;
  neutralBelow: number;
  batching: BatchSettings;
  /** per loaded model: id, revision, dtype, sha256 of its ONNX files (null: no such model) */
  provenance: { embedding: ModelProvenance; sentiment: ModelProvenance | null; summarizer: ModelProvenance | null };
}

function modelInfo(files: { location: ModelLocation; dtype: Dtype; onnxPath: string; maxLength: number }, provenance: ModelProvenance): ModelInfo {
  return {
    id: files.location.id,
    path: files.location.dir,
    source: files.location.source,
    dtype: files.dtype,
    file: files.onnxPath,
    maxLength: files.maxLength,
    revision: provenance.revision,
    sha256: { ...provenance.sha256 },
  };
}

/** A copy for one EnrichedTicket (each ticket owns its objects). */
function provenanceOf(p: ModelProvenance): ModelProvenance {
  return { id: p.id, revision: p.revision, dtype: p.dtype, sha256: { ...p.sha256 } };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function validateTexts(texts: unknown): asserts texts is string[] {
  if (!Array.isArray(texts)) {
    const hint = typeof texts === 'string' ? ' (wrap a single text: embed([text]))' : '';
    throw new TicketProcessorError('INPUT_INVALID', `embed(texts) takes an array of strings, got ${describe(texts)}${hint}`);
  }
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') {
      throw new TicketProcessorError('INPUT_INVALID', `texts[${i}] is ${describe(texts[i])}; every text must be a string`);
    }
  }
}

/** Every ticket checked against the RawTicket schema; all violations of all tickets in one error. */
function validateTickets(tickets: unknown, call: string): RawTicket[] {
  if (!Array.isArray(tickets)) {
    throw new TicketProcessorError('INPUT_INVALID', `${call}(tickets) takes an array of tickets, got ${describe(tickets)}`);
  }
  const problems: string[] = [];
  const parsed = tickets.map((t, i) => {
    try {
      return parseRawTicket(t, `tickets[${i}]`);
    } catch (e) {
      problems.push((e as Error).message.split('\n').slice(1).join('\n'));
      return undefined;
    }
  });
  if (problems.length > 0) throw new TicketProcessorError('INPUT_INVALID', `invalid tickets:\n${problems.join('\n')}`);
  return parsed as RawTicket[];
}

/**
 * Enriches support tickets: embeddings, intent, urgency and sentiment. Create with
 * createEnricher(); close() when done.
 */
export class Enricher {
  #parts: EnricherParts | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  /** @internal use createEnricher() */
  constructor(parts: EnricherParts) {
    this.#parts = parts;
  }

  /**
   * One Float32Array per text, in input order, of the model's hidden size and unit length.
   * Runs on the libuv thread pool: the event loop stays free while it works.
   */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return this.#track(async () => {
      validateTexts(texts);
      return this.#open().embedder.embed(texts);
    });
  }

  /** Intent, urgency and sentiment for each ticket (RawTicket objects), in input order. */
  classify(tickets: readonly RawTicketInput[]): Promise<Classification[]> {
    return this.#track(async () => (await this.#run(validateTickets(tickets, 'classify'))).classifications);
  }

  /** The EnrichedTicket of DESIGN.md for one RawTicket. */
  enrich(ticket: RawTicketInput): Promise<EnrichedTicket> {
    return this.#track(async () => {
      const parsed = parseRawTicket(ticket, 'ticket');
      return (await this.#enrichValid([parsed]))[0]!;
    });
  }

  /** enrich() for many tickets in native batches (one tokenization, one pass per model). */
  enrichMany(tickets: readonly RawTicketInput[], options: { timings?: StageTimings } = {}): Promise<EnrichedTicket[]> {
    return this.#track(async () => this.#enrichValid(validateTickets(tickets, 'enrichMany'), options.timings));
  }

  /**
   * A summary per ticket (DESIGN.md: summarize(tickets) -> string[]), by the Python system's
   * rules; `options` overrides generation settings (numBeams, maxNewTokens, ...).
   */
  summarize(tickets: readonly RawTicketInput[], options: GenerationOptions = {}): Promise<string[]> {
    return this.#track(async () => {
      const p = this.#open();
      const valid = validateTickets(tickets, 'summarize');
      const summaries = await summarizeTickets(valid, p.summaryRules, p.summarizer, (t) => p.embedder.embed(t), options);
      return summaries.map((s) => s.text);
    });
  }

  info(): EnricherInfo {
    const p = this.#open();
    const e = p.embedder.files;
    const s = p.sentiment?.files;
    const g = p.summarizer?.files;
    return {
      version: PACKAGE_VERSION,
      variant: p.addon.variant,
      simd: p.addon.addon.kernels.simd,
      addonPath: p.addon.file,
      cpu: { ...p.addon.cpu, available: p.addon.available },
      onnxruntime: { ...p.runtime },
      models: {
        embedding: { ...modelInfo(e, p.provenance.embedding), dim: p.embedder.dim, normalize: e.normalize },
        sentiment: s && p.provenance.sentiment ? { ...modelInfo(s, p.provenance.sentiment), labels: [...s.labels] } : null,
        summarizer:
          g && p.provenance.summarizer
            ? {
                id: g.location.id,
                path: g.location.dir,
                source: g.location.source,
                dtype: g.dtype,
                revision: p.provenance.summarizer.revision,
                sha256: { ...p.provenance.summarizer.sha256 },
                encoder: g.encoderPath,
                decoder: g.decoderPath,
                decoderKind: g.decoderKind,
                maxInputLength: g.maxInputLength,
              }
            : null,
      },
      sharedTokenization: p.sentiment ? p.embedder.tokenizerFingerprint === p.sentiment.tokenizerFingerprint : null,
      taxonomy: {
        source: p.taxonomySource,
        intents: [...p.intents.names],
        urgency: [...p.urgency.names],
        intentScoring: { ...p.intents.section.scoring },
        urgencyScoring: { ...p.urgency.section.scoring },
      },
      sentiment: { neutralBelow: p.neutralBelow },
      summaries: { ...p.summaryRules },
      batching: { ...p.batching },
    };
  }

  /** Waits for calls in flight, then frees the models. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      this.#parts?.embedder.close();
      this.#parts?.sentiment?.close();
      this.#parts?.summarizer?.close();
      this.#parts = undefined;
    })();
    return this.#closing;
  }

  async #enrichValid(tickets: RawTicket[], timings?: StageTimings): Promise<EnrichedTicket[]> {
    const p = this.#open();
    const { embeddings, classifications } = await this.#run(tickets, timings);
    const summaries = await summarizeTickets(tickets, p.summaryRules, p.summarizer, (t) => p.embedder.embed(t), {}, timings);
    const processedAt = new Date();
    const models = (): Enrichment['models'] => ({
      embedding: provenanceOf(p.provenance.embedding),
      sentiment: provenanceOf(p.provenance.sentiment!),
      summarizer: p.provenance.summarizer ? provenanceOf(p.provenance.summarizer) : null,
    });
    return tickets.map((t, i) =>
      composeEnrichedTicket(t, embeddings[i]!, classifications[i]!, summaries[i]!, {
        processedAt,
        modelVersion: `ticket-processor@${PACKAGE_VERSION}`,
        models: models(),
        cpuVariant: p.addon.variant,
      }),
    );
  }

  /** Both models over all tickets in one native call, then the taxonomy and sentiment rules. */
  async #run(tickets: RawTicket[], timings?: StageTimings): Promise<{ embeddings: Float32Array[]; classifications: Classification[] }> {
    const p = this.#open();
    if (!p.sentiment) {
      throw new TicketProcessorError(
        'MODEL_NOT_FOUND',
        `no sentiment model is loaded, so tickets cannot be classified: pass models.sentiment to createEnricher() or install the default (${p.sentimentMissing ?? 'not found'})`,
      );
    }
    if (tickets.length === 0) return { embeddings: [], classifications: [] };
    const texts = tickets.map(ticketText);
    const out = await p.addon.addon.analyzeTexts(texts, { embedding: p.embedder.nativeModel(), classifier: p.sentiment.nativeModel() });
    addStageTimings(timings, out.timings);
    const embeddings = rowsOf(out.embeddings!.data, out.embeddings!.dim, texts.length);
    const { probs, labels } = out.classification!;
    const labelNames = p.sentiment.files.labels;
    const indices = sentimentLabelIndices(labelNames, p.sentiment.files.location.dir);
    const classifications = tickets.map((ticket, i): Classification => {
      const urgency = ticket.priority
        ? { label: ticket.priority, confidence: 1, top: [{ label: ticket.priority, score: 1 }], source: 'priority' as const }
        : { ...p.urgency.classify(texts[i]!, embeddings[i]), source: 'model' as const };
      return {
        intent: p.intents.classify(texts[i]!, embeddings[i]),
        urgency: urgency as Classification['urgency'],
        sentiment: sentimentFromProbabilities(probs.subarray(i * labels, (i + 1) * labels), labelNames, indices, p.neutralBelow),
      };
    });
    return { embeddings, classifications };
  }

  #open(): EnricherParts {
    if (this.#closing || !this.#parts) {
      throw new TicketProcessorError('ENRICHER_CLOSED', 'this enricher was closed; create a new one with createEnricher()');
    }
    return this.#parts;
  }

  #track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

/** Loads the addon variant, ONNX Runtime, the models and the taxonomy. */
export async function createEnricher(options: EnricherOptions = {}): Promise<Enricher> {
  const opts = parseEnricherOptions(options);
  const addon = loadAddon(opts.cpu);
  const runtime = await ensureRuntime(addon.addon, opts.threads);
  const dtype = opts.dtype ?? 'fp32';
  const locations = await resolveModelLocations(opts.models, { dtype, ...(opts.pull !== undefined && { pull: opts.pull }) });
  const batching: BatchSettings = {
    tokenBudget: opts.tokenBudget ?? DEFAULT_BATCH_SETTINGS.tokenBudget,
    maxBatch: opts.maxBatch ?? DEFAULT_BATCH_SETTINGS.maxBatch,
  };
  const taxonomyOption = (options as EnricherOptions).taxonomy ?? process.env.TICKET_PROCESSOR_TAXONOMY ?? undefined;
  const [embeddingFiles, sentimentFiles, summarizerFiles, taxonomy] = await Promise.all([
    readEmbeddingModelFiles(locations.embedding, { dtype, ...(opts.maxLength !== undefined && { maxLength: opts.maxLength }) }),
    locations.sentiment ? readClassifierModelFiles(locations.sentiment, { role: 'sentiment', dtype }) : undefined,
    locations.summarizer ? readSummarizerModelFiles(locations.summarizer, { dtype }) : undefined,
    loadTaxonomy(taxonomyOption),
  ]);
  const summaryRules: SummaryRules = { ...DEFAULT_SUMMARY_RULES, maxSummaryLength: opts.maxSummaryLength ?? maxSummaryLengthFromEnv() ?? DEFAULT_SUMMARY_RULES.maxSummaryLength };
  if (sentimentFiles) sentimentLabelIndices(sentimentFiles.labels, `${sentimentFiles.location.dir}/config.json`);

  // sha256 of the ONNX files, streamed (or from the cache manifest), while the models load.
  const provenance = Promise.all([
    modelProvenance(embeddingFiles.location, embeddingFiles.dtype, [embeddingFiles.onnxPath]),
    sentimentFiles ? modelProvenance(sentimentFiles.location, sentimentFiles.dtype, [sentimentFiles.onnxPath]) : null,
    summarizerFiles ? modelProvenance(summarizerFiles.location, summarizerFiles.dtype, [summarizerFiles.encoderPath, summarizerFiles.decoderPath]) : null,
  ]);
  provenance.catch(() => undefined); // awaited below; a load error may come first
  const embedder = await Embedder.load(addon.addon, embeddingFiles, batching);
  let sentiment: SequenceClassifier | undefined;
  let summarizer: Seq2SeqGenerator | undefined;
  try {
    if (sentimentFiles) sentiment = await SequenceClassifier.load(addon.addon, sentimentFiles, batching);
    // Generation batches are smaller: each text becomes num_beams decoder rows per step.
    if (summarizerFiles) summarizer = await Seq2SeqGenerator.load(addon.addon, summarizerFiles, { tokenBudget: batching.tokenBudget * 2, maxBatch: 8 });
    const embedExamples = (texts: string[]) => embedder.embed(texts);
    const [intents, urgency] = await Promise.all([
      TaxonomyClassifier.create(taxonomy.intents, embedExamples, addon.addon.kernels),
      TaxonomyClassifier.create(taxonomy.urgency, embedExamples, addon.addon.kernels),
    ]);
    const [embeddingProvenance, sentimentProvenance, summarizerProvenance] = await provenance;
    return new Enricher({
      addon,
      runtime,
      embedder,
      sentiment,
      sentimentMissing: locations.missing.sentiment,
      summarizer,
      summaryRules,
      intents,
      urgency,
      taxonomySource: typeof taxonomyOption === 'string' ? taxonomyOption : taxonomyOption ? 'object' : 'built-in',
      neutralBelow: opts.neutralBelow ?? 0.55,
      batching,
      provenance: { embedding: embeddingProvenance, sentiment: sentimentProvenance, summarizer: summarizerProvenance },
    });
  } catch (e) {
    embedder.close();
    sentiment?.close();
    summarizer?.close();
    throw e;
  }
}

function maxSummaryLengthFromEnv(): number | undefined {
  const raw = process.env.MAX_SUMMARY_LENGTH;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 2 || n > 1024) {
    throw new TicketProcessorError('CONFIG_INVALID', `MAX_SUMMARY_LENGTH must be an integer from 2 to 1024, got "${raw}"`);
  }
  return n;
}
