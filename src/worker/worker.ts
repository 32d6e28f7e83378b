/**
 * The worker: SQS (S3 event notifications) → S3 raw ticket → enrich in native batches →
 * DynamoDB item + enriched JSON in S3 → delete the message.
 *
 * Flow of one message: received (several receives in flight, bounded by maxInFlight) → parsed →
 * each ticket fetched from S3 (I/O runs while the previous batch is in inference) → tickets from
 * many messages gathered into one batch → enrichMany on the libuv pool → each result stored
 * (conditional writes, see result-store.ts) → the message is deleted once every ticket of it is
 * stored. While a message is in flight a heartbeat keeps extending its visibility; a poison
 * message is logged and left to the redrive policy; a transient failure makes the message
 * visible again after a backoff. stop() finishes in-flight work within a deadline and makes the
 * rest visible again at once.
 */
import { EventEmitter } from 'node:events';

import type { Message } from '@aws-sdk/client-sqs';
import { type Logger, pino } from 'pino';

import { type AwsClients, createAwsClients } from '../aws/aws-settings.js';
import type { EnrichedTicket } from '../enrich/enriched-ticket.js';
import { createEnricher, type Enricher, type EnricherOptions } from '../enrich/enricher.js';
import { emptyStageTimings } from '../enrich/stage-timings.js';
import { TicketProcessorError } from '../errors.js';
import { type HealthServer, startHealthServer } from './health-server.js';
import { Limiter } from './limiter.js';
import { parseMessageBody } from './message-parser.js';
import { QueueClient, type QueueAttributes } from './queue-client.js';
import { ResultStore, type StoreOutcome } from './result-store.js';
import { fetchTicket, type SourceTicket } from './ticket-source.js';
import { type WorkerSettings, workerSettingsFromEnv } from './worker-config.js';
import { describeError, isPoison, PoisonMessageError } from './worker-errors.js';
import { WorkerMetrics } from './worker-metrics.js';

export interface WorkerOptions {
  /** default: from the environment (workerSettingsFromEnv); fields given here win */
  settings?: Partial<Omit<WorkerSettings, 'aws'>> & { aws?: Partial<WorkerSettings['aws']> };
  env?: NodeJS.ProcessEnv;
  /** an enricher of yours (not closed by stop()); default: createEnricher(enricherOptions) */
  enricher?: Enricher;
  enricherOptions?: EnricherOptions;
  /** default: clients from the settings (destroyed by stop()) */
  clients?: AwsClients;
  /** default: pino JSON lines on stdout at settings.logLevel */
  logger?: Logger;
}

export interface WorkerStats {
  received: number;
  deleted: number;
  stored: number;
  duplicates: number;
  poison: number;
  retried: number;
  /** made visible again by stop() before they finished */
  released: number;
  uptimeSeconds: number;
}

export interface WorkerEvents {
  started: [info: { queueUrl: string; metricsPort: number | undefined }];
  ticket: [info: { ticketId: string; messageId: string; outcome: StoreOutcome }];
  poison: [info: { messageId: string; receiveCount: number; reason: string; message: string }];
  retry: [info: { messageId: string; receiveCount: number; error: string; delaySeconds: number }];
  deleted: [info: { messageId: string }];
  stopped: [stats: WorkerStats];
}

interface Tracked {
  id: string;
  receiptHandle: string;
  receiveCount: number;
  pending: number;
  poison: PoisonMessageError | undefined;
  transient: unknown;
  finished: boolean;
}

interface ReadyTicket {
  message: Tracked;
  source: SourceTicket;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

function mergeSettings(base: WorkerSettings, over: WorkerOptions['settings']): WorkerSettings {
  if (!over) return base;
  const { aws, ...rest } = over;
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return { ...base, ...defined(rest), aws: { ...base.aws, ...(aws ? defined(aws) : {}) } };
}

export class Worker extends EventEmitter<WorkerEvents> {
  readonly settings: WorkerSettings;
  readonly metrics = new WorkerMetrics();
  readonly log: Logger;
  #enricher: Enricher | undefined;
  readonly #ownsEnricher: boolean;
  readonly #clients: AwsClients;
  readonly #ownsClients: boolean;
  readonly #queue: QueueClient;
  readonly #store: ResultStore;
  readonly #io: Limiter;
  readonly #options: WorkerOptions;
  #queueAttributes: QueueAttributes = { maxReceiveCount: undefined, deadLetterTargetArn: undefined };

