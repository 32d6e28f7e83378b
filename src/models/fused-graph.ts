// What the addon loads for an encoder's ONNX file: the graph with its attention blocks fused
// into the addon's MaskedSelfAttention op (src/models/attention-fusion, native/attention/) when
// any matched, otherwise the file itself. TICKET_PROCESSOR_FUSE_ATTENTION=0 turns it off (to
// compare, or to rule it out when a model misbehaves). The generic variant never fuses: its
// kernel is 4 floats wide, while ONNX Runtime's own attention picks AVX2/AVX-512 at run time
// whatever variant is loaded, and was faster in `npm run bench` (README, Benchmarks).
import { readFile } from 'node:fs/promises';

import { TicketProcessorError } from '../errors.js';
import type { CpuVariant } from '../native/addon-types.js';
import { fuseAttention } from './attention-fusion/index.js';

export interface EncoderGraph {
  /** The rewritten graph; undefined when the file is loaded as it is. */
  modelBytes?: Uint8Array;
  /** Attention blocks replaced by the fused op. */
  fusedAttention: number;
}

export function attentionFusionEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TICKET_PROCESSOR_FUSE_ATTENTION !== '0';
}

export async function encoderGraph(onnxPath: string, variant: CpuVariant): Promise<EncoderGraph> {
  if (!attentionFusionEnabled() || variant === 'generic') return { fusedAttention: 0 };
  const bytes = await readFile(onnxPath);
  try {
    const { model, fused } = fuseAttention(bytes);
    return fused > 0 ? { modelBytes: model, fusedAttention: fused } : { fusedAttention: 0 };
  } catch (e) {
    // Not an ONNX model: the addon loads the file as it is and ONNX Runtime's error names it.
    if (e instanceof TicketProcessorError && e.code === 'MODEL_INVALID') return { fusedAttention: 0 };
    throw e;
  }
}
