// @ts-check
/**
 * Kubernetes objects of k8s/base (per service: worker and relay Deployments, Service, PDBs, ConfigMap, Secret,
 * NetworkPolicy; the setup Job) and the generated parts of the overlays (KEDA ScaledObjects, HPAs, local infra).
 */
'use strict';
const { ENDPOINTS, services, bootstrapPasswordVar, databaseUrl } = require('./model');
const infra = require('./infra');

const PART_OF = 'orderflow';
/** ~130–140 MiB RSS measured per service process (README, Performance): request above it, limit with headroom. */
const RESOURCES = { requests: { cpu: '100m', memory: '160Mi' }, limits: { cpu: '1', memory: '320Mi' } };
/** Longer than SHUTDOWN_TIMEOUT_MS (25 s): the service drains and exits before the kubelet's SIGKILL. */
const GRACE_SECONDS = 35;
const UID = 1000;

/** @param {string} name @param {string} component */
const labels = (name, component) => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/part-of': PART_OF,
});

const podSecurity = {
  runAsNonRoot: true,
  runAsUser: UID,
  runAsGroup: UID,
  fsGroup: UID,
  seccompProfile: { type: 'RuntimeDefault' },
};
const containerSecurity = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** @param {import('./model').ServiceModel} s @param {'worker' | 'relay'} role */
function deployment(s, role) {
  const name = role === 'worker' ? s.name : `${s.name}-relay`;
  const sel = labels(s.name, role);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: sel },
    spec: {
      // Workers share the consumer group (partitions spread over them); relays are one active + one standby.
      replicas: 2,
      selector: { matchLabels: sel },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: sel,
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(s.port),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: GRACE_SECONDS,
          securityContext: podSecurity,
          topologySpreadConstraints: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((key) => ({
            maxSkew: 1,
            topologyKey: key,
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: sel },
          })),
          containers: [
            {
              name: s.name,
              image: `orderflow/${s.name}:latest`,
              imagePullPolicy: 'IfNotPresent',
              env: [{ name: 'ROLE', value: role }],
              envFrom: [
                { configMapRef: { name: 'orderflow-common' } },
                { configMapRef: { name: `${s.name}-config` } },
                { secretRef: { name: `${s.name}-secrets` } },
                { secretRef: { name: dbSecretName(s) } },
              ],
              ports: [{ name: 'http', containerPort: s.port }],
              // Live answers once the service has migrated and started; ready adds database, broker, consumer/relay.
              startupProbe: { httpGet: { path: '/health/live', port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
              livenessProbe: {
                httpGet: { path: '/health/live', port: 'http' },
                periodSeconds: 10,
                timeoutSeconds: 3,
                failureThreshold: 3,
              },
              readinessProbe: {
                httpGet: { path: '/health/ready', port: 'http' },
                periodSeconds: 5,
                timeoutSeconds: 3,
                failureThreshold: 2,
              },
              resources: RESOURCES,
              securityContext: containerSecurity,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
        },
      },
    },
  };
}

