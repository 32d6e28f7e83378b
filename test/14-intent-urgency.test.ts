// Intent and urgency: the scoring arithmetic, centroids on inputs whose answer is known by
// construction, and the keyword rules on hand-written and generated tickets.
import t from 'tap';

import { scoreLabels } from '../src/enrich/classify/label-scorer.js';
import { TaxonomyClassifier, type TaxonomySection } from '../src/enrich/classify/taxonomy-classifier.js';
import { createEnricher } from '../src/index.js';
import { loadAddon } from '../src/native/load-addon.js';
import { loadTaxonomy } from '../src/enrich/taxonomy/load-taxonomy.js';
import { ticketText } from '../src/enrich/ticket-schema.js';
import { createTicketGenerator } from '../src/seed/ticket-generator.js';
import { TINY_BERT } from './helpers.js';

const scoring = { method: 'hybrid' as const, threshold: 0.3, ruleWeight: 0.5, temperature: 0.1 };

t.test('scoreLabels: rules, centroid and hybrid distributions', async (t) => {
  const names = ['a', 'b', 'c'];
  const rules = scoreLabels(names, { ...scoring, method: 'rules' }, 'c', [2, 1, 0], undefined);
  t.same(rules.top.map((s) => s.label), ['a', 'b', 'c']);
  t.ok(Math.abs(rules.confidence - 2 / 3) < 1e-12, 'rules: hits over all hits');

  const sims = [0.9, 0.5, 0.1];
  const centroid = scoreLabels(names, { ...scoring, method: 'centroid' }, 'c', [0, 0, 5], sims);
  const z = sims.map((s) => Math.exp((s - 0.9) / 0.1));
  t.ok(Math.abs(centroid.confidence - z[0]! / (z[0]! + z[1]! + z[2]!)) < 1e-12, 'centroid: softmax(sims / temperature), keywords ignored');

  const hybrid = scoreLabels(names, scoring, 'c', [0, 1, 0], sims);
  const expectedB = 0.5 * 1 + 0.5 * (z[1]! / (z[0]! + z[1]! + z[2]!));
  t.equal(hybrid.label, 'b');
  t.ok(Math.abs(hybrid.confidence - expectedB) < 1e-12, 'hybrid: ruleWeight x rules + (1 - ruleWeight) x centroid');
  t.ok(Math.abs(hybrid.top.reduce((s, x) => s + x.score, 0) - 1) < 1e-12, 'the three scores of three labels sum to 1');

  const noHits = scoreLabels(names, scoring, 'c', [0, 0, 0], sims);
  t.equal(noHits.label, 'a', 'hybrid without keyword hits is the centroid answer');
  const nothing = scoreLabels(names, { ...scoring, method: 'rules', threshold: 0.4 }, 'c', [0, 0, 0], undefined);
  t.same([nothing.label, nothing.confidence], ['c', 1 / 3], 'rules without hits: uniform, below threshold, fallback');
  const low = scoreLabels(['a', 'b', 'c', 'd', 'e'], { ...scoring, threshold: 0.6 }, 'e', [1, 1, 0, 0, 0], undefined);
  t.equal(low.label, 'e', 'a best score of 0.5 under a threshold of 0.6 gives the fallback');
  t.equal(low.confidence, 0, "the fallback's own score is its confidence");
  t.same(low.top.map((s) => s.label).slice(0, 2).sort(), ['a', 'b'], 'top still lists the best candidates');
});

t.test('centroids on inputs with known answers', async (t) => {
  const enricher = await createEnricher({ models: TINY_BERT });
  t.teardown(() => enricher.close());
  const embed = (texts: string[]) => enricher.embed(texts);
  const { kernels } = loadAddon().addon;
  const section = (labels: { name: string; examples: string[] }[]): TaxonomySection => ({
    fallback: labels[0]!.name,
    scoring: { ...scoring, method: 'centroid', threshold: 0 },
    labels: labels.map((l) => ({ ...l, description: l.name, keywords: [] })),
  });

  // One example per label: a copy of it has cosine similarity 1 with that centroid, the maximum.
  const single = section([
    { name: 'first', examples: ['the invoice total is wrong'] },
    { name: 'second', examples: ['my password reset link expired'] },
    { name: 'third', examples: ['please export all our data as csv'] },
  ]);
  const c1 = await TaxonomyClassifier.create(single, embed, kernels);
  for (const label of single.labels) {
    const [v] = await embed([label.examples[0]!]);
    const r = c1.classify(label.examples[0]!, v);
    t.equal(r.label, label.name, `a copy of "${label.examples[0]}" is ${label.name}`);
  }

  // Two intents with disjoint vocabularies: new texts made of one side's words go to that side.
  const fruit = ['apple', 'banana', 'cherry', 'mango', 'grape', 'lemon', 'peach', 'plum'];
  const animals = ['zebra', 'walrus', 'giraffe', 'otter', 'badger', 'falcon', 'beaver', 'moose'];
  const sentence = (words: string[], k: number) => Array.from({ length: 5 }, (_, i) => words[(k * 3 + i * 5) % words.length]).join(' ');
  const disjoint = section([
    { name: 'fruit', examples: [0, 1, 2].map((k) => sentence(fruit, k)) },
    { name: 'animals', examples: [0, 1, 2].map((k) => sentence(animals, k)) },
  ]);
  const c2 = await TaxonomyClassifier.create(disjoint, embed, kernels);
  for (const [side, words] of [['fruit', fruit], ['animals', animals]] as const) {
    const queries = [3, 4, 5, 6].map((k) => sentence(words, k));
    const vectors = await embed(queries);
    queries.forEach((q, i) => t.equal(c2.classify(q, vectors[i]).label, side, `"${q}" is ${side}`));
  }
});

