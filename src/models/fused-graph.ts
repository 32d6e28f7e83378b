// What the addon loads for an encoder's ONNX file: the graph rewritten to use faster ops than the
// export's, otherwise the file itself.
//   attention  each self-attention block -> one node (src/models/attention-fusion): the addon's
//              ai.ticket_processor MaskedSelfAttention (native/attention/) on the SIMD variants;
//              ONNX Runtime's own com.microsoft MultiHeadAttention on the generic variant, whose
//              4-floats-wide kernel lost to ORT's (ORT picks AVX2/AVX-512 at run time whatever
//              variant is loaded)
//   last layer when the graph reads only the first token of the encoder's output (a
//              classifier head), the last layer computes that token's row alone
//              (src/models/last-layer-pruning). Needs a fused attention node, which takes fewer
//              queries than keys.
//   dense      each MatMul with constant weights, with the bias Add, GELU or residual Add after
//              it -> ai.ticket_processor Dense (src/models/dense-fusion, native/dense/).
//              Opt-in, TICKET_PROCESSOR_FUSE_DENSE=1, not on generic: end to end it measured
//              equal to ONNX Runtime's MLAS GEMM plus its separate Adds and Gelu (README,
//              Benchmarks), and its packed weights are a second copy of the model's matrices.
// TICKET_PROCESSOR_FUSE_ATTENTION=0 turns the attention rewrite (and so the pruning) off, to
// compare or to rule it out when a model misbehaves; TICKET_PROCESSOR_PRUNE_LAST_LAYER=0 the
// pruning alone. The model is decoded once and encoded once, however many rewrites apply.
import { readFile } from 'node:fs/promises';

import { TicketProcessorError } from '../errors.js';
import type { CpuVariant } from '../native/addon-types.js';
import { type AttentionFusionTarget, fuseAttentionBlocks } from './attention-fusion/index.js';
import { GraphView } from './attention-fusion/graph-view.js';
import { decodeModel, encodeModel, reencodeBlocker } from './attention-fusion/model-bytes.js';
import { fuseDenseLayers } from './dense-fusion/index.js';
import { pruneLastLayer } from './last-layer-pruning/index.js';

export interface EncoderGraph {
  /** The rewritten graph; undefined when the file is loaded as it is. */
  modelBytes?: Uint8Array;
  /** Attention blocks replaced by the fused op. */
  fusedAttention: number;
  /** MatMuls (with what followed them) replaced by the Dense op. */
  fusedDense: number;
  /** The last layer computes the first token's row only. */
  prunedLastLayer: boolean;
}

export interface FusionSettings {
  /** Which op the attention blocks become; undefined: left as exported. */
  attention: AttentionFusionTarget | undefined;
  dense: boolean;
  lastLayer: boolean;
}

/** Which rewrites apply to encoders loaded by this CPU variant, after the environment's say. */
export function fusionSettings(variant: CpuVariant, env: NodeJS.ProcessEnv = process.env): FusionSettings {
  const attention: AttentionFusionTarget | undefined =
    env.TICKET_PROCESSOR_FUSE_ATTENTION === '0' ? undefined : variant === 'generic' ? 'ort-contrib' : 'ticket-processor';
  return {
    attention,
    dense: env.TICKET_PROCESSOR_FUSE_DENSE === '1' && variant !== 'generic',
    lastLayer: attention !== undefined && env.TICKET_PROCESSOR_PRUNE_LAST_LAYER !== '0',
  };
}

const AS_IS: EncoderGraph = { fusedAttention: 0, fusedDense: 0, prunedLastLayer: false };

export async function encoderGraph(onnxPath: string, variant: CpuVariant): Promise<EncoderGraph> {
  const settings = fusionSettings(variant);
  if (!settings.attention && !settings.dense) return AS_IS;
  const bytes = await readFile(onnxPath);
  try {
    const model = decodeModel(bytes, 'encoderGraph');
    if (reencodeBlocker(new GraphView(model), bytes)) return AS_IS;
    const fusedAttention = settings.attention ? fuseAttentionBlocks(model, settings.attention) : 0;
    const prunedLastLayer = settings.lastLayer && fusedAttention > 0 && pruneLastLayer(model) !== undefined;
    const fusedDense = settings.dense ? fuseDenseLayers(model).fused : 0;
    if (fusedAttention + fusedDense === 0) return AS_IS;
    return { modelBytes: encodeModel(model), fusedAttention, fusedDense, prunedLastLayer };
  } catch (e) {
    // Not an ONNX model: the addon loads the file as it is and ONNX Runtime's error names it.
    if (e instanceof TicketProcessorError && e.code === 'MODEL_INVALID') return AS_IS;
    throw e;
  }
}
