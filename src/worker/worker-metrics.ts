/**
 * The worker's Prometheus metrics (prom-client), on a registry of its own so that two workers in
 * one process, or an app embedding the worker, do not collide.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type Stage = 'fetch' | 'tokenize' | 'encode' | 'generate' | 'enrich' | 'store';

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({ name: 'ticket_processor_messages_received_total', help: 'SQS messages received', registers: [this.registry] });
  readonly deleted = new Counter({ name: 'ticket_processor_messages_deleted_total', help: 'SQS messages deleted after all their writes succeeded', registers: [this.registry] });
  readonly processed = new Counter({
    name: 'ticket_processor_tickets_processed_total',
    help: 'tickets whose results are stored, by outcome (stored, duplicate, completed)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly failed = new Counter({
    name: 'ticket_processor_messages_failed_total',
    help: 'messages left on the queue, by reason (poison reasons, or transient)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly retried = new Counter({ name: 'ticket_processor_messages_retried_total', help: 'messages made visible again after a transient failure', registers: [this.registry] });
  readonly deadLettered = new Counter({
    name: 'ticket_processor_messages_dead_lettered_total',
    help: 'poison messages at their last receive before the redrive policy moves them to the dead-letter queue',
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({ name: 'ticket_processor_messages_in_flight', help: 'messages received and not finished (prefetch included)', registers: [this.registry] });
  readonly stageSeconds = new Histogram({
    name: 'ticket_processor_stage_seconds',
    help: 'latency per stage: fetch (S3 get) and store per ticket; tokenize, encode, generate, enrich per batch',
    labelNames: ['stage'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly queueAgeSeconds = new Histogram({
    name: 'ticket_processor_queue_age_seconds',
    help: 'time from SQS SentTimestamp to receive',
    buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'ticket_processor_batch_tickets',
    help: 'tickets per native enrichment batch',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  observe(stage: Stage, seconds: number): void {
    this.stageSeconds.observe({ stage }, seconds);
  }
}