t.test('keyword rules: hand-written tickets', async (t) => {
  const taxonomy = await loadTaxonomy(undefined);
  const rulesOnly = (s: TaxonomySection): TaxonomySection => ({ ...s, scoring: { ...s.scoring, method: 'rules' } });
  const intents = await TaxonomyClassifier.create(rulesOnly(taxonomy.intents), async () => [], loadAddon().addon.kernels);
  const urgency = await TaxonomyClassifier.create(rulesOnly(taxonomy.urgency), async () => [], loadAddon().addon.kernels);
  const cases: [string, string][] = [
    ['I cannot log in, the password reset link does not arrive', 'login_issue'],
    ['We were charged twice, please refund the second charge', 'payment_issue'],
    ['The app crashes with an error when I open settings', 'bug_report'],
    ['It would be great if you could add a dark mode', 'feature_request'],
    ['Please add two more seats and give Ana admin rights', 'account_management'],
    ['Everything is slow and the reports time out', 'performance_issue'],
    ['Suspicious activity: someone from an unknown device accessed our account', 'security_concern'],
    ['Under GDPR, please send a copy of my data', 'data_request'],
    ['Our webhook endpoint gets 401 from your API', 'integration_help'],
    ['Hello there', 'general_inquiry'],
    ['LOGIN FAILS, PASSWORD   RESET broken', 'login_issue'],
    ['logins and passwords', 'general_inquiry'], // whole words only: "logins" is not "login"
  ];
  for (const [text, expected] of cases) t.equal(intents.classify(text, undefined).label, expected, text);
  const urgencyCases: [string, string][] = [
    ['Production is down for all users!', 'critical'],
    ['This is urgent, we are blocked', 'high'],
    ['No rush, just a typo on the pricing page', 'low'],
    ['The export fails on some days', 'medium'],
  ];
  for (const [text, expected] of urgencyCases) t.equal(urgency.classify(text, undefined).label, expected, text);
});

t.test('keyword rules on generated tickets', async (t) => {
  const taxonomy = await loadTaxonomy(undefined);
  const rules = await TaxonomyClassifier.create({ ...taxonomy.intents, scoring: { ...taxonomy.intents.scoring, method: 'rules' } }, async () => [], loadAddon().addon.kernels);
  const tickets = createTicketGenerator(21).take(600);
  const byIntent = new Map<string, { n: number; ok: number }>();
  for (const { ticket, truth } of tickets) {
    const r = rules.classify(ticketText(ticket), undefined);
    const s = byIntent.get(truth.intent) ?? { n: 0, ok: 0 };
    s.n++;
    s.ok += r.label === truth.intent ? 1 : 0;
    byIntent.set(truth.intent, s);
  }
  const total = [...byIntent.values()].reduce((a, s) => ({ n: a.n + s.n, ok: a.ok + s.ok }), { n: 0, ok: 0 });
  const recall = (intent: string) => byIntent.get(intent)!.ok / byIntent.get(intent)!.n;
  t.ok(total.ok / total.n >= 0.68, `rules agree with the generator on ${((total.ok / total.n) * 100).toFixed(1)}% of ${total.n} tickets`);
  // Intents whose tickets always use their keywords are recognized nearly always.
  for (const [intent, floor] of [['login_issue', 0.9], ['payment_issue', 0.9], ['integration_help', 0.75]] as const) {
    t.ok(recall(intent) >= floor, `${intent} recall ${recall(intent).toFixed(2)}`);
  }
});
