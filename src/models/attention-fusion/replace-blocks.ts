// Replaces matched attention blocks with one node each, then removes what only they used.
//
// The node takes the place of the block's final Reshape and produces the same tensor name, so
// the output projection and everything downstream read it unchanged. Its inputs already exist
// before that Reshape (the projections are its ancestors, the mask is a graph input, the bias an
// initializer; the one Cast the ort-contrib target adds goes first), so the node order stays
// topological without moving anything.

import onnxProto from 'onnx-proto';

import type { AttentionBlock } from './attention-block.js';
import { DataType, ensureOpsetImport, floatTensor, type GraphView, type NodeProto, tensorValues } from './graph-view.js';

const { onnx } = onnxProto;

export type AttentionFusionTarget = 'ticket-processor' | 'ort-contrib';

export const TP_ATTENTION_DOMAIN = 'ai.ticket_processor';
export const TP_ATTENTION_OP = 'MaskedSelfAttention';
export const ORT_CONTRIB_DOMAIN = 'com.microsoft';
export const ORT_ATTENTION_OP = 'MultiHeadAttention';

/** Replaces every block; returns the number replaced (all of them: blocks are matched first). */
export function replaceBlocks(g: GraphView, blocks: AttentionBlock[], target: AttentionFusionTarget): number {
  const AT = onnx.AttributeProto.AttributeType;
  // ORT's MultiHeadAttention wants an int32 key_padding_mask; one Cast per mask input serves all layers.
  const int32Masks = new Map<string, string>();
  const orphaned: NodeProto[] = [];
  for (const block of blocks) {
    const scope = block.merge.name?.includes('/') ? block.merge.name.slice(0, block.merge.name.lastIndexOf('/')) : block.output;
    const bias = g.addInitializer(floatTensor(`${scope}/qkv_bias`, [3 * block.numHeads * block.headSize], concatBiases(block)));
    let mask = block.mask;
    if (target === 'ort-contrib') {
      let cast = int32Masks.get(mask);
      if (!cast) {
        cast = g.uniqueName(`${mask}_int32`);
        g.insertNode(0, {
          name: g.uniqueNodeName(`${mask}/Cast_int32`),
          opType: 'Cast',
          domain: '',
          input: [mask],
          output: [cast],
          attribute: [{ name: 'to', type: AT.INT, i: DataType.INT32 }],
        });
        int32Masks.set(mask, cast);
      }
      mask = cast;
    }
    const opType = target === 'ort-contrib' ? ORT_ATTENTION_OP : TP_ATTENTION_OP;
    const domain = target === 'ort-contrib' ? ORT_CONTRIB_DOMAIN : TP_ATTENTION_DOMAIN;
    g.replaceNode(block.merge, {
      name: g.uniqueNodeName(`${scope}/${opType}`),
      opType,
      domain,
      input: [block.query, block.key, block.value, bias, mask],
      output: [block.output],
      attribute: [
        { name: 'num_heads', type: AT.INT, i: block.numHeads },
        { name: 'scale', type: AT.FLOAT, f: block.scale },
      ],
    });
    // The Reshape's own producers (the context Transpose and the shape Concat) are where the
    // block's now-unused nodes start; removeDead walks up from them.
    for (const i of block.merge.input ?? []) {
      const p = g.producer.get(i);
      if (p) orphaned.push(p);
    }
  }
  g.refresh();
  g.removeDead(orphaned);
  ensureOpsetImport(g.model, target === 'ort-contrib' ? ORT_CONTRIB_DOMAIN : TP_ATTENTION_DOMAIN);
  if (!g.isTopologicallySorted()) g.sortTopologically();
  return blocks.length;
}

/** concat(bq, bk, bv): the bias layout of MultiHeadAttention and MaskedSelfAttention. */
function concatBiases(block: AttentionBlock): Float32Array {
  const h = block.numHeads * block.headSize;
  const out = new Float32Array(3 * h);
  block.biases.forEach((t, i) => {
    const values = tensorValues(t);
    // The matcher checked dtype and dims; unreadable data (external) never reaches here.
    if (!values || values.length !== h) throw new Error(`attention fusion: bias ${t.name ?? ''} is not readable as float [${h}]`);
    out.set(values, i * h);
  });
  return out;
}
