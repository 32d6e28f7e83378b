// Taxonomy files: the built-in one, JSON and YAML files, and bad files checked message by message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';
import { stringify as toYaml } from 'yaml';

import { DEFAULT_TAXONOMY } from '../src/enrich/taxonomy/default-taxonomy.js';
import { loadTaxonomy } from '../src/enrich/taxonomy/load-taxonomy.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-taxonomy-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

t.test('the built-in taxonomy: nine intents plus general_inquiry, four urgency levels', async (t) => {
  const taxonomy = await loadTaxonomy(undefined);
  t.same(taxonomy.intents.labels.map((l) => l.name).sort(), [
    'account_management', 'bug_report', 'data_request', 'feature_request', 'general_inquiry',
    'integration_help', 'login_issue', 'payment_issue', 'performance_issue', 'security_concern',
  ]);
  t.equal(taxonomy.intents.fallback, 'general_inquiry');
  t.same(taxonomy.urgency.labels.map((l) => l.name), ['critical', 'high', 'medium', 'low']);
  t.equal(taxonomy.urgency.fallback, 'medium');
});

t.test('JSON and YAML files load to the same taxonomy', async (t) => {
  const fromJson = await loadTaxonomy(file('t.json', JSON.stringify(DEFAULT_TAXONOMY)));
  const fromYaml = await loadTaxonomy(file('t.yaml', toYaml(DEFAULT_TAXONOMY)));
  const fromYml = await loadTaxonomy(file('t.yml', toYaml(DEFAULT_TAXONOMY)));
  t.same(fromJson, await loadTaxonomy(undefined));
  t.same(fromYaml, fromJson);
  t.same(fromYml, fromJson);
});

const minimal = () => JSON.parse(JSON.stringify(DEFAULT_TAXONOMY));

t.test('each problem is named by field and explained', async (t) => {
  const cases: [string, (x: ReturnType<typeof minimal>) => void, string[]][] = [
    ['wrong version', (x) => (x.version = 2), ['taxonomy.version: must be 1']],
    ['fallback not a label', (x) => (x.intents.fallback = 'other'), ['taxonomy.intents.fallback: "other" is not one of the labels (']],
    ['bad label name', (x) => (x.intents.labels[0].name = 'Login Issue'), ['taxonomy.intents.labels[0].name: must be snake_case']],
    ['duplicate label', (x) => (x.intents.labels[1].name = x.intents.labels[0].name), ['taxonomy.intents.labels[1].name: duplicate label "login_issue" (also labels[0])']],
    ['no examples', (x) => (x.intents.labels[2].examples = []), ['taxonomy.intents.labels[2].examples: needs at least one example ticket']],
    ['empty keyword', (x) => (x.intents.labels[3].keywords = ['ok', ' ']), ['taxonomy.intents.labels[3].keywords[1]: must not be empty']],
    ['empty description', (x) => (x.intents.labels[4].description = ''), ['taxonomy.intents.labels[4].description: must not be empty']],
    ['unknown field', (x) => (x.intents.labels[0].colour = 'red'), ['taxonomy.intents.labels[0]: Unrecognized key: "colour"']],
    ['threshold out of range', (x) => (x.intents.scoring.threshold = 1.5), ['taxonomy.intents.scoring.threshold: Too big: expected number to be <=1']],
    ['unknown method', (x) => (x.intents.scoring.method = 'magic'), ['taxonomy.intents.scoring.method: Invalid option: expected one of "hybrid"|"rules"|"centroid"']],
    ['missing urgency level', (x) => x.urgency.labels.pop(), ['taxonomy.urgency.labels: must define every urgency level; missing low']],
    ['unknown urgency level', (x) => (x.urgency.labels[0].name = 'blocker'), ['taxonomy.urgency.labels[0].name: Invalid option: expected one of "critical"|"high"|"medium"|"low"']],
    ['a single intent', (x) => x.intents.labels.splice(1), ['taxonomy.intents.labels: needs at least two intents']],
    [
      'several problems at once',
      (x) => {
        x.version = 3;
        x.intents.labels[0].examples = [];
      },
      ['taxonomy.version: must be 1', 'taxonomy.intents.labels[0].examples: needs at least one example ticket'],
    ],
  ];
  for (const [name, mutate, expected] of cases) {
    const x = minimal();
    mutate(x);
    const f = file(`${name.replace(/\W+/g, '-')}.json`, JSON.stringify(x));
    const error = await loadTaxonomy(f).then(
      () => undefined,
      (e: { code: string; message: string }) => e,
    );
    t.equal(error?.code, 'CONFIG_INVALID', name);
    t.match(error?.message, new RegExp(`^invalid taxonomy file ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\n`), `${name}: names the file`);
    for (const line of expected) t.ok(error?.message.split('\n').some((l) => l.startsWith(line)), `${name}: "${line}"`);
  }
});

t.test('unreadable or unparsable files', async (t) => {
  await t.rejects(loadTaxonomy(path.join(dir, 'missing.yaml')), { code: 'CONFIG_INVALID', message: /cannot read taxonomy file .*missing\.yaml/ });
  await t.rejects(loadTaxonomy(file('bad.yaml', 'version: 1\nintents: [\n')), { code: 'CONFIG_INVALID', message: /bad\.yaml cannot be parsed \(line \d+, column \d+\)/ });
  await t.rejects(loadTaxonomy(file('dup.yaml', 'version: 1\nversion: 1\n')), { code: 'CONFIG_INVALID', message: /dup\.yaml cannot be parsed/ });
  await t.rejects(loadTaxonomy(file('bad.json', '{"version": 1,')), { code: 'CONFIG_INVALID', message: /bad\.json cannot be parsed/ });
  await t.rejects(loadTaxonomy(file('t.txt', '{}')), { code: 'CONFIG_INVALID', message: /unknown extension "\.txt"/ });
  await t.rejects(loadTaxonomy({ version: 1 } as never), { code: 'CONFIG_INVALID', message: /^invalid taxonomy:\ntaxonomy\.intents: Invalid input/ });
});
