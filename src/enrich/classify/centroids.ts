import type { NativeKernels } from '../../native/addon-types.js';
import type { LabelDefinition } from '../taxonomy/taxonomy-schema.js';

/**
 * Each label's centroid: the normalized mean of its examples' embeddings. Similarity of a ticket
 * to every label is one dotRows call on vectors the enrichment has already computed, so
 * classification costs no extra forward pass.
 */
export class Centroids {
  private constructor(
    readonly dim: number,
    /** [labels, dim], rows of unit length */
    readonly matrix: Float32Array,
    private readonly kernels: NativeKernels,
  ) {}

  static async fromExamples(
    labels: readonly LabelDefinition[],
    embed: (texts: string[]) => Promise<Float32Array[]>,
    kernels: NativeKernels,
  ): Promise<Centroids> {
    const texts = labels.flatMap((l) => l.examples);
    const vectors = await embed(texts);
    const dim = vectors[0]?.length ?? 0;
    const matrix = new Float32Array(labels.length * dim);
    let next = 0;
    labels.forEach((label, row) => {
      const centroid = matrix.subarray(row * dim, (row + 1) * dim);
      for (let e = 0; e < label.examples.length; e++) {
        const v = vectors[next++]!;
        for (let d = 0; d < dim; d++) centroid[d]! += v[d]!;
      }
    });
    kernels.l2Normalize(matrix, dim);
    return new Centroids(dim, matrix, kernels);
  }

  /** Cosine similarity of a unit-length embedding with each centroid, in label order. */
  similarities(embedding: Float32Array): Float32Array {
    const out = new Float32Array(this.matrix.length / this.dim);
    this.kernels.dotRows(embedding, this.matrix, out);
    return out;
  }
}
