// TICKET_PROCESSOR_ORT_PROFILE: each session ONNX Runtime creates while it is set writes its
// per-node timings as <prefix>_<date>.json when the session is released (README, Environment).
// It is read right after close(): close() itself releases the session, not a later garbage
// collection (the model's JavaScript object once kept a second reference until then).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { createEnricher } from '../src/index.js';
import { TINY_BERT } from './helpers.js';

t.test('a profile per session, complete when close() returns', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-profile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  process.env.TICKET_PROCESSOR_ORT_PROFILE = path.join(dir, 'run');
  const enricher = await createEnricher({ models: { embedding: TINY_BERT }, pull: false, threads: 2 });
  delete process.env.TICKET_PROCESSOR_ORT_PROFILE;
  await enricher.embed(['the printer is on fire', 'refund please']);
  await enricher.close();
  const files = readdirSync(dir).filter((f) => /^run_.*\.json$/.test(f));
  t.equal(files.length, 1, `one profile: ${files.join(', ')}`);
  const events = JSON.parse(readFileSync(path.join(dir, files[0]!), 'utf8')) as { cat?: string; args?: { op_name?: string } }[];
  const ops = new Set(events.filter((e) => e.cat === 'Node').map((e) => e.args?.op_name));
  t.ok(ops.has('LayerNormalization'), `node timings recorded (${[...ops].join(', ')})`);
});
