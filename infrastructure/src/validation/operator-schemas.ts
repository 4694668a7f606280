/*
 * Schemas for the operators' custom resources. No maintained npm package ships the CRD schemas
 * of CloudNativePG, Strimzi, the RabbitMQ cluster operator or the OT-Container-Kit redis
 * operator, and the CRDs cannot be fetched offline, so these are written from each operator's
 * API reference — the subset of fields this repository uses, with their real types and enums.
 * They are strict (no unknown field at any level we describe), so a misspelt or misplaced field
 * fails here rather than being pruned silently by the API server. Fields under `resources` and
 * `affinity` are the core Kubernetes types and are checked loosely.
 */
type Schema = Record<string, unknown>;

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

/** postgresql.cnpg.io/v1 Cluster (CloudNativePG API reference, ClusterSpec). */
const cnpgCluster = resource(
  'postgresql.cnpg.io/v1',
  'Cluster',
  strict(
    {
      instances: { type: 'integer', minimum: 1 },
      imageName: { type: 'string' },
      primaryUpdateStrategy: { enum: ['supervised', 'unsupervised'] },
      postgresql: strict({
        // PostgreSQL parameters are a map of strings (`max_connections: "300"`).
        parameters: { type: 'object', additionalProperties: { type: 'string' } },
        synchronous: strict(
          {
            method: { enum: ['any', 'first'] },
            number: { type: 'integer', minimum: 1 },
            dataDurability: { enum: ['required', 'preferred'] },
          },
          ['method', 'number'],
        ),
      }),
      bootstrap: strict({
        initdb: strict({
          database: { type: 'string' },
          owner: { type: 'string' },
          secret: strict({ name: { type: 'string' } }, ['name']),
        }),
      }),
      storage: strict({ size: quantity, storageClass: { type: 'string' } }, ['size']),
      walStorage: strict({ size: quantity, storageClass: { type: 'string' } }, ['size']),
      resources,
      affinity: strict({
        enablePodAntiAffinity: { type: 'boolean' },
        topologyKey: { type: 'string' },
        podAntiAffinityType: { enum: ['preferred', 'required'] },
      }),
      monitoring: strict({ enablePodMonitor: { type: 'boolean' } }),
    },
    ['instances'],
  ),
);

const kafkaConfig: Schema = {
  type: 'object',
  additionalProperties: { type: ['string', 'number', 'boolean'] },
};

/** kafka.strimzi.io/v1 KafkaNodePool (Strimzi API reference, KafkaNodePoolSpec). */
const kafkaNodePool = resource(
  'kafka.strimzi.io/v1',
  'KafkaNodePool',
  strict(
    {
      replicas: { type: 'integer', minimum: 0 },
      roles: { type: 'array', minItems: 1, items: { enum: ['controller', 'broker'] } },
      storage: strict(
        {
          type: { enum: ['ephemeral', 'persistent-claim', 'jbod'] },
          volumes: {
            type: 'array',
            items: strict(
              {
                id: { type: 'integer', minimum: 0 },
                type: { enum: ['ephemeral', 'persistent-claim'] },
                size: quantity,
                class: { type: 'string' },
                deleteClaim: { type: 'boolean' },
                kraftMetadata: { enum: ['shared'] },
              },
              ['type'],
            ),
          },
        },
        ['type'],
      ),
      resources,
    },
    ['replicas', 'roles', 'storage'],
  ),
);

/** kafka.strimzi.io/v1 Kafka (Strimzi API reference, KafkaSpec / KafkaClusterSpec). */
const kafka = resource(
  'kafka.strimzi.io/v1',
  'Kafka',
  strict(
    {
      kafka: strict(
        {
          version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' },
          metadataVersion: { type: 'string' },
          listeners: {
            type: 'array',
            minItems: 1,
            items: strict(
              {
                name: { type: 'string', pattern: '^[a-z0-9]{1,11}$' },
                port: { type: 'integer', minimum: 9092 },
                type: { enum: ['internal', 'route', 'loadbalancer', 'nodeport', 'ingress', 'cluster-ip'] },
                tls: { type: 'boolean' },
              },
              ['name', 'port', 'type', 'tls'],
            ),
          },
          config: kafkaConfig,
        },
        ['listeners'],
      ),
      entityOperator: strict({
        topicOperator: { type: 'object' },
        userOperator: { type: 'object' },
      }),
    },
    ['kafka'],
  ),
);

/** kafka.strimzi.io/v1 KafkaTopic (Strimzi API reference, KafkaTopicSpec). */
const kafkaTopic = resource(
  'kafka.strimzi.io/v1',
  'KafkaTopic',
  strict({
    topicName: { type: 'string' },
    partitions: { type: 'integer', minimum: 1 },
    replicas: { type: 'integer', minimum: 1, maximum: 32767 },
    config: kafkaConfig,
  }),
);

/** rabbitmq.com/v1beta1 RabbitmqCluster (cluster-operator api/v1beta1/rabbitmqcluster_types.go). */
const rabbitmqCluster = resource(
  'rabbitmq.com/v1beta1',
  'RabbitmqCluster',
  strict({
    replicas: { type: 'integer', minimum: 0 },
    image: { type: 'string' },
    resources,
    persistence: strict({ storage: quantity, storageClassName: { type: 'string' } }),
    rabbitmq: strict({
      additionalConfig: { type: 'string', maxLength: 2000 },
      advancedConfig: { type: 'string' },
      additionalPlugins: { type: 'array', maxItems: 100, items: { type: 'string', pattern: '^\\w+$' } },
    }),
    affinity: { type: 'object' },
  }),
);

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

/** Schemas by `apiVersion/kind`. */
export const OPERATOR_SCHEMAS: Readonly<Record<string, Schema>> = {
  'postgresql.cnpg.io/v1/Cluster': cnpgCluster,
  'kafka.strimzi.io/v1/KafkaNodePool': kafkaNodePool,
  'kafka.strimzi.io/v1/Kafka': kafka,
  'kafka.strimzi.io/v1/KafkaTopic': kafkaTopic,
  'rabbitmq.com/v1beta1/RabbitmqCluster': rabbitmqCluster,
  'redis.redis.opstreelabs.in/v1beta2/RedisCluster': redisCluster,
};