/** @param {import('./model').ServiceModel} s */
function config(s) {
  /** @type {Record<string, string>} */
  const data = { HTTP_PORT: String(s.port), LOG_LEVEL: 'info', DATABASE_URL: databaseUrl(s) };
  if (s.smtp) Object.assign(data, { SMTP_HOST: ENDPOINTS.smtpHost, SMTP_PORT: String(ENDPOINTS.smtpPort) });
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${s.name}-config`, labels: labels(s.name, 'config') },
    data,
  };
}

/**
 * The Secret `orderflow-ops db-bootstrap --format k8s` prints for a service: DATABASE_PASSWORD of its own role.
 * @param {import('./model').ServiceModel} s
 */
const dbSecretName = (s) => `${s.name}-db`;

/**
 * Local values; the production overlay removes these Secrets so that real ones (created out of band) stay:
 * `<service>-secrets` (READ_TOKEN; ADMIN_TOKEN where the service has admin actions) and `<service>-db`.
 * @param {import('./model').ServiceModel} s
 */
function secrets(s) {
  /** @type {Record<string, string>} */
  const tokens = { READ_TOKEN: infra.LOCAL_READ_TOKEN };
  if (s.admin) tokens.ADMIN_TOKEN = infra.LOCAL_ADMIN_TOKEN;
  return [
    { name: `${s.name}-secrets`, stringData: tokens },
    { name: dbSecretName(s), stringData: { DATABASE_PASSWORD: infra.localRolePassword(s.schema) } },
  ].map(({ name, stringData }) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, labels: labels(s.name, 'secrets') },
    type: 'Opaque',
    stringData,
  }));
}

/** @param {string} name @param {number} port */
const to = (name, port) => ({
  to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } }],
  ports: [{ protocol: 'TCP', port }],
});
const dns = {
  to: [{ namespaceSelector: {} }],
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};
/** What every orderflow pod may reach: Kafka, the registry, PostgreSQL (in the namespace) and DNS. */
const coreEgress = () => [to('kafka', 9092), to('schema-registry', 8080), to('postgres', ENDPOINTS.postgresPort), dns];

/** @param {import('./model').ServiceModel} s */
function networkPolicy(s) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: s.name, labels: labels(s.name, 'network') },
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': s.name, 'app.kubernetes.io/part-of': PART_OF } },
      policyTypes: ['Ingress', 'Egress'],
      // HTTP (queries, health, metrics) from any namespace: kubelet probes, Prometheus, API gateways.
      ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: s.port }] }],
      egress: [...coreEgress(), ...(s.smtp ? [to('smtp', ENDPOINTS.smtpPort)] : [])],
    },
  };
}

/** @param {import('./model').ServiceModel} s */
function serviceObjects(s) {
  return [
    config(s),
    ...secrets(s),
    deployment(s, 'worker'),
    deployment(s, 'relay'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, labels: labels(s.name, 'worker') },
      spec: { selector: labels(s.name, 'worker'), ports: [{ name: 'http', port: s.port, targetPort: 'http' }] },
    },
    ...['worker', 'relay'].map((component) => ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: component === 'worker' ? s.name : `${s.name}-relay`, labels: labels(s.name, component) },
      spec: { minAvailable: 1, selector: { matchLabels: labels(s.name, component) } },
    })),
    networkPolicy(s),
  ];
}

/** The one-shot setup: database roles and schemas, then topics and subjects; both idempotent. */
function setupObjects() {
  const l = labels('orderflow-setup', 'setup');
  // db-bootstrap gives each role the password its service reads: DATABASE_PASSWORD_<SCHEMA> from `<service>-db`.
  const rolePasswords = services().map((s) => ({
    name: bootstrapPasswordVar(s),
    valueFrom: { secretKeyRef: { name: dbSecretName(s), key: 'DATABASE_PASSWORD' } },
  }));
  const ops = (/** @type {string} */ cmd) => ({
    name: cmd,
    image: 'orderflow/ops:latest',
    imagePullPolicy: 'IfNotPresent',
    args: [cmd],
    ...(cmd === 'db-bootstrap' ? { env: rolePasswords } : {}),
    envFrom: [{ configMapRef: { name: 'orderflow-common' } }, { secretRef: { name: 'orderflow-setup' } }],
    resources: RESOURCES,
    securityContext: containerSecurity,
  });
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'orderflow-common', labels: labels('orderflow', 'config') },
      data: { KAFKA_BROKERS: ENDPOINTS.kafka, SCHEMA_REGISTRY_URL: ENDPOINTS.registry },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'orderflow-setup', labels: l },
      type: 'Opaque',
      stringData: { DATABASE_ADMIN_URL: infra.adminDatabaseUrl },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'orderflow-setup', labels: l },
      spec: {
        backoffLimit: 20,
        // Gone an hour after success, so that the next `kubectl apply -k` (a new image tag) runs it again.
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels: l },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            securityContext: podSecurity,
            initContainers: [ops('db-bootstrap')],
            containers: [ops('setup')],
          },
        },
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'orderflow-setup', labels: l },
      spec: { podSelector: { matchLabels: l }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: coreEgress() },
    },
  ];
}

/** k8s/base: file → objects, and its kustomization. */
function base() {
  const svcs = services();
  /** @type {Record<string, object[]>} */
  const files = { 'setup.yaml': setupObjects() };
  for (const s of svcs) files[`${s.name}.yaml`] = serviceObjects(s);
  files['kustomization.yaml'] = [
    {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      labels: [{ pairs: { 'app.kubernetes.io/part-of': PART_OF }, includeSelectors: false }],
      resources: Object.keys(files).filter((f) => f !== 'kustomization.yaml'),
    },
  ];
  return files;
}

/** KEDA: scale each worker on its consumer group's lag, one trigger per topic it consumes. */
function scaledObjects() {
  return services().map((s) => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: s.name, labels: labels(s.name, 'worker') },
    spec: {
      scaleTargetRef: { name: s.name },
      minReplicaCount: 2,
      // More members than a topic has partitions would sit idle on it.
      maxReplicaCount: s.maxPartitions,
      pollingInterval: 15,
      cooldownPeriod: 300,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
          },
        },
      },
      triggers: s.topics.map((topic) => ({
        type: 'kafka',
        metadata: {
          bootstrapServers: ENDPOINTS.kafka,
          consumerGroup: s.group,
          topic,
          lagThreshold: '500',
          offsetResetPolicy: 'earliest',
        },
      })),
    },
  }));
}

/** Without KEDA: CPU-based HPAs with the same bounds. */
function hpas() {
  return services().map((s) => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: s.name, labels: labels(s.name, 'worker') },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: s.name },
      minReplicas: 2,
      maxReplicas: s.maxPartitions,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  }));
}

/** @param {string} name @param {number[]} ports */
function infraService(name, ports) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: labels(name, 'infra') },
    spec: {
      selector: { 'app.kubernetes.io/name': name },
      ports: ports.map((p) => ({ name: `p${p}`, port: p, targetPort: p })),
    },
  };
}

/**
 * @param {string} name @param {string} image @param {Record<string, string>} env @param {number[]} ports
 * @param {object} readiness
 */
function infraDeployment(name, image, env, ports, readiness) {
  const l = labels(name, 'infra');
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: l },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: l },
        spec: {
          containers: [
            {
              name,
              image,
              env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })),
              ports: ports.map((p) => ({ containerPort: p })),
              readinessProbe: readiness,
            },
          ],
        },
      },
    },
  };
}

/** A local cluster's infrastructure (kind, minikube): one of each, data in the pod (ephemeral). */
function localInfra() {
  const tcp = (/** @type {number} */ port) => ({ tcpSocket: { port }, periodSeconds: 5 });
  return [
    infraDeployment('postgres', infra.INFRA.postgresImage, infra.postgresEnv, [5432], {
      exec: { command: ['pg_isready', '-U', 'postgres'] },
      periodSeconds: 5,
    }),
    infraService('postgres', [5432]),
    infraDeployment('kafka', infra.INFRA.kafkaImage, infra.kafkaEnv, [9092, 9093], tcp(9092)),
    infraService('kafka', [9092]),
    infraDeployment('schema-registry', infra.INFRA.registryImage, infra.registryEnv, [8080], {
      httpGet: { path: '/health/ready', port: 8080 },
      periodSeconds: 5,
    }),
    infraService('schema-registry', [8080]),
    infraDeployment('smtp', infra.INFRA.mailImage, {}, [1025, 8025], tcp(1025)),
    infraService('smtp', [1025, 8025]),
  ];
}

/** Generated files of the overlays (their kustomization.yaml files are hand-written). */
function overlayObjects() {
  return {
    'local/infra.yaml': localInfra(),
    'production/scaledobjects.yaml': scaledObjects(),
    'production-hpa/hpas.yaml': hpas(),
  };
}

module.exports = { base, overlayObjects, RESOURCES, PART_OF };
