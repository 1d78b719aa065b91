// @ts-check
/**
 * Validates Kubernetes objects against the OpenAPI schemas of kubernetes-models (Kubernetes 1.34 API) and KEDA's
 * CRD schema (@kubernetes-models/keda). Both packages are ES modules only, so the Jest test (CommonJS) runs this
 * as a child process: a JSON array of objects on stdin, a JSON array of problems on stdout (empty: all valid).
 */
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';

/** @type {Record<string, new (o: any) => { validate(): void }>} */
const MODELS = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

let input = '';
for await (const chunk of process.stdin) input += chunk;
/** @type {any[]} */
const objects = JSON.parse(input);
const problems = [];
for (const o of objects) {
  const id = `${o.apiVersion} ${o.kind}/${o.metadata?.name}`;
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!Model) {
    problems.push(`${id}: no schema known for this kind`);
    continue;
  }
  try {
    new Model(o).validate();
  } catch (err) {
    problems.push(`${id}: ${/** @type {Error} */ (err).message}`);
  }
}
process.stdout.write(JSON.stringify(problems));
