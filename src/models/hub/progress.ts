/**
 * What a pull shows while it works: on a terminal a bar per file (bytes, rate, ETA; cli-progress
 * multibar), otherwise one plain line per file:
 *
 *   pulled Xenova/all-MiniLM-L6-v2/onnx/model.onnx 90.4 MB in 3.1 s, sha256 ok
 *
 * Both go to stderr by default, so stdout stays data. NO_COLOR turns colour off.
 */
import cliProgress from 'cli-progress';

import type { VerificationMethod } from './hashing.js';

export interface FileDone {
  /** the file's size */
  bytes: number;
  seconds: number;
  verified: VerificationMethod;
  /** bytes a previous, interrupted download had already written */
  resumedFrom: number;
}

/** Receives a pull's events; `name` is `<model id>/<file path>`. */
export interface ProgressReporter {
  start(name: string, total: number | undefined, offset: number): void;
  advance(name: string, bytes: number): void;
  done(name: string, info: FileDone): void;
  /** a file not downloaded: already verified, or an optional file the repository does not have */
  skipped(name: string, reason: string): void;
  retry(name: string, attempt: number, attempts: number, delayMs: number, error: Error): void;
  failed(name: string, message: string): void;
  log(message: string): void;
  /** stops bars and timers; the reporter may be used again afterwards */
  close(): void;
}

/** 598 B, 711.4 kB, 90.4 MB, 1.2 GB (decimal units, as the hub shows sizes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatSeconds(seconds: number): string {
  return `${seconds.toFixed(1)} s`;
}

export function verificationWords(method: VerificationMethod): string {
  switch (method) {
    case 'sha256':
      return 'sha256 ok';
    case 'git-sha1':
      return 'git sha1 ok';
    default:
      return 'size ok (the hub published no hash)';
  }
}

/** The line a finished file gets (also the line a bar turns into on a terminal). */
export function doneLine(name: string, info: FileDone): string {
  const resumed = info.resumedFrom > 0 ? ` (resumed at ${formatBytes(info.resumedFrom)})` : '';
  return `pulled ${name} ${formatBytes(info.bytes)} in ${formatSeconds(info.seconds)}${resumed}, ${verificationWords(info.verified)}`;
}

export function retryLine(name: string, attempt: number, attempts: number, delayMs: number, error: Error): string {
  return `retrying ${name} in ${formatSeconds(delayMs / 1000)} (attempt ${attempt + 1} of ${attempts}): ${error.message}`;
}

