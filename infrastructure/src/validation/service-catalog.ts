/**
 * The services the manifests deploy and where their code lives (CONTRIBUTING.md, "Services").
 * `app` is the `app` label of the service's Deployment(s).
 */
export interface ServiceEntry {
  readonly app: string;
  /** Folder of the service, relative to the repository root. */
  readonly dir: string;
  /** Its default port (CONTRIBUTING.md). */
  readonly port: number;
}

export const SERVICES: readonly ServiceEntry[] = [
  { app: 'gateway', dir: 'gateway', port: 4000 },
  { app: 'accounts', dir: 'subgraphs/accounts', port: 4001 },
  { app: 'entities', dir: 'subgraphs/entities', port: 4002 },
  { app: 'investigations', dir: 'subgraphs/investigations', port: 4003 },
];

/**
 * The variables CONTRIBUTING.md promises every service reads. Used as the service's contract
 * only while its `src/config.ts` does not exist yet; once it does, its `configSpec` is the truth.
 */
export const DOCUMENTED_COMMON_VARIABLES: readonly string[] = [
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'DATABASE_SHARDS',
  'REDIS_URL',
  'AMQP_URL',
  'KAFKA_BROKERS',
  'IDENTITY_SECRET',
];

/** The health endpoints CONTRIBUTING.md promises: alive, ready, metrics. */
export const DOCUMENTED_HTTP_PATHS: readonly string[] = ['/health', '/ready', '/metrics'];