  readonly #inFlight = new Map<string, Tracked>();
  #ready: ReadyTicket[] = [];
  #fetching = 0;
  #wakeBatcher: (() => void) | undefined;
  #wakeReceivers: (() => void)[] = [];
  #pendingDeletes: Tracked[] = [];
  #deleteTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #health: HealthServer | undefined;
  readonly #receiveAbort = new AbortController();
  #receivers: Promise<void>[] = [];
  #batcher: Promise<void> | undefined;
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  #stopping: Promise<WorkerStats> | undefined;
  #starting: Promise<void> | undefined;
  #startedAt = Date.now();
  readonly #stats: Omit<WorkerStats, 'uptimeSeconds'> = { received: 0, deleted: 0, stored: 0, duplicates: 0, poison: 0, retried: 0, released: 0 };

  /** @internal use createWorker() */
  constructor(options: WorkerOptions = {}) {
    super();
    this.#options = options;
    this.settings = mergeSettings(workerSettingsFromEnv(options.env ?? process.env), options.settings);
    this.log = options.logger ?? pino({ level: this.settings.logLevel, base: { service: 'ticket-processor' } });
    this.#enricher = options.enricher;
    this.#ownsEnricher = !options.enricher;
    this.#clients = options.clients ?? createAwsClients(this.settings.aws, options.env ?? process.env);
    this.#ownsClients = !options.clients;
    this.#queue = new QueueClient(this.#clients.sqs, { name: this.settings.aws.queueName, url: this.settings.aws.queueUrl });
    this.#store = new ResultStore(this.#clients.s3, this.#clients.documents, { table: this.settings.aws.table, enrichedBucket: this.settings.aws.enrichedBucket });
    this.#io = new Limiter(this.settings.ioConcurrency);
  }

  get state(): string {
    return this.#state;
  }

  get metricsPort(): number | undefined {
    return this.#health?.port;
  }

