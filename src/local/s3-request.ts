/**
 * What an HTTP request means to S3, as far as the notification shim needs to know: which bucket
 * and key, and whether it sets or reads a notification configuration or creates an object.
 * Path-style (`/bucket/key`) and virtual-hosted-style (`bucket.localhost:4566/key`) requests are
 * read the way fauxqs reads them.
 */
import type { IncomingMessage } from 'node:http';

export type S3Operation =
  | { kind: 'put-notification'; bucket: string }
  | { kind: 'get-notification'; bucket: string }
  /** eventName: the S3 event the operation produces when it succeeds */
  | { kind: 'object-created'; bucket: string; key: string; eventName: 'ObjectCreated:Put' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload' }
  | { kind: 'other' };

/** DynamoDB's JSON protocol; SQS's JSON protocol uses AmazonSQS.* */
export function isDynamoDbRequest(req: IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith('DynamoDB_');
}

function isS3Candidate(req: IncomingMessage): boolean {
  if (req.headers['x-amz-target'] !== undefined) return false; // SQS or DynamoDB JSON protocol
  const type = req.headers['content-type'] ?? '';
  return !type.includes('x-www-form-urlencoded'); // SQS/SNS query protocol
}

function bucketFromHost(host: string | undefined): string | undefined {
  const hostname = (host ?? '').replace(/:\d+$/, '');
  if (!hostname.includes('.') || /^\d+\.\d+\.\d+\.\d+$/.test(hostname) || hostname.startsWith('[')) return undefined;
  return hostname.slice(0, hostname.indexOf('.'));
}

export function classifyS3Request(req: IncomingMessage): S3Operation {
  if (!isS3Candidate(req)) return { kind: 'other' };
  const url = new URL(req.url ?? '/', 'http://s3.local');
  let segments: string[];
  try {
    segments = url.pathname.split('/').slice(1).map((s) => decodeURIComponent(s));
  } catch {
    return { kind: 'other' };
  }
  const hostBucket = bucketFromHost(req.headers.host);
  const bucket = hostBucket ?? segments.shift() ?? '';
  const key = segments.join('/');
  if (!bucket) return { kind: 'other' };
  const query = url.searchParams;
  if (key === '' && query.has('notification')) {
    if (req.method === 'PUT') return { kind: 'put-notification', bucket };
    if (req.method === 'GET') return { kind: 'get-notification', bucket };
    return { kind: 'other' };
  }
  if (key === '') return { kind: 'other' };
  if (req.method === 'PUT' && !query.has('uploadId') && !query.has('partNumber') && ![...query.keys()].some((k) => SUBRESOURCES.has(k))) {
    return { kind: 'object-created', bucket, key, eventName: req.headers['x-amz-copy-source'] ? 'ObjectCreated:Copy' : 'ObjectCreated:Put' };
  }
  if (req.method === 'POST' && query.has('uploadId')) return { kind: 'object-created', bucket, key, eventName: 'ObjectCreated:CompleteMultipartUpload' };
  return { kind: 'other' };
}

/** object subresources whose PUT does not create an object */
const SUBRESOURCES = new Set(['acl', 'tagging', 'retention', 'legal-hold', 'restore', 'torrent']);

/** the region in a SigV4 Authorization header (Credential=AKID/date/region/service/aws4_request) */
export function regionFromAuthorization(header: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(header ?? '')?.[1];
}
