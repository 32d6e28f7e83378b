/**
 * The one error type of ticket-processor. `code` is stable (match on it, not on messages);
 * the message says what happened and what to do next.
 */
export type ErrorCode =
  | 'INPUT_INVALID' // an argument or ticket the caller passed is not acceptable
  | 'CONFIG_INVALID' // an option or environment variable is wrong
  | 'MODEL_NOT_FOUND' // a model folder or one of its files is missing
  | 'MODEL_INVALID' // a model file exists but cannot be used (corrupt, wrong architecture)
  | 'NATIVE_LOAD_FAILED' // the addon or ONNX Runtime could not be loaded
  | 'ENRICHER_CLOSED' // the enricher was used after close()
  | 'INFERENCE_FAILED' // ONNX Runtime failed while running a model
  | 'OUT_OF_MEMORY'
  | 'INTERNAL'; // a bug: please report it

const KNOWN_CODES = new Set<string>([
  'INPUT_INVALID',
  'CONFIG_INVALID',
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'NATIVE_LOAD_FAILED',
  'ENRICHER_CLOSED',
  'INFERENCE_FAILED',
  'OUT_OF_MEMORY',
  'INTERNAL',
]);

export class TicketProcessorError extends Error {
  override readonly name = 'TicketProcessorError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isTicketProcessorError(e: unknown): e is TicketProcessorError {
  return e instanceof TicketProcessorError;
}

/**
 * Runs a native call and converts its failure into a TicketProcessorError whose stack points at
 * the caller's line (captured before the call), not at an anonymous native frame: what sharp
 * does for its native errors.
 */
export async function callNative<T>(work: () => Promise<T> | T): Promise<T> {
  const site = new Error();
  try {
    return await work();
  } catch (e) {
    throw fromNative(e, site);
  }
}

export function fromNative(e: unknown, site?: Error): TicketProcessorError {
  if (e instanceof TicketProcessorError) return e;
  const native = e as { code?: unknown; message?: unknown };
  const code = typeof native?.code === 'string' && KNOWN_CODES.has(native.code) ? (native.code as ErrorCode) : 'INTERNAL';
  const message = typeof native?.message === 'string' ? native.message : String(e);
  const error = new TicketProcessorError(code, message, { cause: e });
  if (site?.stack) {
    const frames = site.stack.split('\n').slice(1).join('\n');
    error.stack = `${error.name} [${code}]: ${message}\n${frames}`;
  }
  return error;
}
