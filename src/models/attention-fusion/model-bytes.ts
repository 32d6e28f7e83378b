// The bytes side of a load-time graph rewrite: decoding a `.onnx` file into a ModelProto (bad
// bytes are MODEL_INVALID), and the two reasons to leave a decoded model as it is rather than
// re-encode it. Shared by the rewrites that start from bytes (fuseAttention in index.ts, fuseDense
// in ../dense-fusion) and by src/models/fused-graph.ts, which chains both on one decode.

import onnxProto from 'onnx-proto';

import { TicketProcessorError } from '../../errors.js';
import { type GraphView, isExternal, type ModelProto, toNumber } from './graph-view.js';

const { onnx } = onnxProto;

/**
 * Decodes the bytes of an ONNX model; `caller` names the public function in the error message.
 * Throws INPUT_INVALID for a non-byte argument and MODEL_INVALID for bytes that are not a model.
 */
export function decodeModel(bytes: Uint8Array, caller: string): ModelProto {
  if (!(bytes instanceof Uint8Array)) {
    throw new TicketProcessorError('INPUT_INVALID', `${caller} expects the bytes of an ONNX model (a Uint8Array or Buffer).`);
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

/** Why `model`, decoded from `bytes`, must not be re-encoded; undefined when it may be. */
export function reencodeBlocker(g: GraphView, bytes: Uint8Array): string | undefined {
  // The tensors live in files next to the model, which re-encoding these bytes would not carry
  // along; such a model is used as it is.
  if (g.allTensors().some(isExternal)) return 'the model stores tensors as external data; left unchanged';
  // protobufjs drops fields it does not know (onnx-proto follows ONNX 1.10, IR 8), so re-encoding
  // a newer model would silently lose them. `.len` sizes the message without copying tensor data.
  if (onnx.ModelProto.encode(g.model).len !== bytes.length) {
    return 'the model has protobuf fields this reader does not know (newer ONNX IR); left unchanged';
  }
  return undefined;
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
