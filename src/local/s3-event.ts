/**
 * The messages S3 sends to a queue: event notifications (event structure version 2.1) and the
 * s3:TestEvent sent when a configuration is set. Shapes follow the AWS documentation
 * ("Event message structure", Amazon S3 User Guide).
 */
import { randomBytes } from 'node:crypto';

export const LOCAL_ACCOUNT_ID = '000000000000';
const PRINCIPAL = `AWS:${LOCAL_ACCOUNT_ID}`;

/**
 * A key as S3 writes it into event messages: form-style URL encoding, so a space is `+`, UTF-8
 * bytes are %XX, and `/` stays as is. Decode with `decodeURIComponent(key.replace(/\+/g, ' '))`
 * (Python: `urllib.parse.unquote_plus`).
 */
export function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+'))
    .join('/');
}

let sequence = 0n;
/** Grows with every event in this process, as S3's sequencer does per key; hex, 18 digits. */
export function nextSequencer(now = Date.now()): string {
  sequence += 1n;
  return (BigInt(now) * 1_000_000n + (sequence % 1_000_000n)).toString(16).toUpperCase().padStart(18, '0');
}

export function requestIds(): { requestId: string; hostId: string } {
  return { requestId: randomBytes(8).toString('hex').toUpperCase(), hostId: randomBytes(48).toString('base64') };
}

export interface ObjectEvent {
  region: string;
  /** e.g. ObjectCreated:Put, ObjectCreated:Copy, ObjectCreated:CompleteMultipartUpload */
  eventName: string;
  configurationId: string;
  bucket: string;
  /** the key as stored (decoded); encoded here */
  key: string;
  size: number;
  /** without quotes */
  eTag: string;
  sourceIp: string;
  time?: Date;
}

export function objectEventMessage(e: ObjectEvent): string {
  const { requestId, hostId } = requestIds();
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: e.region,
        eventTime: (e.time ?? new Date()).toISOString(),
        eventName: e.eventName,
        userIdentity: { principalId: PRINCIPAL },
        requestParameters: { sourceIPAddress: e.sourceIp },
        responseElements: { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: e.configurationId,
          bucket: { name: e.bucket, ownerIdentity: { principalId: LOCAL_ACCOUNT_ID }, arn: `arn:aws:s3:::${e.bucket}` },
          object: { key: encodeEventKey(e.key), size: e.size, eTag: e.eTag, sequencer: nextSequencer() },
        },
      },
    ],
  });
}

export function testEventMessage(bucket: string, time = new Date()): string {
  const { requestId, hostId } = requestIds();
  return JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: time.toISOString(), Bucket: bucket, RequestId: requestId, HostId: hostId });
}
