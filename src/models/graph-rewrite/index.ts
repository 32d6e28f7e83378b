// Load-time, semantics-preserving rewrites of Hugging Face ONNX exports, so that ONNX Runtime's
// own in-session fusions (Attention, SkipLayerNormalization, BiasGelu, FusedMatMul) find the
// patterns they look for. Each rewrite matches a strict pattern and leaves everything it does
// not recognize as it is; a model none of them matches is returned as the same bytes.
//
//   const { model, report } = rewriteForOrt(bytes);
//
// See the rewrite files for what each one does and why it is exact. The order matters: the mask
// rewrite removes the Shape uses that would otherwise keep the attention input's shape
// subgraphs alive, and the Reshape constants come last so that they see the final graph.

import onnxProto from 'onnx-proto';
import { TicketProcessorError } from '../../errors.js';
import * as additiveAttentionMask from './additive-attention-mask.js';
import * as attentionScaleOrder from './attention-scale-order.js';
import * as biasAddOrder from './bias-add-order.js';
import { GraphView, toNumber, type ModelProto } from './graph.js';
import * as positionIds from './position-ids.js';
import * as reshapeShapeConstant from './reshape-shape-constant.js';

const { onnx } = onnxProto;

export interface RewriteReport {
  /** Rewrites that changed something, in the order they ran, with how many places each changed. */
  applied: { name: RewriteName; count: number }[];
  nodesBefore: number;
  nodesAfter: number;
  /** Set when the model was deliberately left as it was (e.g. it has fields this reader does not know). */
  skipped?: string;
}

const REWRITES = [biasAddOrder, additiveAttentionMask, attentionScaleOrder, positionIds, reshapeShapeConstant] as const;

export type RewriteName = (typeof REWRITES)[number]['name'];
export const REWRITE_NAMES: readonly RewriteName[] = REWRITES.map((r) => r.name);

export interface RewriteOptions {
  /** Run only these rewrites (in the fixed order above). Default: all. */
  only?: readonly RewriteName[];
}

/**
 * Rewrites an ONNX model (the bytes of a `.onnx` file) for ONNX Runtime's CPU fusions. Returns
 * the input array itself when nothing applied. Throws a MODEL_INVALID TicketProcessorError when
 * the bytes are not an ONNX model.
 */
export function rewriteForOrt(bytes: Uint8Array, options: RewriteOptions = {}): { model: Uint8Array; report: RewriteReport } {
  const model = decode(bytes);
  const nodesBefore = model.graph!.node?.length ?? 0;
  const untouched = (skipped?: string) => ({
    model: bytes,
    report: { applied: [], nodesBefore, nodesAfter: nodesBefore, ...(skipped ? { skipped } : {}) },
  });

  // protobufjs drops fields it does not know (onnx-proto follows ONNX 1.10, IR 8). Re-encoding a
  // newer model would silently lose them, so such a model is left as it is. The size of the
  // re-encoded message is computed without copying any tensor data.
  if (onnx.ModelProto.encode(model).len !== bytes.length) {
    return untouched('the model has protobuf fields this reader does not know (newer ONNX IR); left unchanged');
  }

  const g = new GraphView(model);
  const only = options.only ? new Set<string>(options.only) : undefined;
  const applied: RewriteReport['applied'] = [];
  for (const r of REWRITES) {
    if (only && !only.has(r.name)) continue;
    const count = r.apply(g);
    if (count > 0) applied.push({ name: r.name, count });
  }
  if (applied.length === 0) return untouched();
  g.sortTopologically();
  const out = onnx.ModelProto.encode(model).finish();
  return { model: out, report: { applied, nodesBefore, nodesAfter: g.nodes.length } };
}

function decode(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) {
    throw new TicketProcessorError('INPUT_INVALID', 'rewriteForOrt expects the bytes of an ONNX model (a Uint8Array or Buffer).');
  }
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new TicketProcessorError(
      'MODEL_INVALID',
      `Not a valid ONNX model (${(e as Error).message}). The file is probably truncated or corrupt: download it again.`,
      { cause: e },
    );
  }
  if (!model.graph || !(toNumber(model.irVersion ?? 0) > 0) || (model.graph.node?.length ?? 0) === 0) {
    throw new TicketProcessorError(
      'MODEL_INVALID',
      'Not a valid ONNX model (no IR version or no graph nodes). The file is probably truncated or corrupt: download it again.',
    );
  }
  return model;
}
