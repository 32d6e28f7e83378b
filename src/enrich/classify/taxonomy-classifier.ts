import type { NativeKernels } from '../../native/addon-types.js';
import type { LabelDefinition, Scoring } from '../taxonomy/taxonomy-schema.js';
import { Centroids } from './centroids.js';
import { KeywordRules } from './keyword-rules.js';
import { type LabelResult, scoreLabels } from './label-scorer.js';

export interface TaxonomySection {
  fallback: string;
  scoring: Scoring;
  labels: LabelDefinition[];
}

/** Intents or urgency levels: keyword rules plus similarity to example centroids. */
export class TaxonomyClassifier {
  readonly names: string[];

  private constructor(
    readonly section: TaxonomySection,
    private readonly rules: KeywordRules,
    private readonly centroids: Centroids | undefined,
  ) {
    this.names = section.labels.map((l) => l.name);
  }

  /** Embeds the examples once (skipped for the rules-only method). */
  static async create(
    section: TaxonomySection,
    embed: (texts: string[]) => Promise<Float32Array[]>,
    kernels: NativeKernels,
  ): Promise<TaxonomyClassifier> {
    const centroids = section.scoring.method === 'rules' ? undefined : await Centroids.fromExamples(section.labels, embed, kernels);
    return new TaxonomyClassifier(section, new KeywordRules(section.labels), centroids);
  }

  classify(text: string, embedding: Float32Array | undefined): LabelResult {
    const sims = this.centroids && embedding ? this.centroids.similarities(embedding) : undefined;
    return scoreLabels(this.names, this.section.scoring, this.section.fallback, this.rules.hits(text), sims);
  }
}
