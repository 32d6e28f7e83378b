// Texts shared by tests: realistic tickets plus the awkward cases.
import { createTicketGenerator } from '../src/seed/ticket-generator.js';

export function ticketTexts(count: number, seed = 7): string[] {
  return createTicketGenerator(seed)
    .take(count)
    .map(({ ticket }) => `${ticket.subject}\n\n${ticket.body}`);
}

export const AWKWARD_TEXTS: string[] = [
  '',
  ' ',
  '\t\n',
  'a',
  'Hello, world!',
  'Ünïcödé àccents — and “smart quotes”',
  '中文字符和日本語のテキスト',
  'emoji 😀👍🏽 👨‍👩‍👧 flags 🇫🇷',
  'NUL\u0000byte and bell\u0007 and zero\u200bwidth',
  'lone surrogates \ud800 and \udc00 here',
  '[CLS] special [SEP] tokens [UNK] [MASK] in text',
  'x'.repeat(150),
  'word '.repeat(600), // far past 512 tokens: truncated
  'Our nightly export fails. '.repeat(120),
  '!!!???...,,,;;;',
];
