// Inference runs on the libuv pool: timers keep firing while a long embed() runs.
import { performance } from 'node:perf_hooks';

import t from 'tap';

import { createEnricher } from '../src/index.js';
import { TINY_BERT } from './helpers.js';
import { ticketTexts } from './texts.js';

t.test('setInterval keeps firing during a long embed call', async (t) => {
  const enricher = await createEnricher({ models: TINY_BERT });
  t.teardown(() => enricher.close());
  const texts = ticketTexts(500);
  const many = Array.from({ length: 12 }, () => texts).flat(); // 6,000 realistic texts

  let ticks = 0;
  let longestGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    ticks++;
  }, 5);
  const started = performance.now();
  await enricher.embed(many);
  const elapsed = performance.now() - started;
  clearInterval(timer);

  t.ok(elapsed > 100, `the call is long enough to tell (${elapsed.toFixed(0)} ms)`);
  // Blocking the loop would give at most one or two ticks, whatever the machine's speed.
  t.ok(ticks >= Math.min(20, elapsed / 50), `the interval fired ${ticks} times during ${elapsed.toFixed(0)} ms`);
  t.ok(longestGap < elapsed / 2, `no gap spans the call (longest ${longestGap.toFixed(0)} ms)`);
});
