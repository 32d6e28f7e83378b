// `import { createWorker } from 'ticket-processor/worker'`: the worker for embedding in other Node
// apps. A subpath of its own so that library users who only enrich do not load the AWS SDK.
export { createWorker, Worker } from './worker.js';
export type { WorkerEvents, WorkerOptions, WorkerStats } from './worker.js';
export type { WorkerSettings } from './worker-config.js';
export { workerSettingsFromEnv } from './worker-config.js';
export type { StoreOutcome } from './result-store.js';
export { awsSettingsFromEnv, createAwsClients } from '../aws/aws-settings.js';
export type { AwsClients, AwsSettings } from '../aws/aws-settings.js';
