/**
 * k8s/: every overlay renders with kubectl's kustomize, every object validates against the Kubernetes OpenAPI
 * schemas (kubernetes-models 5.1.0: the Kubernetes 1.34 API) or KEDA's CRD schema (@kubernetes-models/keda), and
 * the invariants hold against the code: worker + relay per service, probes on the real health paths and port,
 * limits, non-root, PDBs, and autoscalers on the group and topics the service really consumes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dbSchemaOf } from '@orderflow/service-kit';
import { parseAllDocuments } from 'yaml';
import { root, serviceFacts } from './code-model';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are arbitrary JSON */
type Obj = any;

const overlays = fs.readdirSync(path.join(root, 'k8s', 'overlays'));
const facts = serviceFacts();

function render(overlay: string): Obj[] {
  const r = spawnSync('kubectl', ['kustomize', path.join(root, 'k8s', 'overlays', overlay)], { encoding: 'utf8' });
  if (r.error) throw new Error(`kubectl is needed to render k8s/ (${r.error.message})`);
  if (r.status !== 0) throw new Error(`kubectl kustomize ${overlay} failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS());
}

/** Problems of each object against its schema (deploy/validate.mjs: the validators are ES modules only). */
function validate(objects: Obj[]): string[] {
  const r = spawnSync(process.execPath, [path.join(root, 'deploy', 'validate.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`validate.mjs failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

it('the validator rejects what the API server would (a test that cannot fail proves nothing)', () => {
  const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two' } };
  const badKeda = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' }, spec: {} };
  const unknown = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } };
  const problems = validate([bad, badKeda, unknown]);
  expect(problems).toHaveLength(3);
  expect(problems[0]).toMatch(/^apps\/v1 Deployment\/x: /);
});

