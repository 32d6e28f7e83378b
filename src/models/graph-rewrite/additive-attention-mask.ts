// Rewrite DistilBERT's boolean attention mask as BERT's additive one.
//
// transformers' eager DistilBERT (export at opset 11) masks the scores of every layer with
//   Where(Cast(Expand(Reshape(Equal(attention_mask, 0), [bs, 1, 1, k_len]), Shape(scores))), MIN, scores)
// which materializes a [batch, heads, seq, seq] boolean tensor per layer (memory-bound) and
// matches no ONNX Runtime fusion (its DistilBERT attention matcher wants -inf, a private Equal per
// layer and no Cast). The rewrite computes, once for the graph,
//   keep = Cast(Not(Equal(attention_mask, 0)), float)                  [batch, seq]  1 or 0
//   bias = Mul(Sub(1, Unsqueeze(Unsqueeze(keep, 1), 2)), MIN)           [batch, 1, 1, seq]
// and each layer's Where becomes Add(scores, bias): the mask BERT's export writes, which
// AttentionFusion recognizes.
//
// Equivalence, for every attention_mask (not only 0/1: `keep` is exactly the original `!= 0`):
// where keep is 1 the bias is 0 * MIN = -0 and scores + -0 == scores, bit for bit; where it is 0
// the original writes MIN and the new graph MIN + score, which rounds to MIN exactly whenever
// |score| < ulp(MIN) / 2 (2^103 for MIN = -3.4028235e38; 2^75 for -1e30). Scores are never near
// that, so the Softmax input is the same tensor. MIN must be finite (0 * -inf is NaN) and at most
// -1e30, so that the rounding argument holds; the rank-4 layout is proved by symbolic shapes
// (the reshape target must be [mask dim 0, 1, 1, mask dim 1]) and the Where must feed only
// Softmax over the last axis.

import { attr, attrInt, DataType, floatTensor, GraphView, int64Tensor, isOnnxOp, type NodeProto } from './graph.js';
import { ShapeInfo } from './shapes.js';

export const name = 'additive-attention-mask';

export function apply(g: GraphView): number {
  const info = new ShapeInfo(g);
  const shared = new Map<string, string>();
  const orphans: NodeProto[] = [];
  let count = 0;
  for (const where of [...g.nodes]) {
    if (!isOnnxOp(where, 'Where') || where.input?.length !== 3) continue;
    const [cond, fill, scores] = where.input as [string, string, string];
    const fillTensor = g.constant(fill);
    const min = g.constantScalar(fill);
    if (!fillTensor || fillTensor.dataType !== DataType.FLOAT || min === undefined || !Number.isFinite(min) || min > -1e30) continue;
    const scoresShape = info.shape(scores);
    if (!scoresShape || scoresShape.length !== 4) continue;

    let expand = g.producer.get(cond);
    if (expand && isOnnxOp(expand, 'Cast')) {
      if (attrInt(expand, 'to') !== DataType.BOOL) continue;
      expand = g.producer.get(expand.input![0]!);
    }
    if (!expand || !isOnnxOp(expand, 'Expand')) continue;
    const shapeNode = g.producer.get(expand.input![1]!);
    if (!shapeNode || !isOnnxOp(shapeNode, 'Shape') || shapeNode.input![0] !== scores) continue;
    if (attr(shapeNode, 'start') || attr(shapeNode, 'end')) continue;
    const reshape = g.producer.get(expand.input![0]!);
    if (!reshape || !isOnnxOp(reshape, 'Reshape')) continue;
    const equal = g.producer.get(reshape.input![0]!);
    if (!equal || !isOnnxOp(equal, 'Equal')) continue;
    const [e0, e1] = equal.input as [string, string];
    const mask = g.constantScalar(e1) === 0 ? e0 : g.constantScalar(e0) === 0 ? e1 : undefined;
    if (!mask || !g.isGraphInput(mask)) continue;
    const maskType = g.graphInput(mask)?.type?.tensorType?.elemType;
    if (maskType !== DataType.INT64 && maskType !== DataType.INT32) continue;
    const maskShape = info.shape(mask);
    const reshaped = info.shape(reshape.output![0]!);
    if (!maskShape || maskShape.length !== 2 || !reshaped || reshaped.length !== 4) continue;
    if (reshaped[0] !== maskShape[0] || reshaped[1] !== 1 || reshaped[2] !== 1 || reshaped[3] !== maskShape[1]) continue;

    const out = where.output![0]!;
    const users = g.consumersOf(out);
    if (g.pinned.has(out) || users.length === 0) continue;
    const softmaxOnly = users.every((u) => {
      if (!isOnnxOp(u, 'Softmax')) return false;
      const axis = attrInt(u, 'axis') ?? (g.opset >= 13 ? -1 : 1);
      return axis === 3 || axis === -1;
    });
    if (!softmaxOnly) continue;

    const key = `${mask}\u0000${min}`;
    let bias = shared.get(key);
    if (!bias) {
      bias = buildBias(g, mask, maskType, min, where);
      shared.set(key, bias);
    }
    where.opType = 'Add';
    where.attribute = [];
    where.input = [scores, bias];
    g.refresh();
    orphans.push(expand);
    count++;
  }
  g.removeDead(orphans);
  return count;
}

function buildBias(g: GraphView, mask: string, maskType: number, min: number, anchor: NodeProto): string {
  const prefix = `${mask}/additive_mask`;
  const zero =
    maskType === DataType.INT64
      ? g.addInitializer(int64Tensor(`${prefix}/zero`, [], [0]))
      : g.addInitializer({ name: `${prefix}/zero`, dims: [], dataType: DataType.INT32, int32Data: [0] });
  const [isPad] = g.addNode('Equal', [mask, zero], {}, prefix, anchor);
  const [keep] = g.addNode('Not', [isPad!], {}, prefix, anchor);
  const [keepF] = g.addNode('Cast', [keep!], { to: DataType.FLOAT }, prefix, anchor);
  const u1 = g.addUnsqueeze(keepF!, [1], prefix, anchor);
  const u2 = g.addUnsqueeze(u1, [2], prefix, anchor);
  const one = g.addInitializer(floatTensor(`${prefix}/one`, [], [1]));
  const [inv] = g.addNode('Sub', [one, u2], {}, prefix, anchor);
  const minName = g.addInitializer(floatTensor(`${prefix}/min`, [], [min]));
  const [bias] = g.addNode('Mul', [inv!, minName], {}, prefix, anchor);
  return bias!;
}
