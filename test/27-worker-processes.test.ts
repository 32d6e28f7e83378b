// The worker as a real child process (`ticket-processor worker`): kill -9 mid-batch loses
// nothing, SIGTERM mid-batch stores what is in flight and exits 0, a second signal exits at once.
import t from 'tap';

import { startFaultProxy } from './fault-proxy.js';
import { enrichedKeys, generateTickets, queueDepth, spawnWorker, startStack, tableItems, uploadTickets, waitFor } from './worker-harness.js';

// Small batches and a short visibility timeout, so that "mid-batch" and "after the visibility
// timeout" happen within a test's time.
const SLOW = { TICKET_PROCESSOR_BATCH_SIZE: '2', TICKET_PROCESSOR_BATCH_WAIT_MS: '0', TICKET_PROCESSOR_IO_CONCURRENCY: '2' };

t.test('kill -9 mid-batch: after the visibility timeout everything is processed once', async (t) => {
  const stack = await startStack(t, { SQS_VISIBILITY_TIMEOUT: '3' });
  const proxy = await startFaultProxy(stack.endpointUrl);
  t.teardown(() => proxy.close());
  proxy.delayMs = (r) => (r.target.endsWith('.PutItem') ? 200 : 0); // the kill lands mid-run
  const tickets = generateTickets(40, 11);
  const first = spawnWorker(stack, { ...SLOW, AWS_ENDPOINT_URL: proxy.url });
  t.teardown(() => first.child.kill('SIGKILL'));
  await uploadTickets(stack, tickets);
  await waitFor('a few tickets stored', async () => (await tableItems(stack)).length >= 3, 120_000);
  first.child.kill('SIGKILL');
  const died = await first.exit;
  t.equal(died.signal, 'SIGKILL');
  const storedBeforeKill = (await tableItems(stack)).length;
  t.ok(storedBeforeKill < 40, `killed mid-run (${storedBeforeKill} of 40 stored)`);

  const second = spawnWorker(stack);
  t.teardown(() => second.child.kill('SIGKILL'));
  await waitFor('40 items', async () => (await tableItems(stack)).length === 40, 120_000);
  await waitFor('empty queue', async () => (await queueDepth(stack)).queue === 0, 60_000);
  t.equal((await tableItems(stack)).length, 40, 'one item per ticket');
  t.same(await enrichedKeys(stack), tickets.map((x) => `${x.ticket_id}.json`).sort(), 'one object per ticket');
  second.child.kill('SIGTERM');
  t.equal((await second.exit).code, 0);
});

t.test('SIGTERM mid-batch: in-flight tickets stored, exit 0, statistics printed, nothing lost', async (t) => {
  const stack = await startStack(t);
  const tickets = generateTickets(30, 12);
  const worker = spawnWorker(stack, { ...SLOW, TICKET_PROCESSOR_LOG_LEVEL: 'info' });
  t.teardown(() => worker.child.kill('SIGKILL'));
  await uploadTickets(stack, tickets);
  await waitFor('a first ticket stored', async () => (await tableItems(stack)).length >= 1, 120_000);
  worker.child.kill('SIGTERM');
  const exit = await worker.exit;
  t.same(exit, { code: 0, signal: null }, 'exit code 0');
  const summary = worker.stderr.find((l) => l.startsWith('ticket-processor: stopped after'));
  t.ok(summary, 'statistics on stderr');
  const logs = worker.stdout.map((l) => JSON.parse(l) as { msg: string; stats?: { deleted: number; released: number } });
  const stopped = logs.find((l) => l.msg === 'worker stopped');
  t.ok(stopped?.stats, 'a structured "worker stopped" log line with statistics');

  // Whatever was not finished is visible again at once (no visibility timeout to wait: it is 30 s):
  // a second worker drains the queue well before that.
  const storedAtStop = (await tableItems(stack)).length;
  t.ok(storedAtStop >= 1 && storedAtStop <= 30, `${storedAtStop} stored at stop`);
  const second = spawnWorker(stack, { TICKET_PROCESSOR_LOG_LEVEL: 'info' });
  t.teardown(() => second.child.kill('SIGKILL'));
  await waitFor('the second worker started', () => second.stdout.some((l) => l.includes('"worker started"')), 60_000);
  await waitFor('30 items', async () => (await tableItems(stack)).length === 30, 25_000);
  await waitFor('empty queue', async () => (await queueDepth(stack)).queue === 0, 25_000);
  t.same(await enrichedKeys(stack), tickets.map((x) => `${x.ticket_id}.json`).sort());
  second.child.kill('SIGINT');
  const secondExit = await second.exit;
  t.equal(secondExit.code, 0, `SIGINT too (${JSON.stringify(secondExit)}: ${second.stderr.join('\n').slice(-500)})`);
});