export function useColor(stream: NodeJS.WritableStream & { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
}

const paint = (on: boolean, code: number, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** One line per event, for logs and pipes. */
export class LineProgress implements ProgressReporter {
  constructor(
    private readonly stream: NodeJS.WritableStream = process.stderr,
    private readonly color = false,
  ) {}

  start(): void {}
  advance(): void {}
  done(name: string, info: FileDone): void {
    this.#write(doneLine(name, info).replace(/, (sha256 ok|git sha1 ok|size ok)/, (_, ok: string) => `, ${paint(this.color, 32, ok)}`));
  }
  skipped(name: string, reason: string): void {
    this.#write(`skipped ${name}: ${reason}`);
  }
  retry(name: string, attempt: number, attempts: number, delayMs: number, error: Error): void {
    this.#write(paint(this.color, 33, retryLine(name, attempt, attempts, delayMs, error)));
  }
  failed(name: string, message: string): void {
    this.#write(paint(this.color, 31, `failed ${name}: ${message}`));
  }
  log(message: string): void {
    this.#write(message);
  }
  close(): void {}

  #write(line: string): void {
    this.stream.write(`${line}\n`);
  }
}

interface BarState {
  bar: cliProgress.SingleBar;
  startedAt: number;
  startValue: number;
  value: number;
  total: number | undefined;
}

const BAR_WIDTH = 24;

/** A bar per file on a terminal; finished files turn into their plain line above the bars. */
export class TtyProgress implements ProgressReporter {
  #multibar: cliProgress.MultiBar | undefined;
  readonly #bars = new Map<string, BarState>();

  constructor(
    private readonly stream: NodeJS.WritableStream = process.stderr,
    private readonly color = true,
  ) {}

  #ensure(): cliProgress.MultiBar {
    this.#multibar ??= new cliProgress.MultiBar({
      stream: this.stream,
      hideCursor: true,
      clearOnComplete: true,
      fps: 8,
      format: (_options, params, payload: { name: string; line: string }) => payload.line ?? payload.name ?? String(params.value),
    });
    return this.#multibar;
  }

  #render(name: string, s: BarState): string {
    const elapsed = (Date.now() - s.startedAt) / 1000;
    const rate = elapsed > 0 ? (s.value - s.startValue) / elapsed : 0;
    const total = s.total;
    const fraction = total ? Math.min(1, s.value / total) : 0;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = paint(this.color, 36, '█'.repeat(filled)) + '░'.repeat(BAR_WIDTH - filled);
    const eta = total && rate > 0 ? `ETA ${formatEta((total - s.value) / rate)}` : 'ETA --';
    const size = total ? `${formatBytes(s.value)}/${formatBytes(total)}` : formatBytes(s.value);
    return `${name} ${bar} ${total ? `${Math.floor(fraction * 100)}%`.padStart(4) : '  ?%'} ${size} ${formatBytes(rate)}/s ${eta}`;
  }

  start(name: string, total: number | undefined, offset: number): void {
    const multibar = this.#ensure();
    const existing = this.#bars.get(name);
    if (existing) multibar.remove(existing.bar);
    const state: BarState = { bar: undefined as unknown as cliProgress.SingleBar, startedAt: Date.now(), startValue: offset, value: offset, total };
    state.bar = multibar.create(total ?? 0, offset, { name, line: '' });
    this.#bars.set(name, state);
    state.bar.update(offset, { name, line: this.#render(name, state) });
  }

  advance(name: string, bytes: number): void {
    const s = this.#bars.get(name);
    if (!s) return;
    s.value += bytes;
    s.bar.update(s.value, { name, line: this.#render(name, s) });
  }

  done(name: string, info: FileDone): void {
    this.#finish(name);
    this.log(doneLine(name, info).replace(/, (sha256 ok|git sha1 ok|size ok)/, (_, ok: string) => `, ${paint(this.color, 32, ok)}`));
  }

  skipped(name: string, reason: string): void {
    this.log(`skipped ${name}: ${reason}`);
  }

  retry(name: string, attempt: number, attempts: number, delayMs: number, error: Error): void {
    this.log(paint(this.color, 33, retryLine(name, attempt, attempts, delayMs, error)));
  }

  failed(name: string, message: string): void {
    this.#finish(name);
    this.log(paint(this.color, 31, `failed ${name}: ${message}`));
  }

  log(message: string): void {
    if (this.#multibar && this.#bars.size > 0) this.#multibar.log(`${message}\n`);
    else this.stream.write(`${message}\n`);
  }

  close(): void {
    this.#multibar?.stop();
    this.#multibar = undefined;
    this.#bars.clear();
  }

  #finish(name: string): void {
    const s = this.#bars.get(name);
    if (!s || !this.#multibar) return;
    this.#multibar.remove(s.bar);
    this.#bars.delete(name);
    if (this.#bars.size === 0) {
      this.#multibar.stop();
      this.#multibar = undefined;
    }
  }
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Nothing at all (library users who pass `progress: false`). */
export const SILENT_PROGRESS: ProgressReporter = {
  start() {},
  advance() {},
  done() {},
  skipped() {},
  retry() {},
  failed() {},
  log() {},
  close() {},
};

/** Bars on a terminal, plain lines otherwise; stderr by default. */
export function defaultProgress(stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr, env: NodeJS.ProcessEnv = process.env): ProgressReporter {
  const tty = Boolean(stream.isTTY) && env.TERM !== 'dumb';
  return tty ? new TtyProgress(stream, useColor(stream, env)) : new LineProgress(stream, false);
}
