/**
 * The AWS Lambda handler for an SQS event source mapping: the worker's per-message steps
 * (parseMessageBody → fetchTicket → one enrichMany batch → ResultStore.store) over the records
 * Lambda hands in, answering with a partial batch response so that Lambda deletes the messages
 * that succeeded and retries only the others.
 *
 * Init once per execution environment: the enricher (models from the environment, never
 * downloaded) and the AWS clients are created by the first invocation, or by warm() at import
 * time inside Lambda (index.ts), and kept for the life of the environment. An init failure is
 * kept too and thrown, with what failed and what to do, by every invocation.
 *
 * Time: the margin (TICKET_PROCESSOR_LAMBDA_MARGIN_MS) is kept in reserve to finish started work;
 * a message whose work has not started when only the margin remains fails at once. When only the
 * floor remains (1 s, or half the margin if less) the handler returns whatever is unfinished as
 * failed rather than be killed; writes still in flight are conditional, so a retry of such a
 * message is a duplicate, never a second record.
 */
import { type Logger, pino } from 'pino';

import { type AwsClients, createAwsClients } from '../aws/aws-settings.js';
import type { EnrichedTicket } from '../enrich/enriched-ticket.js';
import { createEnricher, type Enricher, type EnricherOptions } from '../enrich/enricher.js';
import { isTicketProcessorError } from '../errors.js';
import { MODEL_ENV, MODEL_ROLES } from '../models/registry.js';
import { Limiter } from '../worker/limiter.js';
import { type ObjectRef, parseMessageBody } from '../worker/message-parser.js';
import { ResultStore, type StoreOutcome } from '../worker/result-store.js';
import { fetchTicket, type SourceTicket } from '../worker/ticket-source.js';
import { describeError, isPoison, PoisonMessageError } from '../worker/worker-errors.js';
import { type LambdaSettings, lambdaSettingsFromEnv, marginFor } from './lambda-config.js';
import type { LambdaContext, SQSBatchResponse, SQSEvent, SQSRecord } from './lambda-types.js';

export interface LambdaHandlerOptions {
  /** default: process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * An enricher of yours (or a promise of one, or a function making one, called once); not
   * closed by close(). Default: createEnricher() with the models of the environment, pull: false.
   */
  enricher?: Enricher | Promise<Enricher> | (() => Promise<Enricher>);
  /**
   * Options for the default enricher, over the ones taken from `env` (see enricherOptionsFromEnv).
   * `pull` is always false: nothing is downloaded in Lambda.
   */
  enricherOptions?: EnricherOptions;
  /** default: clients from the environment's AWS settings (destroyed by close()) */
  clients?: AwsClients;
  /** default: pino JSON lines on stdout at TICKET_PROCESSOR_LOG_LEVEL */
  logger?: Logger;
  /** milliseconds, for the durations in logs; default performance.now */
  clock?: () => number;
}

export interface SqsHandler {
  (event: SQSEvent, context: LambdaContext): Promise<SQSBatchResponse>;
  /** Starts the init if it has not started; true once ready, false if it failed. Never rejects. */
  warm(): Promise<boolean>;
  /** Frees what the handler created (its enricher, its clients). For tests and embedding. */
  close(): Promise<void>;
}

/** Thrown by every invocation of a handler whose init failed. */
export class LambdaInitError extends Error {
  override readonly name = 'LambdaInitError';
  readonly code: string;
  constructor(message: string, code: string, cause: unknown) {
    super(message, { cause });
    this.code = code;
  }
}

interface Ready {
  settings: LambdaSettings;
  clients: AwsClients;
  store: ResultStore;
  enricher: Enricher;
  log: Logger;
}

type FailureKind = 'poison' | 'transient' | 'deadline';

interface Tracked {
  id: string;
  receiveCount: number;
  refs: ObjectRef[];
  /** refs not stored yet */
  pending: number;
  started: boolean;
  status: 'pending' | 'ok' | 'failed';
  failure: { kind: FailureKind; reason: string; message: string } | undefined;
}

interface TicketWork {
  source: SourceTicket;
  owners: Tracked[];
}

/**
 * The enricher options the environment asks for. With process.env, createEnricher reads
 * EMBEDDING_MODEL / CLASSIFIER_MODEL / SUMMARIZER_MODEL and MODEL_CACHE_DIR itself, exactly as
 * the worker and the CLI do. With another env (tests, embedding), the models it names are passed
 * as `models`; MODEL_CACHE_DIR in it is used as a folder of models when it names none (a hub id
 * in such an env is looked up in process.env's model cache).
 */