t.test('shutdown deadline: unfinished messages are visible again at once', async (t) => {
  // Visibility timeout 30 s, shutdown timeout 2 s (long polls of 1 s end within it), and DynamoDB
  // writes held 500 ms each by a proxy so that work is certainly left at the deadline: what is
  // not done 2 s after SIGTERM is released.
  const stack = await startStack(t, { SQS_VISIBILITY_TIMEOUT: '30' });
  const proxy = await startFaultProxy(stack.endpointUrl);
  t.teardown(() => proxy.close());
  proxy.delayMs = (r) => (r.target.endsWith('.PutItem') ? 500 : 0);
  const tickets = generateTickets(40, 14);
  const worker = spawnWorker(stack, { ...SLOW, AWS_ENDPOINT_URL: proxy.url, TICKET_PROCESSOR_SHUTDOWN_TIMEOUT: '2', TICKET_PROCESSOR_LOG_LEVEL: 'info' });
  t.teardown(() => worker.child.kill('SIGKILL'));
  await uploadTickets(stack, tickets);
  await waitFor('a first ticket stored', async () => (await tableItems(stack)).length >= 1, 120_000);
  worker.child.kill('SIGTERM');
  t.equal((await worker.exit).code, 0);
  const stopped = worker.stdout.map((l) => JSON.parse(l) as { msg: string; stats?: { released: number } }).find((l) => l.msg === 'worker stopped');
  t.ok((stopped?.stats?.released ?? 0) > 0, `${stopped?.stats?.released} messages released`);
  const started = Date.now();
  const second = spawnWorker(stack);
  t.teardown(() => second.child.kill('SIGKILL'));
  await waitFor('40 items', async () => (await tableItems(stack)).length === 40, 120_000);
  await waitFor('40 objects', async () => (await enrichedKeys(stack)).length === 40, 30_000);
  t.ok(Date.now() - started < 30_000, 'drained before the 30 s visibility timeout could have expired');
  t.same(await enrichedKeys(stack), tickets.map((x) => `${x.ticket_id}.json`).sort());
});

t.test('a second signal exits at once', async (t) => {
  const stack = await startStack(t, { TICKET_PROCESSOR_SHUTDOWN_TIMEOUT: '60' });
  const proxy = await startFaultProxy(stack.endpointUrl);
  t.teardown(() => proxy.close());
  proxy.delayMs = (r) => (r.target.endsWith('.PutItem') ? 500 : 0); // work is left at the second signal
  await uploadTickets(stack, generateTickets(20, 13));
  const worker = spawnWorker(stack, { ...SLOW, AWS_ENDPOINT_URL: proxy.url, TICKET_PROCESSOR_LOG_LEVEL: 'info' });
  t.teardown(() => worker.child.kill('SIGKILL'));
  await waitFor('a first ticket stored', async () => (await tableItems(stack)).length >= 1, 120_000);
  worker.child.kill('SIGTERM');
  // Signals of one kind do not queue: the second is sent once the first was handled.
  await waitFor('the first signal handled', () => worker.stdout.some((l) => l.includes('"signal received"')), 10_000);
  worker.child.kill('SIGTERM');
  const exit = await worker.exit;
  t.equal(exit.code, 130);
  t.ok(worker.stderr.some((l) => l.includes('second SIGTERM: exiting now')), 'says why');
});

t.test('bad configuration: the worker exits 1 naming the variable', async (t) => {
  const stack = await startStack(t);
  const worker = spawnWorker(stack, { SQS_MAX_MESSAGES: '50' });
  const exit = await worker.exit;
  t.equal(exit.code, 1);
  t.match(worker.stderr.join('\n'), /env\.SQS_MAX_MESSAGES: .*10.* \[CONFIG_INVALID\]/s);
});
