// Load-time fusion of the self-attention blocks of Hugging Face BERT and DistilBERT ONNX exports:
// each block's core, from the Q/K/V projections' MatMul outputs to the merged-heads context
// tensor (~40 nodes: head split/merge Reshapes and their Shape/Gather/Concat size arithmetic,
// Transposes, two batched MatMuls, scale, mask, Softmax), becomes one node:
//
//   'ticket-processor' (default): ai.ticket_processor MaskedSelfAttention, the addon's custom op
//   'ort-contrib':                com.microsoft MultiHeadAttention, ONNX Runtime's own contrib op
//                                 (same semantics; how the rewrite is checked with onnxruntime-node)
//
//   const { model, fused } = fuseAttention(bytes);
//
// Each pattern (bert-attention.ts, distilbert-attention.ts) is matched structurally (op types,
// perms, which input is a constant, Reshape targets proved to be [B, S, heads, head_dim]), never
// by node names, and says why its replacement computes the same tensor. A block that does not
// match exactly is left as it is; `fused` tells how many were replaced. A model where nothing
// matched is returned as the same bytes.
//
// Node contract (both targets): inputs [query, key, value, bias, mask], attributes num_heads and
// scale, output the original context tensor [B, S, H]. query/key/value are the float [B, S, H]
// projections before their bias Add; bias is a new [3H] initializer concat(bq, bk, bv); mask is
// the int64 [B, S] attention_mask graph input itself (MaskedSelfAttention) or its int32 Cast
// (MultiHeadAttention's key_padding_mask). Per batch and head: softmax over the keys j with
// mask[b, j] != 0 of scale * (q_i + bq) . (k_j + bk), times (v_j + bv); padded keys weigh
// exactly 0, every query row (padded or not) is computed.

import onnxProto from 'onnx-proto';

import { TicketProcessorError } from '../../errors.js';
import type { AttentionBlock } from './attention-block.js';
import { matchBertAttention } from './bert-attention.js';
import { matchDistilBertAttention } from './distilbert-attention.js';
import { GraphView, isExternal, isOnnxOp, type ModelProto, type NodeProto, toNumber } from './graph-view.js';
import { type AttentionFusionTarget, replaceBlocks } from './replace-blocks.js';

export { TP_ATTENTION_DOMAIN, TP_ATTENTION_OP, type AttentionFusionTarget } from './replace-blocks.js';

const { onnx } = onnxProto;

export interface AttentionFusionResult {
  /** The rewritten model, or the input bytes themselves when nothing was fused. */
  model: Uint8Array;
  /** Attention blocks replaced. */
  fused: number;
  /** Why the model was deliberately left unchanged (unknown protobuf fields, external data). */
  skipped?: string;
}

const TARGETS: readonly AttentionFusionTarget[] = ['ticket-processor', 'ort-contrib'];
const MATCHERS = [matchBertAttention, matchDistilBertAttention] as const;

/**
 * Fuses the BERT / DistilBERT self-attention blocks of an ONNX model (the bytes of a `.onnx`
 * file). Throws a MODEL_INVALID TicketProcessorError when the bytes are not an ONNX model.
 */
export function fuseAttention(bytes: Uint8Array, target: AttentionFusionTarget = 'ticket-processor'): AttentionFusionResult {
  if (!TARGETS.includes(target)) {
    throw new TicketProcessorError('INPUT_INVALID', `fuseAttention: target must be one of ${TARGETS.join(', ')}, got ${String(target)}.`);
  }
  const model = decode(bytes);
  const unchanged = (skipped?: string): AttentionFusionResult => ({ model: bytes, fused: 0, ...(skipped ? { skipped } : {}) });

  const g = new GraphView(model);
  // The tensors live in files next to the model, which re-encoding these bytes would not carry
  // along (and the bias concat could not read); such a model is used as it is.
  if (g.allTensors().some(isExternal)) return unchanged('the model stores tensors as external data; left unchanged');
  // protobufjs drops fields it does not know (onnx-proto follows ONNX 1.10, IR 8), so re-encoding
  // a newer model would silently lose them. `.len` sizes the message without copying tensor data.
  if (onnx.ModelProto.encode(model).len !== bytes.length) {
    return unchanged('the model has protobuf fields this reader does not know (newer ONNX IR); left unchanged');
  }

  const blocks = findBlocks(g);
  if (blocks.length === 0) return unchanged();
  const fused = replaceBlocks(g, blocks, target);
  return { model: onnx.ModelProto.encode(model).finish(), fused };
}

/** Every matched block, found before anything is edited (matchers read the unmodified graph). */
function findBlocks(g: GraphView): AttentionBlock[] {
  const blocks: AttentionBlock[] = [];
  const merges = new Set<NodeProto>();
  for (const node of g.nodes) {
    if (!isOnnxOp(node, 'Softmax')) continue;
    for (const match of MATCHERS) {
      const block = match(g, node);
      if (block && !merges.has(block.merge)) {
        merges.add(block.merge);
        blocks.push(block);
        break;
      }
    }
  }
  return blocks;
}

function decode(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) {
    throw new TicketProcessorError('INPUT_INVALID', 'fuseAttention expects the bytes of an ONNX model (a Uint8Array or Buffer).');
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
