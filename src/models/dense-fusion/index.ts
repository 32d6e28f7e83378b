// Load-time fusion of the dense layers of Hugging Face BERT, DistilBERT (and similar) encoder
// exports: each MatMul with a constant weight, together with the bias Add and the GELU or the
// residual Add that follow it, becomes one node, ai.ticket_processor Dense, which the addon
// computes as one GEMM over weights packed at load time with the epilogue fused in (no separate
// passes over memory for the bias, the activation and the residual).
//
//   const { model, fused } = fuseDense(bytes);           // bytes in, bytes out
//   const stats = fuseDenseLayers(decodedModel);         // in place, after fuseAttention's own rewrite
//
// Matching is structural (dense-chain.ts, gelu-pattern.ts: op types, which input is an
// initializer of which shape, GELU constants), never by node names. Everything a chain absorbs
// was read by the chain alone, so the graph outside it is unchanged.
//
// Node contract (replace-chains.ts): opType Dense, domain ai.ticket_processor (imported at
// version 1); inputs [X, W, bias] or [X, W, bias, residual]: X float [..., K]; W a float [K, N]
// initializer; bias a float [N] initializer or '' (none); residual a float tensor, omitted when
// there is none; attribute activation "none" | "gelu" (exact: 0.5 x (1 + erf(x / sqrt(2))));
// output the chain's last tensor, Y = activation(X . W + bias) + residual.
//
// The residual is the other operand of an Add, which broadcasts, so the graph does not prove it
// has Y's shape (in the encoder exports it does: it is the layer's input, [B, S, N]); the op
// expands a residual that broadcasts to Y's shape and refuses one that would change it.
//
// Loaded only with TICKET_PROCESSOR_FUSE_DENSE=1 (src/models/fused-graph.ts says why).

import { GraphView, isOnnxOp, type ModelProto, type NodeProto } from '../attention-fusion/graph-view.js';
import { decodeModel, encodeModel, reencodeBlocker } from '../attention-fusion/model-bytes.js';
import { type DenseChain, matchDenseChain } from './dense-chain.js';
import { type DenseFusionStats, replaceChains } from './replace-chains.js';

export { TP_DENSE_OP, TP_DOMAIN, type DenseFusionStats } from './replace-chains.js';

export interface DenseFusionResult {
  /** The rewritten model, or the input bytes themselves when nothing was fused. */
  model: Uint8Array;
  /** Dense nodes written. */
  fused: number;
  /** Why the model was deliberately left unchanged (unknown protobuf fields, external data). */
  skipped?: string;
}

/**
 * Rewrites the dense layers of a decoded model in place (its main graph; subgraphs are not
 * rewritten) and says how many Dense nodes it wrote. Neither decodes nor encodes, so it chains
 * after other in-place rewrites of the same model; re-encoding safely (no external data, no
 * protobuf fields onnx-proto does not know) is the caller's concern, see fuseDense.
 */
export function fuseDenseLayers(model: ModelProto): DenseFusionStats {
  if (!model.graph) return { fused: 0, withBias: 0, withGelu: 0, withResidual: 0 };
  const g = new GraphView(model);
  return replaceChains(g, findChains(g));
}

/**
 * Fuses the dense layers of an ONNX model (the bytes of a `.onnx` file). Throws a MODEL_INVALID
 * TicketProcessorError when the bytes are not an ONNX model.
 */
export function fuseDense(bytes: Uint8Array): DenseFusionResult {
  const model = decodeModel(bytes, 'fuseDense');
  const skipped = reencodeBlocker(new GraphView(model), bytes);
  if (skipped) return { model: bytes, fused: 0, skipped };
  const { fused } = fuseDenseLayers(model);
  return fused === 0 ? { model: bytes, fused } : { model: encodeModel(model), fused };
}

/**
 * Every chain, found in node order before anything is edited. Chains are disjoint: a node only
 * one value of the chain reads can be in one chain only, except a residual Add of two dense
 * outputs, Add(dense1, dense2), which goes to the first chain (the second stops at its bias).
 */
function findChains(g: GraphView): DenseChain[] {
  const chains: DenseChain[] = [];
  const claimed = new Set<NodeProto>();
  for (const node of g.nodes) {
    if (!isOnnxOp(node, 'MatMul')) continue;
    const chain = matchDenseChain(g, node, claimed);
    if (!chain) continue;
    for (const n of chain.nodes) claimed.add(n);
    chains.push(chain);
  }
  return chains;
}
