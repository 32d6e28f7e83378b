// `import { handler } from 'ticket-processor/lambda'`: the SQS event source mapping handler for
// AWS Lambda (handler.ts). Inside Lambda the models load while the module is imported (top-level
// await), so provisioned concurrency and the init phase cover them; an init failure does not
// fail the import: it is thrown, with what to do, by every invocation.
import { createHandler } from './handler.js';

export { createHandler, enricherOptionsFromEnv, LambdaInitError } from './handler.js';
export type { LambdaHandlerOptions, SqsHandler } from './handler.js';
export type { LambdaSettings } from './lambda-config.js';
export { lambdaSettingsFromEnv } from './lambda-config.js';
export type { LambdaContext, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord, SQSRecordAttributes } from './lambda-types.js';

/** The handler with defaults: settings and models from process.env, one enricher per execution environment. */
export const handler = createHandler();

if (process.env.AWS_LAMBDA_FUNCTION_NAME) await handler.warm();
