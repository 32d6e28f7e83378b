/**
 * S3 bucket notification configurations (queue destinations only): the XML of
 * PutBucketNotificationConfiguration / GetBucketNotificationConfiguration, and which
 * configurations an object event matches. The XML is small and fixed in shape, so a few regular
 * expressions read it; no XML library is needed.
 */
import { randomBytes } from 'node:crypto';

export interface FilterRule {
  name: 'prefix' | 'suffix';
  value: string;
}

export interface QueueNotification {
  id: string;
  /** queue ARN, arn:aws:sqs:<region>:<account>:<name> */
  queueArn: string;
  /** e.g. s3:ObjectCreated:*, s3:ObjectCreated:Put */
  events: string[];
  filterRules: FilterRule[];
}

export class NotificationConfigError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const UNSUPPORTED = ['TopicConfiguration', 'CloudFunctionConfiguration', 'LambdaFunctionConfiguration', 'EventBridgeConfiguration'];

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    return String.fromCodePoint(l.startsWith('#x') ? parseInt(l.slice(2), 16) : parseInt(l.slice(1), 10));
  });
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** the text of every <tag>…</tag> directly or indirectly inside `xml`, in order */
function elements(xml: string, tag: string): string[] {
  const re = new RegExp(`<(?:\\w+:)?${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${tag}>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1]!);
}

function text(xml: string, tag: string): string | undefined {
  const found = elements(xml, tag)[0];
  return found === undefined ? undefined : decodeXml(found.trim());
}

/** AWS names configurations without an Id itself; so do we. */
function generatedId(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

const QUEUE_ARN = /^arn:[\w-]+:sqs:[\w-]+:\d{12}:[\w-]{1,80}(\.fifo)?$/;
const EVENT = /^s3:[A-Za-z]+(:[A-Za-z*]+)?$/;

/** The body of a PutBucketNotificationConfiguration request. Throws NotificationConfigError. */
export function parseNotificationConfiguration(xml: string): QueueNotification[] {
  if (!/<(?:\w+:)?NotificationConfiguration[\s>/]/.test(xml)) {
    throw new NotificationConfigError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  for (const tag of UNSUPPORTED) {
    if (new RegExp(`<(?:\\w+:)?${tag}[\\s>/]`).test(xml)) {
      throw new NotificationConfigError(
        'NotImplemented',
        `${tag} is not supported by the embedded endpoint of ticket-processor local: only QueueConfiguration (SQS) destinations are`,
        501,
      );
    }
  }
  const ids = new Set<string>();
  return elements(xml, 'QueueConfiguration').map((block) => {
    const queueArn = text(block, 'Queue') ?? '';
    if (!QUEUE_ARN.test(queueArn)) throw new NotificationConfigError('InvalidArgument', `The ARN is not well formed: ${queueArn || '(missing Queue)'}`);
    const events = elements(block, 'Event').map((e) => decodeXml(e.trim()));
    if (events.length === 0) throw new NotificationConfigError('InvalidArgument', 'A QueueConfiguration needs at least one Event');
    for (const e of events) if (!EVENT.test(e)) throw new NotificationConfigError('InvalidArgument', `The event is not supported for notifications: ${e}`);
    const filterRules = elements(block, 'FilterRule').map((rule): FilterRule => {
      const name = (text(rule, 'Name') ?? '').toLowerCase();
      if (name !== 'prefix' && name !== 'suffix') throw new NotificationConfigError('InvalidArgument', `filter rule name must be either prefix or suffix, got ${name || '(missing)'}`);
      return { name, value: text(rule, 'Value') ?? '' };
    });
    if (new Set(filterRules.map((r) => r.name)).size !== filterRules.length) {
      throw new NotificationConfigError('InvalidArgument', 'Cannot specify more than one prefix or suffix rule in a filter.');
    }
    const id = text(block, 'Id') || generatedId();
    if (ids.has(id)) throw new NotificationConfigError('InvalidArgument', `Configuration is ambiguously defined: the Id ${id} is used twice`);
    ids.add(id);
    return { id, queueArn, events, filterRules };
  });
}

/** The body of a GetBucketNotificationConfiguration response. */
export function serializeNotificationConfiguration(configs: readonly QueueNotification[]): string {
  const queues = configs.map((c) => {
    const filter =
      c.filterRules.length === 0
        ? ''
        : `<Filter><S3Key>${c.filterRules.map((r) => `<FilterRule><Name>${r.name}</Name><Value>${escapeXml(r.value)}</Value></FilterRule>`).join('')}</S3Key></Filter>`;
    return `<QueueConfiguration><Id>${escapeXml(c.id)}</Id><Queue>${escapeXml(c.queueArn)}</Queue>${c.events.map((e) => `<Event>${escapeXml(e)}</Event>`).join('')}${filter}</QueueConfiguration>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="${XMLNS}">${queues.join('')}</NotificationConfiguration>`;
}

/** Whether a configuration's event list covers `eventName` (e.g. ObjectCreated:Put). */
export function eventMatches(events: readonly string[], eventName: string): boolean {
  const [group] = eventName.split(':');
  return events.some((e) => e === `s3:${eventName}` || e === `s3:${group}:*`);
}

export function keyMatches(rules: readonly FilterRule[], key: string): boolean {
  return rules.every((r) => (r.name === 'prefix' ? key.startsWith(r.value) : key.endsWith(r.value)));
}

/** The configurations of a bucket that an event on `key` goes to. */
export function matchingNotifications(configs: readonly QueueNotification[], eventName: string, key: string): QueueNotification[] {
  return configs.filter((c) => eventMatches(c.events, eventName) && keyMatches(c.filterRules, key));
}

/** region and queue name of an SQS queue ARN */
export function parseQueueArn(arn: string): { region: string; account: string; name: string } {
  const [, , , region = '', account = '', name = ''] = arn.split(':');
  return { region, account, name };
}
