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

import { TicketProcessorError } from '../../errors.js';
import type { AttentionBlock } from './attention-block.js';
import { matchBertAttention } from './bert-attention.js';
import { matchDistilBertAttention } from './distilbert-attention.js';
import { GraphView, isOnnxOp, type ModelProto, type NodeProto } from './graph-view.js';
import { decodeModel, encodeModel, reencodeBlocker } from './model-bytes.js';
import { type AttentionFusionTarget, replaceBlocks } from './replace-blocks.js';

export { TP_ATTENTION_DOMAIN, TP_ATTENTION_OP, type AttentionFusionTarget } from './replace-blocks.js';

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
  checkTarget(target);
  const model = decodeModel(bytes, 'fuseAttention');
  const skipped = reencodeBlocker(new GraphView(model), bytes);
  if (skipped) return { model: bytes, fused: 0, skipped };
  const fused = fuseAttentionBlocks(model, target);
  return fused > 0 ? { model: encodeModel(model), fused } : { model: bytes, fused: 0 };
}

/**
 * The same rewrite on a decoded model, in place (for callers that chain several rewrites on one
 * decode; they check reencodeBlocker first). Returns the number of blocks replaced.
 */
export function fuseAttentionBlocks(model: ModelProto, target: AttentionFusionTarget = 'ticket-processor'): number {
  checkTarget(target);
  const g = new GraphView(model);
  const blocks = findBlocks(g);
  return blocks.length === 0 ? 0 : replaceBlocks(g, blocks, target);
}

function checkTarget(target: AttentionFusionTarget): void {
  if (!TARGETS.includes(target)) {
    throw new TicketProcessorError('INPUT_INVALID', `fuseAttention: target must be one of ${TARGETS.join(', ')}, got ${String(target)}.`);
  }
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
