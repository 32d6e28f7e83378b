// deploy/kubernetes/: the manifests parse, and agree with the worker's configuration and HTTP
// endpoints (probes, metrics port, shutdown deadline vs. grace period, queue name).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import t from 'tap';
import { parseAllDocuments } from 'yaml';

import { workerSettingsFromEnv } from '../src/worker/worker-config.js';
import { REPO_ROOT } from './helpers.js';

const DIR = path.join(REPO_ROOT, 'deploy', 'kubernetes');
type Doc = { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };

const docs: Doc[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(path.join(DIR, f), 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${f}: ${d.errors[0]!.message}`);
      return d.toJS() as Doc;
    }),
  );
const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
const config = find('ConfigMap', 'ticket-processor')!;

t.test('every manifest parses and the configuration is valid for the worker', async (t) => {
  t.same(
    docs.map((d) => d.kind).sort(),
    ['ConfigMap', 'Deployment', 'Deployment', 'PersistentVolumeClaim', 'ScaledObject', 'ServiceAccount', 'TriggerAuthentication'],
  );
  const settings = workerSettingsFromEnv(config.data);
  t.equal(settings.aws.endpoint, undefined, 'no emulator endpoint in production');
  t.equal(settings.metricsPort, 9400);
});

for (const name of ['ticket-processor', 'ticket-processor-flox']) {
  t.test(`${name}: probes, grace period and configuration`, async (t) => {
    const deployment = find('Deployment', name)!;
    const pod = deployment.spec.template.spec;
    const worker = pod.containers[0];
    const settings = workerSettingsFromEnv(config.data);
    t.same(worker.envFrom, [{ configMapRef: { name: 'ticket-processor' } }]);
    t.ok([...(worker.args ?? []), ...(worker.command ?? [])].includes('worker'), 'runs the worker');
    const metrics = worker.ports.find((p: { name: string }) => p.name === 'metrics');
    t.equal(metrics.containerPort, settings.metricsPort, 'the metrics port is the worker\'s');
    t.same([worker.livenessProbe.httpGet.path, worker.readinessProbe.httpGet.path], ['/healthz', '/readyz']);
    t.equal(worker.readinessProbe.httpGet.port, 'metrics');
    t.ok(pod.terminationGracePeriodSeconds * 1000 > settings.shutdownTimeoutMs + 5000, 'the grace period outlasts the shutdown deadline');
    t.ok(worker.resources.requests.cpu && worker.resources.limits.memory, 'resources');
    t.equal(Number(config.data!.TICKET_PROCESSOR_THREADS), Number(worker.resources.requests.cpu), 'one ONNX Runtime thread per requested core');
    t.equal(worker.volumeMounts[0].mountPath, config.data!.MODEL_CACHE_DIR, 'models where MODEL_CACHE_DIR says');
    t.equal(deployment.spec.selector.matchLabels['app.kubernetes.io/name'], 'ticket-processor');
    if (name.endsWith('flox')) t.equal(pod.runtimeClassName, 'flox', 'the imageless Flox variant');
  });
}

t.test('KEDA scales the worker on the length of its queue', async (t) => {
  const scaled = find('ScaledObject', 'ticket-processor')!;
  t.equal(scaled.spec.scaleTargetRef.name, 'ticket-processor');
  const [trigger] = scaled.spec.triggers;
  t.equal(trigger.type, 'aws-sqs-queue');
  t.ok(trigger.metadata.queueURL.endsWith(`/${config.data!.SQS_QUEUE_NAME}`), 'the queue the worker reads');
  t.equal(trigger.metadata.awsRegion, config.data!.AWS_REGION);
  t.ok(find('TriggerAuthentication', trigger.authenticationRef.name), 'its authentication exists');
});
