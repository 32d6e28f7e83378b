/**
 * The parts of Lambda's SQS event, context and partial batch response that the handler uses,
 * as plain types (no @types/aws-lambda dependency). Field names and shapes are Lambda's own.
 */

export interface SQSRecordAttributes {
  /** how many times SQS has delivered this message, this delivery included (a decimal string) */
  ApproximateReceiveCount: string;
  SentTimestamp?: string;
  SenderId?: string;
  ApproximateFirstReceiveTimestamp?: string;
  [name: string]: string | undefined;
}

export interface SQSRecord {
  messageId: string;
  receiptHandle?: string;
  body: string;
  attributes: SQSRecordAttributes;
  messageAttributes?: Record<string, unknown>;
  md5OfBody?: string;
  /** "aws:sqs" */
  eventSource?: string;
  /** the queue's ARN */
  eventSourceARN: string;
  awsRegion?: string;
}

export interface SQSEvent {
  Records: SQSRecord[];
}

/** What the handler reads from Lambda's context object. */
export interface LambdaContext {
  /** milliseconds until Lambda stops this invocation (the function's timeout) */
  getRemainingTimeInMillis(): number;
  awsRequestId: string;
  functionName?: string;
}

export interface SQSBatchItemFailure {
  itemIdentifier: string;
}

/** The partial batch response (ReportBatchItemFailures in the mapping's FunctionResponseTypes). */
export interface SQSBatchResponse {
  batchItemFailures: SQSBatchItemFailure[];
}