export function enricherOptionsFromEnv(env: NodeJS.ProcessEnv): EnricherOptions {
  const options: EnricherOptions = { pull: false };
  if (env === process.env) return options;
  const named = Object.fromEntries(MODEL_ROLES.flatMap((role) => (env[MODEL_ENV[role]]?.trim() ? [[role, env[MODEL_ENV[role]]!.trim()]] : [])));
  if (Object.keys(named).length > 0) options.models = named;
  else if (env.MODEL_CACHE_DIR?.trim()) options.models = env.MODEL_CACHE_DIR.trim();
  return options;
}

function initHint(code: string): string {
  if (code === 'MODEL_NOT_FOUND' || code === 'MODEL_INVALID') {
    return (
      'Ship the models with the function and point at them: a layer unpacked at /opt/models with MODEL_CACHE_DIR=/opt/models ' +
      '(laid out <org>/<name>/, as `ticket-processor models pull` writes it), or model folders named by EMBEDDING_MODEL, ' +
      'CLASSIFIER_MODEL and SUMMARIZER_MODEL. Models are never downloaded inside Lambda.'
    );
  }
  if (code === 'NATIVE_LOAD_FAILED') {
    return (
      "Ship the native addon for the function's architecture (prebuilds/ or build/Release) and ONNX Runtime's shared library " +
      '(node_modules/onnxruntime-node/bin/napi-v6/linux/<arch>/libonnxruntime.so.1, or a file named by ORT_LIBRARY_PATH) in the zip or image.'
    );
  }
  if (code === 'CONFIG_INVALID') return "Fix the function's environment variables named above.";
  return 'See the cause above; the function needs a new deployment or configuration to recover.';
}

/** An SQS event source mapping handler; see the module comment and the README's AWS Lambda section. */
export function createHandler(options: LambdaHandlerOptions = {}): SqsHandler {
  const env = options.env ?? process.env;
  const clock = options.clock ?? (() => performance.now());
  let init: Promise<Ready> | undefined;
  let ownedEnricher: Enricher | undefined;
  let ownedClients: AwsClients | undefined;
  let bootLog: Logger | undefined;

  async function initialize(): Promise<Ready> {
    const started = clock();
    let settings: LambdaSettings | undefined;
    try {
      settings = lambdaSettingsFromEnv(env);
      bootLog = options.logger ?? pino({ level: settings.worker.logLevel, base: { service: 'ticket-processor', runtime: 'lambda' } });
      const clients = options.clients ?? (ownedClients = createAwsClients(settings.worker.aws, env));
      let enricher: Enricher;
      if (options.enricher) {
        enricher = await (typeof options.enricher === 'function' ? options.enricher() : options.enricher);
      } else {
        enricher = ownedEnricher = await createEnricher({ ...enricherOptionsFromEnv(env), ...options.enricherOptions, pull: false });
      }
      const info = enricher.info();
      if (!info.models.sentiment) {
        throw new LambdaInitError(
          'no sentiment model is loaded (CLASSIFIER_MODEL, or Xenova/distilbert-base-uncased-finetuned-sst-2-english in MODEL_CACHE_DIR): every ticket would fail',
          'MODEL_NOT_FOUND',
          undefined,
        );
      }
      if (!info.models.summarizer) bootLog.warn('no summarizer model is loaded (SUMMARIZER_MODEL, or Xenova/distilbart-cnn-6-6 in MODEL_CACHE_DIR): summaries are extractive');
      const store = new ResultStore(clients.s3, clients.documents, { table: settings.worker.aws.table, enrichedBucket: settings.worker.aws.enrichedBucket });
      bootLog.info(
        {
          durationMs: Math.round(clock() - started),
          variant: info.variant,
          models: { embedding: info.models.embedding.id, sentiment: info.models.sentiment.id, summarizer: info.models.summarizer?.id ?? null },
          table: settings.worker.aws.table,
          enrichedBucket: settings.worker.aws.enrichedBucket,
        },
        'lambda handler ready',
      );
      return { settings, clients, store, enricher, log: bootLog };
    } catch (e) {
      await ownedEnricher?.close().catch(() => {});
      ownedEnricher = undefined;
      ownedClients?.destroy();
      ownedClients = undefined;
      const code = e instanceof LambdaInitError || isTicketProcessorError(e) ? e.code : 'INTERNAL';
      const error = new LambdaInitError(
        `ticket-processor could not initialize in this Lambda execution environment: ${describeError(e)}. ${initHint(code)} ` +
          'Every invocation in this environment fails with this error, so Lambda retries the whole batch; ' +
          "after the queue's maxReceiveCount the messages go to its dead-letter queue.",
        code,
        e,
      );
      bootLog ??= options.logger ?? pino({ base: { service: 'ticket-processor', runtime: 'lambda' } });
      bootLog.error({ code, error: error.message }, 'lambda init failed');
      throw error;
    }
  }

  function start(): Promise<Ready> {
    if (!init) {
      init = initialize();
      init.catch(() => {}); // reported by each invocation
    }
    return init;
  }

  const handler = (async (event: SQSEvent, context: LambdaContext): Promise<SQSBatchResponse> => {
    if (!event || !Array.isArray(event.Records)) {
      throw new Error('ticket-processor/lambda: the event is not an SQS event (no Records array); use this handler with an SQS event source mapping');
    }
    let ready: Ready;
    try {
      ready = await start();
    } catch (e) {
      bootLog?.error({ awsRequestId: context.awsRequestId, records: event.Records.length, error: (e as Error).message }, 'invocation failed: handler not initialized');
      throw e;
    }
    return processBatch(ready, event.Records, context, clock);
  }) as SqsHandler;

  handler.warm = () => start().then(
    () => true,
    () => false,
  );
  handler.close = async () => {
    await init?.catch(() => {});
    await ownedEnricher?.close();
    ownedEnricher = undefined;
    ownedClients?.destroy();
    ownedClients = undefined;
  };
  return handler;
}

