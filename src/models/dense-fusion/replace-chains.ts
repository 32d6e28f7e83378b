// Replaces matched dense layers with one ai.ticket_processor Dense node each, then removes what
// only they used.
//
// The Dense node goes where the chain's MatMul was and writes the chain's last output, so every
// reader of that tensor is unchanged. Its inputs X, W and bias were available at the MatMul
// already; a residual may be computed between the MatMul and the residual Add, in which case the
// graph is re-sorted (stably: only what has to move moves). No cycle can arise: every value
// inside a chain is read only by the chain, so the residual cannot depend on it.
//
// The old nodes are detached by renaming the last one's output to an unused name; nothing reads
// that name, so removeDead takes the whole chain, then the Constant nodes and initializers only
// the chain read (GELU's sqrt(2), 1, 0.5), and the value_info entries of the values that are gone.

import onnxProto from 'onnx-proto';

import { TP_ATTENTION_DOMAIN } from '../attention-fusion/replace-blocks.js';
import { ensureOpsetImport, type GraphView, type NodeProto } from '../attention-fusion/graph-view.js';
import type { DenseChain } from './dense-chain.js';

const { onnx } = onnxProto;

/** The domain of the addon's custom ops (MaskedSelfAttention, Dense), under a name that is not attention's. */
export const TP_DOMAIN = TP_ATTENTION_DOMAIN;
export const TP_DENSE_OP = 'Dense';

export interface DenseFusionStats {
  /** Dense nodes written. */
  fused: number;
  /** Of which with a bias input, a GELU activation, a residual input. */
  withBias: number;
  withGelu: number;
  withResidual: number;
}

/**
 * Dense node inputs: [X, W, bias] with bias '' when there is none, then the residual only when
 * there is one (a trailing optional input is omitted, as ONNX allows). Attribute `activation`:
 * "none" or "gelu", always written.
 */
export function denseNode(g: GraphView, chain: DenseChain): NodeProto {
  const name = chain.matmul.name ?? '';
  const scope = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : chain.output;
  return {
    name: g.uniqueNodeName(`${scope}/${TP_DENSE_OP}`),
    opType: TP_DENSE_OP,
    domain: TP_DOMAIN,
    input: [chain.input, chain.weight, chain.bias ?? '', ...(chain.residual ? [chain.residual] : [])],
    output: [chain.output],
    attribute: [{ name: 'activation', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(chain.activation) }],
  };
}

/** Replaces every chain (matched beforehand, disjoint); returns what was written. */
export function replaceChains(g: GraphView, chains: DenseChain[]): DenseFusionStats {
  const stats: DenseFusionStats = { fused: 0, withBias: 0, withGelu: 0, withResidual: 0 };
  if (chains.length === 0) return stats;
  const absorbed: NodeProto[] = [];
  for (const chain of chains) {
    g.insertNode(g.nodes.indexOf(chain.matmul), denseNode(g, chain));
    const last = chain.nodes[chain.nodes.length - 1]!;
    last.output![0] = g.uniqueName(`${chain.output}_unfused`);
    absorbed.push(...chain.nodes);
    stats.fused++;
    if (chain.bias) stats.withBias++;
    if (chain.activation === 'gelu') stats.withGelu++;
    if (chain.residual) stats.withResidual++;
  }
  g.refresh();
  g.removeDead(absorbed);
  // The matcher only absorbs nodes whose outputs the chain alone reads; anything left would now
  // compute a value twice or read one that is gone.
  const left = new Set(g.nodes);
  if (absorbed.some((n) => left.has(n))) throw new Error('dense fusion: a replaced node is still read after the rewrite');
  ensureOpsetImport(g.model, TP_DOMAIN);
  if (!g.isTopologicallySorted()) g.sortTopologically();
  return stats;
}