  stats(): WorkerStats {
    return { ...this.#stats, uptimeSeconds: Math.round((Date.now() - this.#startedAt) / 1000) };
  }

  /** Loads the models (unless given), checks the queue, starts the HTTP server and the loops. */
  start(): Promise<void> {
    if (this.#state !== 'new') return Promise.reject(new TicketProcessorError('CONFIG_INVALID', `worker.start() called when the worker is ${this.#state}`));
    this.#state = 'starting';
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#startedAt = Date.now();
    try {
      if (this.settings.metricsPort !== undefined) {
        this.#health = await startHealthServer({
          port: this.settings.metricsPort,
          host: this.settings.metricsHost,
          registry: this.metrics.registry,
          readiness: () => this.#readiness(),
        });
      }
      this.#queueAttributes = await this.#queue.resolve();
      this.#enricher ??= await createEnricher({ pull: true, ...this.#options.enricherOptions });
    } catch (e) {
      this.#state = 'stopped';
      await this.#release();
      throw e;
    }
    this.#state = 'running';
    const a = this.settings.aws;
    // Three beats per visibility timeout, so one lost call never lets a message reappear; a
    // floor keeps the call rate sane, and a zero timeout has nothing to extend.
    if (a.visibilityTimeout > 0) {
      const beatMs = Math.max(200, (a.visibilityTimeout * 1000) / 3);
      this.#heartbeat = setInterval(() => void this.#extendVisibility(), beatMs);
      this.#heartbeat.unref();
    }
    this.#receivers = Array.from({ length: this.settings.receivers }, () => this.#receiveLoop());
    this.#batcher = this.#batchLoop();
    this.log.info(
      {
        queueUrl: this.#queue.url,
        maxReceiveCount: this.#queueAttributes.maxReceiveCount,
        metricsPort: this.#health?.port,
        receivers: this.settings.receivers,
        maxInFlight: this.settings.maxInFlight,
        batchSize: this.settings.batchSize,
        variant: this.#enricher.info().variant,
      },
      'worker started',
    );
    this.emit('started', { queueUrl: this.#queue.url, metricsPort: this.#health?.port });
  }

  /**
   * Stops receiving, waits up to shutdownTimeoutMs for in-flight messages, makes the unfinished
   * ones visible again at once, and frees what the worker created. Idempotent.
   */
  stop(): Promise<WorkerStats> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<WorkerStats> {
    // A stop during start: let the models finish loading, then stop from 'running'.
    if (this.#state === 'starting') await this.#starting?.catch(() => {});
    if (this.#state === 'new' || this.#state === 'stopped') {
      this.#state = 'stopped';
      return this.stats();
    }
    this.#state = 'stopping';
    this.log.info({ inFlight: this.#inFlight.size, timeoutMs: this.settings.shutdownTimeoutMs }, 'stopping: no new messages, finishing in-flight work');
    const deadline = Date.now() + this.settings.shutdownTimeoutMs;
    // Long polls are let finish (their messages join the in-flight work) rather than aborted: a
    // poll the client gave up on can still take messages on the server, which then stay invisible
    // for a whole visibility timeout. Only the deadline aborts them.
    this.#wakeReceivers.splice(0).forEach((wake) => wake());
    const pollsEnded = Promise.allSettled(this.#receivers).then(() => true);
    if (!(await Promise.race([pollsEnded, sleep(Math.max(0, deadline - Date.now())).then(() => false)]))) this.#receiveAbort.abort();
    this.#wakeBatcher?.();
    while (this.#inFlight.size > 0 && Date.now() < deadline) await sleep(Math.min(50, deadline - Date.now()));
    const unfinished = [...this.#inFlight.values()];
    if (unfinished.length > 0) {
      for (const m of unfinished) m.finished = true;
      const failures = await this.#queue.changeVisibilityBatch(unfinished.map((m) => ({ id: m.id, receiptHandle: m.receiptHandle, seconds: 0 })));
      this.#stats.released += unfinished.length - failures.length;
      this.log.warn({ released: unfinished.length - failures.length, failed: failures }, 'shutdown deadline: unfinished messages made visible again');
      this.#inFlight.clear();
    }
    await this.#flushDeletes();
    this.#state = 'stopped';
    this.#wakeBatcher?.();
    this.#receiveAbort.abort();
    await Promise.allSettled([...this.#receivers, this.#batcher]);
    await this.#release();
    const stats = this.stats();
    this.log.info({ stats }, 'worker stopped');
    this.emit('stopped', stats);
    return stats;
  }

  async #release(): Promise<void> {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#deleteTimer);
    await this.#health?.close();
    if (this.#ownsEnricher) await this.#enricher?.close();
    if (this.#ownsClients) this.#clients.destroy();
  }

  async #readiness() {
    const checks: Record<string, string> = {};
    checks.models = this.#enricher && this.#state === 'running' ? 'loaded' : `not ready (worker ${this.#state})`;
    try {
      await this.#queue.ping();
      checks.queue = 'reachable';
    } catch (e) {
      checks.queue = `unreachable: ${describeError(e)}`;
    }
    return { ready: checks.models === 'loaded' && checks.queue === 'reachable', checks };
  }

  // --- receiving --------------------------------------------------------------------------

  async #receiveLoop(): Promise<void> {
    const a = this.settings.aws;
    let failures = 0;
    while (this.#state === 'running') {
      if (this.#inFlight.size + a.maxMessages > this.settings.maxInFlight) {
        await new Promise<void>((resolve) => this.#wakeReceivers.push(resolve));
        continue;
      }
      let messages: Message[];
      try {
        messages = await this.#queue.receive(a.maxMessages, a.pollSeconds, a.visibilityTimeout, this.#receiveAbort.signal);
        failures = 0;
      } catch (e) {
        if (this.#receiveAbort.signal.aborted) return;
        failures++;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        this.log.warn({ error: describeError(e), retryInMs: delay }, 'receive failed');
        await sleep(delay, this.#receiveAbort.signal);
        continue;
      }
      // Also after stop() began: these messages are in flight now, finished or released by stop().
      for (const message of messages) this.#accept(message);
    }
  }

  #accept(message: Message): void {
    const id = message.MessageId ?? message.ReceiptHandle ?? 'unknown';
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const sent = Number(message.Attributes?.SentTimestamp);
    this.#stats.received++;
    this.metrics.received.inc();
    if (Number.isFinite(sent)) this.metrics.queueAgeSeconds.observe(Math.max(0, (Date.now() - sent) / 1000));
    const tracked: Tracked = { id, receiptHandle: message.ReceiptHandle ?? '', receiveCount, pending: 0, poison: undefined, transient: undefined, finished: false };
    // Two receives can return the same message (after its visibility lapsed): the newer receipt wins.
    const earlier = this.#inFlight.get(id);
    if (earlier) earlier.finished = true;
    this.#inFlight.set(id, tracked);
    this.metrics.inFlight.set(this.#inFlight.size);

    let parsed;
    try {
      parsed = parseMessageBody(message.Body, this.settings.aws.rawBucket);
    } catch (e) {
      tracked.poison = e as PoisonMessageError;
      this.#finish(tracked);
      return;
    }
    if (parsed.refs.length === 0) {
      this.log.debug({ messageId: id, testEvent: parsed.testEvent, ignored: parsed.ignored }, 'message without work: deleting');
      this.#finish(tracked);
      return;
    }
    tracked.pending = parsed.refs.length;
    this.log.debug({ messageId: id, receiveCount, keys: parsed.refs.map((r) => r.key) }, 'message received');
    for (const ref of parsed.refs) {
      this.#fetching++;
      const started = performance.now();
      void this.#io
        .run(() => fetchTicket(this.#clients.s3, ref, this.settings.maxTicketBytes))
        .then(
          (source) => {
            this.metrics.observe('fetch', (performance.now() - started) / 1000);
            this.#ready.push({ message: tracked, source });
          },
          (e: unknown) => this.#ticketFailed(tracked, e),
        )
        .finally(() => {
          this.#fetching--;
          this.#wakeBatcher?.();
        });
    }
  }

  // --- batching and enrichment ----------------------------------------------------------------

  async #batchLoop(): Promise<void> {
    while (this.#state !== 'stopped') {
      if (this.#ready.length === 0) {
        await new Promise<void>((resolve) => (this.#wakeBatcher = resolve));
        this.#wakeBatcher = undefined;
        continue;
      }
      // A partial batch waits briefly for tickets still being fetched.
      if (this.#ready.length < this.settings.batchSize && this.#fetching > 0 && this.settings.batchWaitMs > 0) {
        const until = Date.now() + this.settings.batchWaitMs;
        while (this.#ready.length < this.settings.batchSize && this.#fetching > 0 && Date.now() < until) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, until - Date.now());
            this.#wakeBatcher = () => (clearTimeout(timer), resolve());
          });
          this.#wakeBatcher = undefined;
        }
      }
      const batch = this.#ready.splice(0, this.settings.batchSize).filter((r) => !r.message.finished);
      if (batch.length > 0) await this.#enrichBatch(batch);
    }
  }

  async #enrichBatch(batch: ReadyTicket[]): Promise<void> {
    const enricher = this.#enricher!;
    const started = performance.now();
    let results: EnrichedTicket[];
    const timings = emptyStageTimings();
    try {
      results = await enricher.enrichMany(batch.map((r) => r.source.ticket), { timings });
    } catch (e) {
      if (batch.length > 1) {
        // One bad ticket must not fail the others: enrich them one by one.
        this.log.warn({ error: describeError(e), tickets: batch.length }, 'batch enrichment failed: retrying ticket by ticket');
        for (const r of batch) await this.#enrichBatch([r]);
        return;
      }
      const r = batch[0]!;
      this.#ticketFailed(r.message, new PoisonMessageError('enrichment-failed', `ticket ${r.source.ticket.ticket_id}: ${describeError(e)}`));
      return;
    }
    this.metrics.observe('enrich', (performance.now() - started) / 1000);
    this.metrics.observe('tokenize', timings.tokenize);
    this.metrics.observe('encode', timings.encode);
    this.metrics.observe('generate', timings.generate);
    this.metrics.batchSize.observe(batch.length);
    batch.forEach((r, i) => {
      const enriched = results[i]!;
      const storeStarted = performance.now();
      void this.#io
        .run(() => this.#store.store(enriched, { bucket: r.source.ref.bucket, key: r.source.ref.key, eTag: r.source.eTag }))
        .then(
          (outcome) => {
            this.metrics.observe('store', (performance.now() - storeStarted) / 1000);
            this.metrics.processed.inc({ outcome });
            if (outcome === 'duplicate') this.#stats.duplicates++;
            else this.#stats.stored++;
            this.emit('ticket', { ticketId: enriched.ticket_id, messageId: r.message.id, outcome });
            this.#ticketDone(r.message);
          },
          (e: unknown) => this.#ticketFailed(r.message, e),
        );
    });
  }

  // --- finishing messages ---------------------------------------------------------------------

  #ticketDone(m: Tracked): void {
    if (--m.pending === 0) this.#finish(m);
  }

  #ticketFailed(m: Tracked, e: unknown): void {
    if (isPoison(e)) m.poison ??= e;
    else m.transient ??= e;
    this.#ticketDone(m);
  }

  #finish(m: Tracked): void {
    if (m.finished) return;
    m.finished = true;
    if (m.poison) {
      const p = m.poison;
      this.#stats.poison++;
      this.metrics.failed.inc({ reason: p.reason });
      const last = this.#queueAttributes.maxReceiveCount !== undefined && m.receiveCount >= this.#queueAttributes.maxReceiveCount;
      if (last) this.metrics.deadLettered.inc();
      this.log.warn(
        { messageId: m.id, receiveCount: m.receiveCount, reason: p.reason, maxReceiveCount: this.#queueAttributes.maxReceiveCount, toDeadLetterQueue: last },
        `poison message left on the queue: ${p.message}`,
      );
      this.emit('poison', { messageId: m.id, receiveCount: m.receiveCount, reason: p.reason, message: p.message });
      this.#forget(m);
    } else if (m.transient !== undefined) {
      const delaySeconds = Math.min(this.settings.aws.visibilityTimeout, 2 ** Math.min(m.receiveCount, 8));
      this.#stats.retried++;
      this.metrics.retried.inc();
      this.metrics.failed.inc({ reason: 'transient' });
      const error = describeError(m.transient);
      this.log.warn({ messageId: m.id, receiveCount: m.receiveCount, error, retryInSeconds: delaySeconds }, 'transient failure: message will be retried');
      this.emit('retry', { messageId: m.id, receiveCount: m.receiveCount, error, delaySeconds });
      void this.#queue
        .changeVisibilityBatch([{ id: m.id, receiptHandle: m.receiptHandle, seconds: delaySeconds }])
        .finally(() => this.#forget(m));
    } else {
      this.log.debug({ messageId: m.id }, 'message done: deleting');
      this.#pendingDeletes.push(m);
      if (this.#pendingDeletes.length >= 10) void this.#flushDeletes();
      else this.#deleteTimer ??= setTimeout(() => void this.#flushDeletes(), 20);
    }
  }

  async #flushDeletes(): Promise<void> {
    clearTimeout(this.#deleteTimer);
    this.#deleteTimer = undefined;
    const batch = this.#pendingDeletes.splice(0);
    if (batch.length === 0) return;
    const failures = await this.#queue.deleteBatch(batch.map((m) => ({ id: m.id, receiptHandle: m.receiptHandle })));
    const failed = new Set(failures.map((f) => f.id));
    for (const f of failures) this.log.warn({ messageId: f.id, error: f.message }, 'delete failed: the message will be delivered again (its results are stored; the retry is a duplicate)');
    for (const m of batch) {
      if (!failed.has(m.id)) {
        this.#stats.deleted++;
        this.metrics.deleted.inc();
        this.emit('deleted', { messageId: m.id });
      }
      this.#forget(m);
    }
  }

  #forget(m: Tracked): void {
    if (this.#inFlight.get(m.id) === m) this.#inFlight.delete(m.id);
    this.metrics.inFlight.set(this.#inFlight.size);
    this.#wakeReceivers.shift()?.();
  }

  async #extendVisibility(): Promise<void> {
    const live = [...this.#inFlight.values()].filter((m) => !m.finished);
    if (live.length === 0) return;
    const failures = await this.#queue.changeVisibilityBatch(live.map((m) => ({ id: m.id, receiptHandle: m.receiptHandle, seconds: this.settings.aws.visibilityTimeout })));
    if (failures.length > 0) this.log.warn({ failures: failures.slice(0, 5), count: failures.length }, 'visibility heartbeat failed for some messages');
  }
}

/** A worker for these options; call start() to run it, stop() to stop it. */
export function createWorker(options: WorkerOptions = {}): Worker {
  return new Worker(options);
}