it('there are a local and a production overlay at least', () => {
  expect(overlays).toEqual(expect.arrayContaining(['local', 'production']));
});

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = render(overlay);
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  it('every object validates against its schema', () => {
    expect(validate(objects)).toEqual([]);
  });

  it.each(facts.map((f) => [f.name, f] as const))('%s: worker and relay, probes, limits, non-root, PDB', (_n, f) => {
    const config = find('ConfigMap', `${f.name}-config`);
    for (const [name, role] of [
      [f.name, 'worker'],
      [`${f.name}-relay`, 'relay'],
    ] as const) {
      const d = find('Deployment', name);
      expect(d).toBeDefined();
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      expect(c.image).toMatch(new RegExp(`^orderflow/${f.name}:`));
      expect(c.env).toContainEqual({ name: 'ROLE', value: role });
      // The port the service listens on: its config default, or the ConfigMap's HTTP_PORT, which must agree.
      expect(Number(config.data.HTTP_PORT)).toBe(f.defaultPort);
      expect(c.ports).toContainEqual({ name: 'http', containerPort: f.defaultPort });
      expect(c.envFrom).toContainEqual({ configMapRef: { name: `${f.name}-config` } });
      expect(c.envFrom).toContainEqual({ secretRef: { name: `${f.name}-secrets` } });
      // DATABASE_PASSWORD from the Secret `orderflow-ops db-bootstrap --format k8s` prints for this service.
      expect(c.envFrom).toContainEqual({ secretRef: { name: `${f.name}-db` } });
      expect(c.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      for (const k of ['cpu', 'memory']) {
        expect(c.resources.requests[k]).toBeDefined();
        expect(c.resources.limits[k]).toBeDefined();
      }
      // Measured ~130–140 MiB RSS per process: the request must cover it.
      expect(parseInt(c.resources.requests.memory, 10)).toBeGreaterThanOrEqual(140);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: expect.any(Number) });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(25); // > SHUTDOWN_TIMEOUT_MS default
      expect(pod.topologySpreadConstraints.length).toBeGreaterThan(0);
      expect(d.spec.template.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(f.defaultPort),
      });
      if (role === 'relay') expect(d.spec.replicas).toBe(2); // one active, one standby
      const pdb = objects.find(
        (o) =>
          o.kind === 'PodDisruptionBudget' &&
          Object.entries(o.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(pdb?.spec.minAvailable).toBe(1);
    }
    const svc = find('Service', f.name);
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('worker');
    // Every environment variable the ConfigMap sets is one the service's config schema knows.
    const known = Object.keys(f.config.configSchema.shape);
    expect(Object.keys(config.data).filter((k) => !known.includes(k))).toEqual([]);
  });

  it('network policies: a service reaches Kafka, the registry, PostgreSQL and DNS (and SMTP for notification) only', () => {
    for (const f of facts) {
      const np = find('NetworkPolicy', f.name);
      expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      const ports = np.spec.egress.flatMap((e: Obj) => e.ports.map((p: Obj) => p.port)).sort();
      const expected = [53, 53, 5432, 8080, 9092, ...(f.name === 'notification' ? [1025] : [])].sort();
      expect(ports).toEqual(expected);
    }
  });

  it('the setup job runs db-bootstrap, then topics and schemas, from the ops image', () => {
    const job = find('Job', 'orderflow-setup');
    expect(job.spec.template.spec.initContainers[0].args).toEqual(['db-bootstrap']);
    expect(job.spec.template.spec.containers[0].args).toEqual(['setup']);
    expect(job.spec.template.spec.containers[0].image).toMatch(/^orderflow\/ops:/);
    // Each role gets the password its service reads: DATABASE_PASSWORD_<SCHEMA> from the service's own Secret.
    expect(job.spec.template.spec.initContainers[0].env).toEqual(
      expect.arrayContaining(
        facts.map((f) => ({
          name: `DATABASE_PASSWORD_${dbSchemaOf(f.name).toUpperCase()}`,
          valueFrom: { secretKeyRef: { name: `${f.name}-db`, key: 'DATABASE_PASSWORD' } },
        })),
      ),
    );
  });

  if (overlay === 'local')
    it('local: every service starts in production mode with its Secrets and ConfigMaps', () => {
      for (const f of facts) {
        const data = (kind: string, name: string) => find(kind, name)?.[kind === 'Secret' ? 'stringData' : 'data'];
        const env = {
          ...data('ConfigMap', 'orderflow-common'),
          ...data('ConfigMap', `${f.name}-config`),
          ...data('Secret', `${f.name}-secrets`),
          ...data('Secret', `${f.name}-db`),
          ORDERFLOW_ENV: 'production',
        };
        expect(() => f.config.readConfig(env)).not.toThrow();
        expect(new URL(f.config.readConfig(env).DATABASE_URL).username).toBe(`${dbSchemaOf(f.name)}_svc`);
      }
    });

  if (overlay.startsWith('production'))
    it('production: workers autoscale on what they really consume, never beyond the partitions', () => {
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]); // real ones are created out of band
      for (const f of facts) {
        expect(find('Deployment', f.name).spec.replicas).toBeUndefined(); // the autoscaler owns it
        const so = find('ScaledObject', f.name);
        const hpa = find('HorizontalPodAutoscaler', f.name);
        expect(so ?? hpa).toBeDefined();
        if (so) {
          expect(so.spec.scaleTargetRef.name).toBe(f.name);
          expect(so.spec.maxReplicaCount).toBeLessThanOrEqual(f.maxPartitions);
          expect(so.spec.triggers.every((t: Obj) => t.type === 'kafka')).toBe(true);
          // The group the runtime joins with this deployment's environment (no TOPIC_PREFIX, no CONSUMER_GROUP).
          const env = find('ConfigMap', `${f.name}-config`).data;
          expect(new Set(so.spec.triggers.map((t: Obj) => t.metadata.consumerGroup))).toEqual(
            new Set([f.groupId(env)]),
          );
          expect(so.spec.triggers.map((t: Obj) => t.metadata.topic).sort()).toEqual([...f.topics].sort());
        } else {
          expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: f.name });
          expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(f.maxPartitions);
        }
      }
    });
});
