import { z } from 'zod';

import { URGENCIES } from '../ticket-schema.js';

const labelName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case: lowercase letters, digits and _, starting with a letter');

/** One intent or urgency level. */
const LabelSchema = z
  .object({
    name: labelName,
    description: z.string().trim().min(1, 'must not be empty'),
    /** words or phrases (case-insensitive, whole words) whose presence votes for this label */
    keywords: z.array(z.string().trim().min(1, 'must not be empty')).default([]),
    /** a few example tickets: their mean embedding is the label's centroid */
    examples: z.array(z.string().trim().min(1, 'must not be empty')).min(1, 'needs at least one example ticket'),
  })
  .strict();

/** How keyword rules and centroid similarity combine into one score per label. */
const ScoringSchema = z
  .object({
    /** hybrid: rules and centroids; rules: keywords only (the Python system); centroid: embeddings only */
    method: z.enum(['hybrid', 'rules', 'centroid']).default('hybrid'),
    /** below this top score the result is the fallback label */
    threshold: z.number().min(0).max(1),
    /** share of the rules' distribution in a hybrid score when some keyword matched */
    ruleWeight: z.number().min(0).max(1).default(0.5),
    /** softmax temperature over cosine similarities: lower is sharper */
    temperature: z.number().gt(0).max(10).default(0.05),
  })
  .strict();

function uniqueNames(labels: { name: string }[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  labels.forEach((l, i) => {
    const first = seen.get(l.name);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['labels', i, 'name'], message: `duplicate label "${l.name}" (also labels[${first}])` });
    else seen.set(l.name, i);
  });
}

const IntentsSchema = z
  .object({
    /** label used when no intent scores above the threshold */
    fallback: labelName,
    scoring: ScoringSchema.default({ method: 'hybrid', threshold: 0.35, ruleWeight: 0.5, temperature: 0.05 }),
    labels: z.array(LabelSchema).min(2, 'needs at least two intents'),
  })
  .strict()
  .superRefine((intents, ctx) => {
    uniqueNames(intents.labels, ctx);
    if (!intents.labels.some((l) => l.name === intents.fallback)) {
      ctx.addIssue({ code: 'custom', path: ['fallback'], message: `"${intents.fallback}" is not one of the labels (${intents.labels.map((l) => l.name).join(', ')})` });
    }
  });

const UrgencySchema = z
  .object({
    fallback: z.enum(URGENCIES).default('medium'),
    scoring: ScoringSchema.default({ method: 'hybrid', threshold: 0.4, ruleWeight: 0.6, temperature: 0.05 }),
    labels: z.array(LabelSchema.extend({ name: z.enum(URGENCIES) })),
  })
  .strict()
  .superRefine((urgency, ctx) => {
    uniqueNames(urgency.labels, ctx);
    const missing = URGENCIES.filter((u) => !urgency.labels.some((l) => l.name === u));
    if (missing.length > 0) ctx.addIssue({ code: 'custom', path: ['labels'], message: `must define every urgency level; missing ${missing.join(', ')}` });
  });

export const TaxonomySchema = z
  .object({
    version: z.literal(1, 'must be 1'),
    intents: IntentsSchema,
    urgency: UrgencySchema,
  })
  .strict();

export type TaxonomyInput = z.input<typeof TaxonomySchema>;
export type Taxonomy = z.output<typeof TaxonomySchema>;
export type LabelDefinition = z.output<typeof LabelSchema>;
export type Scoring = z.output<typeof ScoringSchema>;
