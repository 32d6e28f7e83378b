// Pieces of the attention-mask paths that BERT and DistilBERT exports share: the int64 [B, S]
// graph input they start from, `mask[:, None, None, :]` as the exporter writes it (Unsqueeze
// nodes, possibly with a Cast in between), and the "very negative" constant that stands for
// "masked out".

import { attrInt, attrInts, DataType, type GraphView, isOnnxOp, type NodeProto } from './graph-view.js';

/**
 * Masked scores must end with softmax weight exactly 0 for the replacement to be exact: with
 * transformers' finfo(float32).min (or the older -10000 / -1e9 / -inf), score + fill - max is
 * below -103.98, where float32 exp() underflows to 0, as long as the row has one attended key
 * and scores are not thousands apart. A fill closer to 0 is a different function; not matched.
 */
export const MASK_FILL_AT_MOST = -1e4;

/** `name` is an int64 graph input declared with rank 2 ([batch, sequence]). */
export function isInt64MaskInput(g: GraphView, name: string | undefined): name is string {
  if (!name) return false;
  const vi = g.graphInput(name);
  const tensorType = vi?.type?.tensorType;
  return tensorType?.elemType === DataType.INT64 && tensorType.shape?.dim?.length === 2;
}

/**
 * Walks back from `name` through at most two Unsqueeze nodes (and, when `castTo` is given,
 * exactly one Cast to that type) to the first value `isStart` accepts, and checks that the
 * Unsqueezes turn that [B, S] value into [B, 1, 1, S]. Returns the start value's name.
 */
export function viewAsB11S(g: GraphView, name: string, isStart: (name: string) => boolean, castTo?: number): string | undefined {
  const chain: NodeProto[] = [];
  let cur = name;
  let casts = 0;
  while (!isStart(cur)) {
    const node = g.producer.get(cur);
    if (isOnnxOp(node, 'Unsqueeze')) chain.push(node);
    else if (castTo !== undefined && isOnnxOp(node, 'Cast') && attrInt(node, 'to') === castTo) casts++;
    else return undefined;
    if (chain.length > 2 || casts > 1) return undefined;
    cur = node.input?.[0] ?? '';
  }
  if (casts !== (castTo === undefined ? 0 : 1)) return undefined;
  // Replay the Unsqueezes forward on the layout [B, S].
  let layout = ['B', 'S'];
  for (const u of chain.reverse()) {
    const axes = g.opset >= 13 ? g.constantValues(u.input?.[1]) : attrInts(u, 'axes');
    if (!axes || axes.length === 0) return undefined;
    const rank = layout.length + axes.length;
    const sorted = axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    if (sorted.some((a, i) => a < 0 || a >= rank || (i > 0 && a === sorted[i - 1]))) return undefined;
    const out = [...layout];
    for (const a of sorted) out.splice(a, 0, '1');
    layout = out;
  }
  return layout.join(',') === 'B,1,1,S' ? cur : undefined;
}

/** A float scalar constant at most MASK_FILL_AT_MOST (finite unless `allowInfinite`). */
export function isMaskFill(g: GraphView, name: string | undefined, allowInfinite: boolean): boolean {
  const v = g.constantScalar(name, DataType.FLOAT, 4);
  if (v === undefined || Number.isNaN(v)) return false;
  return v <= MASK_FILL_AT_MOST && (allowInfinite || Number.isFinite(v));
}
