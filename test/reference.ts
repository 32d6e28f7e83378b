// Independent references: Hugging Face's transformers.js feature-extraction pipeline and its
// Rust tokenizers. Nothing here uses ticket-processor code.
import path from 'node:path';

import { Tokenizer } from '@anush008/tokenizers';
import { AutoModel, AutoModelForSequenceClassification, env, mean_pooling, pipeline, Tensor } from '@huggingface/transformers';

/**
 * transformers.js embeddings: pooling mean, normalize true, fp32, the same files.
 * Only for texts within maxLength tokens: when it truncates, transformers.js cuts the final
 * [SEP] (it slices the encoded ids), unlike Hugging Face tokenizers and sentence-transformers;
 * use transformersEmbeddingsOfIds for long texts.
 */
export async function transformersEmbeddings(modelDir: string, texts: string[], maxLength: number): Promise<number[][]> {
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(modelDir);
  const extractor = await pipeline('feature-extraction', path.basename(modelDir), { dtype: 'fp32' });
  // sentence-transformers truncates at max_seq_length; make transformers.js do the same, as if
  // tokenizer_config.json said model_max_length: maxLength (its getter reads that object).
  (extractor.tokenizer as unknown as { _tokenizerConfig: { model_max_length: number } })._tokenizerConfig.model_max_length = maxLength;
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += 16) {
    const tensor = await extractor(texts.slice(i, i + 16), { pooling: 'mean', normalize: true });
    out.push(...(tensor.tolist() as number[][]));
  }
  await extractor.dispose();
  return out;
}

/** Hugging Face tokenizers (Rust) ids, with its own truncation when maxLength is given. */
export async function huggingFaceIds(tokenizerJson: string, texts: string[], maxLength?: number): Promise<number[][]> {
  const tokenizer = Tokenizer.fromString(tokenizerJson);
  if (maxLength !== undefined) tokenizer.setTruncation(maxLength);
  const out: number[][] = [];
  for (const text of texts) out.push(Array.from((await tokenizer.encode(text)).getIds()));
  return out;
}

/** Hugging Face tokenizers (Rust) decode of each id list (no clean-up: tokenizers never applies it). */
export async function huggingFaceDecode(tokenizerJson: string, idsList: number[][], skipSpecialTokens: boolean): Promise<string[]> {
  const tokenizer = Tokenizer.fromString(tokenizerJson);
  return tokenizer.decodeBatch(idsList, skipSpecialTokens);
}

/**
 * transformers.js' model and mean_pooling run on given token ids (e.g. Hugging Face tokenizers'
 * correctly truncated ones), normalized with its Tensor.normalize.
 */
export async function transformersEmbeddingsOfIds(modelDir: string, idsList: number[][]): Promise<number[][]> {
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(modelDir);
  const model = await AutoModel.from_pretrained(path.basename(modelDir), { dtype: 'fp32' });
  const out: number[][] = [];
  for (const ids of idsList) {
    const dims = [1, ids.length];
    const input_ids = new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), dims);
    const attention_mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), dims);
    const token_type_ids = new Tensor('int64', new BigInt64Array(ids.length), dims);
    const { last_hidden_state } = await model({ input_ids, attention_mask, token_type_ids });
    out.push(...(mean_pooling(last_hidden_state, attention_mask).normalize(2, -1).tolist() as number[][]));
  }
  await model.dispose();
  return out;
}

/**
 * transformers.js' text-classification pipeline: every label's score (top_k null), as
 * { label: score } per text. For texts within maxLength only (see transformersEmbeddings).
 */
export async function transformersClassification(modelDir: string, texts: string[]): Promise<Record<string, number>[]> {
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(modelDir);
  const classifier = await pipeline('text-classification', path.basename(modelDir), { dtype: 'fp32' });
  const out: Record<string, number>[] = [];
  for (const text of texts) {
    const scores = (await classifier(text, { top_k: null })) as { label: string; score: number }[];
    out.push(Object.fromEntries(scores.map((s) => [s.label, s.score])));
  }
  await classifier.dispose();
  return out;
}

/** transformers.js' sequence-classification model on given token ids: logits per text. */
export async function transformersLogitsOfIds(modelDir: string, idsList: number[][]): Promise<number[][]> {
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(modelDir);
  const model = await AutoModelForSequenceClassification.from_pretrained(path.basename(modelDir), { dtype: 'fp32' });
  const out: number[][] = [];
  for (const ids of idsList) {
    const dims = [1, ids.length];
    const input_ids = new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), dims);
    const attention_mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), dims);
    const { logits } = await model({ input_ids, attention_mask });
    out.push(...(logits.tolist() as number[][]));
  }
  await model.dispose();
  return out;
}
