import type { LabelDefinition } from '../taxonomy/taxonomy-schema.js';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The rule path (the Python system's behaviour): a label's vote is the number of its distinct
 * keywords found in the text, as whole words or phrases, case-insensitively (any whitespace
 * between a phrase's words).
 */
export class KeywordRules {
  readonly #patterns: (RegExp | undefined)[];

  constructor(labels: readonly LabelDefinition[]) {
    this.#patterns = labels.map((label) => {
      if (label.keywords.length === 0) return undefined;
      // Longest first, so "production is down" wins over "down" inside one alternation.
      const alternatives = [...new Set(label.keywords.map((k) => k.toLowerCase()))]
        .sort((a, b) => b.length - a.length)
        .map((k) => k.split(/\s+/).map(escapeRegExp).join('\\s+'));
      return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
    });
  }

  /** Distinct keywords of each label found in `text`, in label order. */
  hits(text: string): number[] {
    return this.#patterns.map((pattern) => {
      if (!pattern) return 0;
      const found = new Set<string>();
      for (const match of text.matchAll(pattern)) found.add(match[0].toLowerCase().replace(/\s+/g, ' '));
      return found.size;
    });
  }
}
