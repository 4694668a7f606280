/*
 * RedisCluster (OT-Container-Kit redis operator), written from its API reference — the one
 * operator kind whose CRD is not among the upstream CRD folders yet (../shared/crds holds
 * Strimzi, CloudNativePG and the RabbitMQ cluster operator). It is used only while the CRD folder
 * of the pinned redis operator release (components/operators) is missing; once that folder is
 * there, crd-registry.ts validates against the real CRD and this file can go. Strict like the
 * CRD validation: no unknown field at any level described here.
 */
export type Schema = Record<string, unknown>;

const quantity: Schema = {
  type: 'string',
  pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$',
};
const quantityOrNumber: Schema = { anyOf: [quantity, { type: 'number' }] };
const resources: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    requests: { type: 'object', additionalProperties: quantityOrNumber },
    limits: { type: 'object', additionalProperties: quantityOrNumber },
  },
};
const strict = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const metadata: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 },
    namespace: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
};
const resource = (apiVersion: string, kind: string, spec: Schema): Schema => ({
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: { apiVersion: { const: apiVersion }, kind: { const: kind }, metadata, spec },
});

/** redis.redis.opstreelabs.in/v1beta2 RedisCluster (OT-Container-Kit redis-operator). */
const redisCluster = resource(
  'redis.redis.opstreelabs.in/v1beta2',
  'RedisCluster',
  strict(
    {
      clusterSize: { type: 'integer', minimum: 3 },
      clusterVersion: { enum: ['v6', 'v7'] },
      persistenceEnabled: { type: 'boolean' },
      podSecurityContext: { type: 'object' },
      kubernetesConfig: strict(
        {
          image: { type: 'string' },
          imagePullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
          resources,
          redisSecret: strict({ name: { type: 'string' }, key: { type: 'string' } }, ['name', 'key']),
        },
        ['image'],
      ),
      redisExporter: strict({ enabled: { type: 'boolean' }, image: { type: 'string' } }),
      redisLeader: strict({ replicas: { type: 'integer', minimum: 1 } }),
      redisFollower: strict({ replicas: { type: 'integer', minimum: 0 } }),
      storage: strict({ volumeClaimTemplate: { type: 'object' } }),
    },
    ['clusterSize', 'kubernetesConfig'],
  ),
);

/** Hand-written schemas by `apiVersion/kind`, used only where the operator's CRDs are missing. */
export const FALLBACK_SCHEMAS: Readonly<Record<string, Schema>> = {
  'redis.redis.opstreelabs.in/v1beta2/RedisCluster': redisCluster,
};