async function processBatch(ready: Ready, records: SQSRecord[], context: LambdaContext, clock: () => number): Promise<SQSBatchResponse> {
  const started = clock();
  const { settings, store, enricher } = ready;
  const aws = settings.worker.aws;
  const log = ready.log.child({ awsRequestId: context.awsRequestId });
  const remaining = () => context.getRemainingTimeInMillis();
  const { marginMs, floorMs } = marginFor(settings, remaining());
  const io = new Limiter(settings.worker.ioConcurrency);
  const counts: Record<StoreOutcome, number> = { stored: 0, duplicate: 0, completed: 0 };
  let returned = false;

  const messages: Tracked[] = records.map((r) => ({
    id: r.messageId,
    receiveCount: Number(r.attributes?.ApproximateReceiveCount ?? 1) || 1,
    refs: [],
    pending: 0,
    started: false,
    status: 'pending',
    failure: undefined,
  }));

  const fail = (m: Tracked, kind: FailureKind, reason: string, message: string) => {
    if (m.status !== 'pending' || returned) return;
    m.status = 'failed';
    m.failure = { kind, reason, message };
  };
  const failWith = (m: Tracked, e: unknown) => {
    if (isPoison(e)) fail(m, 'poison', e.reason, e.message);
    else fail(m, 'transient', 'transient', describeError(e));
  };
  const notStarted = (m: Tracked, what: string) =>
    fail(m, 'deadline', 'deadline', `${what}: ${remaining()} ms left, margin ${marginMs} ms (TICKET_PROCESSOR_LAMBDA_MARGIN_MS)`);

  const work = async () => {
    // Before any work: with no time left, fail everything at once.
    if (remaining() <= marginMs) {
      for (const m of messages) notStarted(m, 'not started');
      return;
    }

    // Parse: poison bodies fail, test events and ignored records succeed.
    messages.forEach((m, i) => {
      try {
        const parsed = parseMessageBody(records[i]!.body, aws.rawBucket);
        m.refs = parsed.refs;
        m.pending = parsed.refs.length;
        if (parsed.refs.length === 0) {
          m.status = 'ok';
          log.debug({ messageId: m.id, testEvent: parsed.testEvent, ignored: parsed.ignored }, 'message without work');
        }
      } catch (e) {
        failWith(m, e);
      }
    });

    // Fetch: a message starts when its first fetch starts, and only with more than the margin left.
    // The same object named twice in one event is fetched, enriched and stored once.
    const tickets = new Map<string, TicketWork>();
    const fetches = new Map<string, Promise<SourceTicket>>();
    await Promise.all(
      messages.flatMap((m) =>
        m.refs.map((ref) =>
          io.run(async () => {
            if (m.status !== 'pending') return;
            if (!m.started) {
              if (remaining() <= marginMs) return notStarted(m, 'not started before the deadline margin');
              m.started = true;
            }
            const key = `${ref.bucket}\n${ref.key}`;
            let fetch = fetches.get(key);
            if (!fetch) fetches.set(key, (fetch = fetchTicket(ready.clients.s3, ref, settings.worker.maxTicketBytes)));
            try {
              const source = await fetch;
              const entry = tickets.get(key) ?? { source, owners: [] };
              entry.owners.push(m);
              tickets.set(key, entry);
            } catch (e) {
              failWith(m, e);
            }
          }),
        ),
      ),
    );

    // Enrich every fetched ticket of every message in one native batch.
    const live = (t: TicketWork) => t.owners.some((m) => m.status === 'pending');
    const batch = [...tickets.values()].filter(live);
    const enriched = new Map<TicketWork, EnrichedTicket>();
    const enrich = async (part: TicketWork[]): Promise<void> => {
      if (part.length === 0) return;
      if (remaining() <= floorMs) {
        for (const t of part) for (const m of t.owners) fail(m, 'deadline', 'deadline', `enrichment not started: ${remaining()} ms left`);
        return;
      }
      const t0 = clock();
      try {
        const results = await enricher.enrichMany(part.map((t) => t.source.ticket));
        part.forEach((t, i) => enriched.set(t, results[i]!));
        log.debug({ tickets: part.length, durationMs: Math.round(clock() - t0) }, 'batch enriched');
      } catch (e) {
        if (part.length > 1) {
          // One bad ticket must not fail the others: enrich them one by one.
          log.warn({ error: describeError(e), tickets: part.length }, 'batch enrichment failed: retrying ticket by ticket');
          for (const t of part) if (live(t)) await enrich([t]);
          return;
        }
        const t = part[0]!;
        const poison = new PoisonMessageError('enrichment-failed', `ticket ${t.source.ticket.ticket_id}: ${describeError(e)}`);
        for (const m of t.owners) failWith(m, poison);
      }
    };
    await enrich(batch);

    // Store: conditional writes, so a duplicate delivery (or this event again) writes nothing new.
    await Promise.all(
      [...enriched].map(([t, result]) =>
        io.run(async () => {
          if (!live(t)) return;
          if (remaining() <= floorMs) {
            for (const m of t.owners) fail(m, 'deadline', 'deadline', `store not started: ${remaining()} ms left`);
            return;
          }
          try {
            const outcome = await store.store(result, { bucket: t.source.ref.bucket, key: t.source.ref.key, eTag: t.source.eTag });
            counts[outcome]++;
            for (const m of t.owners) {
              log.debug({ messageId: m.id, ticketId: result.ticket_id, outcome }, 'ticket stored');
              if (m.status === 'pending' && --m.pending === 0) m.status = 'ok';
            }
          } catch (e) {
            for (const m of t.owners) failWith(m, e);
          }
        }),
      ),
    );
  };

  // Return before Lambda's timeout: at the floor, whatever is unfinished is reported as failed.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), Math.max(0, remaining() - floorMs));
  });
  const outcome = await Promise.race([
    work().then(
      () => 'done' as const,
      (e: unknown) => {
        // A bug, not a message's fault: every unfinished message is retried.
        log.error({ error: describeError(e) }, 'unexpected error while processing the batch');
        for (const m of messages) fail(m, 'transient', 'internal', describeError(e));
        return 'done' as const;
      },
    ),
    deadline,
  ]);
  clearTimeout(timer);
  for (const m of messages) {
    if (m.status === 'pending') {
      fail(m, 'deadline', 'deadline', outcome === 'deadline' ? `unfinished ${floorMs} ms before the function timeout` : 'unfinished');
    }
  }
  returned = true;

  const failed = messages.filter((m) => m.status !== 'ok');
  for (const m of failed) {
    const f = m.failure!;
    log.warn(
      { messageId: m.id, receiveCount: m.receiveCount, kind: f.kind, reason: f.reason, error: f.message },
      f.kind === 'poison'
        ? "poison message: reported as failed (the queue's redrive policy moves it to the dead-letter queue after maxReceiveCount)"
        : f.kind === 'deadline'
          ? 'message not finished before the deadline: reported as failed, to be retried'
          : 'transient failure: reported as failed, to be retried',
    );
  }
  log.info(
    {
      queue: records[0]?.eventSourceARN,
      records: records.length,
      succeeded: messages.length - failed.length,
      failed: failed.length,
      stored: counts.stored + counts.completed,
      duplicates: counts.duplicate,
      timedOut: outcome === 'deadline',
      durationMs: Math.round(clock() - started),
      remainingMs: remaining(),
    },
    'batch done',
  );
  return { batchItemFailures: failed.map((m) => ({ itemIdentifier: m.id })) };
}
