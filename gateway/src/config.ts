import { type ConfigOf, variables } from '@intelgraph/config';
import { tracingVariables } from '@intelgraph/telemetry';
import { z } from 'zod';
import { isCidr } from './rate-limit/client-address.js';
import { RETRY_ON } from './subgraph-fetch/use-retry.js';

const nameEqualsUrl = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*=https?:\/\/\S+$/);
const nameEqualsMs = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*=\d+$/);

/**
 * Every setting of the gateway, read from the environment. Defaults are declared here once; the
 * README table is generated from this spec (`formatConfigTable`).
 */
export const configSpec = {
  port: variables.port({ env: 'PORT', default: '4000', description: 'HTTP port.' }),
  host: variables.string({ env: 'HOST', default: '127.0.0.1', description: 'Interface to listen on.' }),
  logLevel: variables.oneOf({ env: 'LOG_LEVEL', default: 'info', description: 'pino log level.' }, [
    'fatal',
    'error',
    'warn',
    'info',
    'debug',
    'trace',
    'silent',
  ]),
  supergraphPath: variables.string({
    env: 'SUPERGRAPH_PATH',
    description: 'Supergraph SDL file; watched and hot-reloaded. Wins over SUBGRAPHS.',
  }),
  subgraphs: variables.list(
    {
      env: 'SUBGRAPHS',
      description: 'Development: compose the supergraph from running subgraphs (`_service { sdl }`).',
    },
    nameEqualsUrl,
    'name=url',
  ),
  supergraphPollMs: variables.integer({
    env: 'SUPERGRAPH_POLL_MS',
    default: '10000',
    min: 100,
    description: 'How often the file is re-read (besides fs.watch) or the subgraphs re-composed.',
  }),
  subgraphTimeoutMs: variables.integer({
    env: 'SUBGRAPH_TIMEOUT_MS',
    default: '10000',
    min: 1,
    description: 'Timeout of one subgraph fetch.',
  }),
  subgraphTimeouts: variables.list(
    { env: 'SUBGRAPH_TIMEOUTS', description: 'Per-subgraph timeouts overriding SUBGRAPH_TIMEOUT_MS.' },
    nameEqualsMs,
    'name=milliseconds',
  ),
  requestTimeoutMs: variables.integer({
    env: 'REQUEST_TIMEOUT_MS',
    default: '30000',
    min: 1,
    description:
      'Deadline of a whole request from its arrival: bounds all its subgraph fetches and retries (then GATEWAY_TIMEOUT).',
  }),
  subgraphRetries: variables.integer({
    env: 'SUBGRAPH_RETRIES',
    default: '2',
    min: 0,
    max: 10,
    description:
      'Retries of a failed query fetch (never a mutation) on the failures SUBGRAPH_RETRY_ON names, with exponential backoff.',
  }),
  subgraphRetryOn: variables.list(
    {
      env: 'SUBGRAPH_RETRY_ON',
      default: 'connect',
      description:
        'Failures retried: connect (refused/reset before any response), timeout (SUBGRAPH_TIMEOUT_MS), 5xx.',
    },
    z.enum(RETRY_ON),
    `failure kinds (${RETRY_ON.join(', ')})`,
  ),
  subgraphConnections: variables.integer({
    env: 'SUBGRAPH_CONNECTIONS',
    default: '64',
    min: 1,
    description: 'Keep-alive connections per subgraph origin.',
  }),
  breakerFailures: variables.integer({
    env: 'BREAKER_FAILURES',
    default: '5',
    min: 1,
    description: 'Consecutive failures that open a subgraph circuit breaker.',
  }),
  breakerResetMs: variables.integer({
    env: 'BREAKER_RESET_MS',
    default: '5000',
    min: 1,
    description: 'How long an open breaker fails fast before letting a trial request through.',
  }),
  executor: variables.oneOf(
    {
      env: 'GATEWAY_EXECUTOR',
      default: 'intelgraph',
      description:
        'Who executes query plans: `intelgraph` (our executor: copy-on-write merge, compiled response shaper, cached with the plan) or `apollo` (Apollo Gateway, as before).',
    },
    ['apollo', 'intelgraph'],
  ),
  dedup: variables.boolean({
    env: 'SUBGRAPH_DEDUP',
    default: 'true',
    description:
      'Share identical in-flight subgraph query fetches (same URL, headers, identity and body); each request gets its own copy.',
  }),
  maxBodyBytes: variables.integer({
    env: 'MAX_BODY_BYTES',
    default: '102400',
    min: 1,
    description: 'Largest request body.',
  }),
  maxTokens: variables.integer({
    env: 'MAX_TOKENS',
    default: '5000',
    min: 1,
    description: 'Most lexical tokens.',
  }),
  maxDepth: variables.integer({ env: 'MAX_DEPTH', default: '12', min: 1, description: 'Deepest selection.' }),
  maxAliases: variables.integer({ env: 'MAX_ALIASES', default: '30', min: 0, description: 'Most aliases.' }),
  maxRootFields: variables.integer({
    env: 'MAX_ROOT_FIELDS',
    default: '20',
    min: 1,
    description: 'Most root fields of one operation.',
  }),
  maxDirectives: variables.integer({
    env: 'MAX_DIRECTIVES',
    default: '50',
    min: 0,
    description: 'Most directives in one document.',
  }),
  maxCost: variables.integer({
    env: 'MAX_COST',
    default: '5000',
    min: 1,
    description:
      'Highest estimated cost (cost spec: objects 1, scalars 0, `@cost` weights, times list sizes; abstract types at their costliest type).',
  }),
  defaultListSize: variables.integer({
    env: 'DEFAULT_LIST_SIZE',
    default: '10',
    min: 1,
    description:
      'Assumed list length when neither a slicing argument nor `@listSize(assumedSize:)` bounds it.',
  }),
  costMode: variables.oneOf(
    {
      env: 'COST_MODE',
      default: 'enforce',
      description:
        '`enforce` refuses operations over MAX_COST; `measure` only computes and reports the cost.',
    },
    ['enforce', 'measure'],
  ),
  costExtensions: variables.oneOf(
    {
      env: 'COST_EXTENSIONS',
      default: 'on-request',
      description:
        'When responses carry `extensions.cost` (estimated, actual, limit): always, never, or when the request sends `x-graphql-cost: true`.',
    },
    ['on-request', 'always', 'never'],
  ),
  costActual: variables.boolean({
    env: 'COST_ACTUAL',
    default: 'false',
    description:
      "Also measure each response's actual cost (reported in `extensions.cost.actual` and a histogram).",
  }),
  authorizationMode: variables.oneOf(
    {
      env: 'AUTHORIZATION_MODE',
      default: 'filter',
      description:
        '`filter`: parts an identity may not see (@authenticated, @requiresScopes) are null with an error at their path; `reject`: the whole operation is refused.',
    },
    ['filter', 'reject'],
  ),
  jwksUrl: variables.url({ env: 'JWT_JWKS_URL', description: 'JWKS endpoint of the token issuer.' }),
  jwtPublicKey: variables.string({
    env: 'JWT_PUBLIC_KEY',
    description: 'PEM public key (SPKI) verifying tokens, instead of a JWKS.',
  }),
  jwtSecret: variables.string({
    env: 'JWT_SECRET',
    secret: true,
    description: 'HMAC secret verifying HS256 tokens (development), instead of a key.',
  }),
  jwtIssuer: variables.string({ env: 'JWT_ISSUER', description: 'Required `iss` claim.' }),
  jwtAudience: variables.string({ env: 'JWT_AUDIENCE', description: 'Required `aud` claim.' }),
  jwtAlgorithms: variables.list(
    { env: 'JWT_ALGORITHMS', default: 'RS256,ES256,EdDSA,HS256', description: 'Accepted algorithms.' },
    z.string().regex(/^(RS|PS|ES|HS)(256|384|512)$|^EdDSA$/),
    'JWS algorithm names',
  ),
  jwtTenantClaim: variables.string({
    env: 'JWT_TENANT_CLAIM',
    default: 'tenant',
    description: 'Claim holding the tenant id.',
  }),
  jwtCacheMaxEntries: variables.integer({
    env: 'JWT_CACHE_MAX_ENTRIES',
    default: '10000',
    min: 0,
    description: 'Verified tokens remembered so a repeated token skips the signature check (0: off).',
  }),
  jwtCacheMaxAgeMs: variables.integer({
    env: 'JWT_CACHE_MAX_AGE_MS',
    default: '60000',
    min: 0,
    description: 'Longest a verified token is trusted before it is verified again (never past its exp).',
  }),
  jwtRequireExp: variables.boolean({
    env: 'JWT_REQUIRE_EXP',
    default: 'true',
    description: 'Refuse tokens without an `exp` claim (a token without one would be valid forever).',
  }),
  jwtClockSkewS: variables.integer({
    env: 'JWT_CLOCK_SKEW_S',
    default: '30',
    min: 0,
    max: 3600,
    description: 'Clock skew (s) tolerated when checking `exp` and `nbf`.',
  }),
  jwksRefreshS: variables.integer({
    env: 'JWKS_REFRESH_S',
    default: '300',
    min: 1,
    description:
      'Age (s) after which the JWKS is fetched again, in the background (an unknown `kid` also refetches it).',
  }),
  jwksMaxStaleS: variables.integer({
    env: 'JWKS_MAX_STALE_S',
    default: '3600',
    min: 0,
    description:
      'While the JWKS cannot be fetched, how long (s) after its last good fetch the last key set still verifies tokens; then 503 AUTH_UNAVAILABLE and /ready false.',
  }),
  allowAnonymous: variables.boolean({
    env: 'ALLOW_ANONYMOUS',
    default: 'false',
    description: 'With auth configured, still serve requests without a token (as the anonymous tenant).',
  }),
  anonymousTenant: variables.string({
    env: 'ANONYMOUS_TENANT',
    default: 'public',
    description: 'Tenant of anonymous requests.',
  }),
  identitySecret: variables.string({
    env: 'IDENTITY_SECRET',
    secret: true,
    description: 'HMAC key (≥ 32 bytes; comma-separated to rotate) signing the identity sent to subgraphs.',
  }),
  redisUrl: variables.url({
    env: 'REDIS_URL',
    protocols: ['redis:', 'rediss:'],
    description: 'Redis for rate limits and the APQ store; in-process when unset.',
  }),
  redisCluster: variables.boolean({
    env: 'REDIS_CLUSTER',
    default: 'false',
    description: 'REDIS_URL names one node of a Redis Cluster; the client discovers the others.',
  }),
  rateLimitTenantPerSec: variables.integer({
    env: 'RATE_LIMIT_TENANT_PER_SEC',
    default: '0',
    min: 0,
    description: 'Requests per second per tenant (0: no limit).',
  }),
  rateLimitClientPerSec: variables.integer({
    env: 'RATE_LIMIT_CLIENT_PER_SEC',
    default: '0',
    min: 0,
    description:
      'Requests per second per client (user, else client address), checked before the tenant limit (0: no limit).',
  }),
  rateLimitBurst: variables.integer({
    env: 'RATE_LIMIT_BURST',
    default: '20',
    min: 1,
    description: 'Requests allowed at once above the steady rate.',
  }),
  trustedProxies: variables.list(
    {
      env: 'TRUSTED_PROXIES',
      description:
        'Proxies whose X-Forwarded-For names the client address of anonymous requests; unset: the socket peer address.',
    },
    z.string().refine(isCidr),
    'IP addresses or CIDRs',
  ),
  persistedOperationsPath: variables.string({
    env: 'PERSISTED_OPERATIONS_PATH',
    description: 'Persisted-operation manifest (Apollo format) for safelist mode.',
  }),
  safelist: variables.boolean({
    env: 'SAFELIST',
    default: 'false',
    description: 'Run only operations of the manifest (needs PERSISTED_OPERATIONS_PATH).',
  }),
  apq: variables.boolean({ env: 'APQ', default: 'true', description: 'Automatic persisted queries.' }),
  graphiql: variables.boolean({
    env: 'GRAPHIQL',
    default: 'true',
    description: 'Serve GraphiQL at /graphiql.',
  }),
  introspection: variables.boolean({
    env: 'INTROSPECTION',
    description: 'Serve `__schema`/`__type` introspection. Unset: on, except under NODE_ENV=production.',
  }),
  introspectionMaxDepth: variables.integer({
    env: 'INTROSPECTION_MAX_DEPTH',
    default: '2',
    min: 1,
    description:
      'Deepest nesting of the recursive introspection lists (fields, inputFields, interfaces, possibleTypes); introspection is not counted by MAX_DEPTH.',
  }),
  corsOrigins: variables.list(
    {
      env: 'CORS_ORIGINS',
      description:
        'Origins browsers may call from: `https://app.example.com`, `http://localhost:*` (any port), `https://*.example.com`, or `*` (any, without credentials). Unset: none.',
    },
    z
      .string()
      .regex(
        /^\*$|^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:(\d{1,5}|\*))?$|^https?:\/\/\[[0-9A-Fa-f:]+\](:(\d{1,5}|\*))?$/,
      ),
    'origins',
  ),
  corsCredentials: variables.boolean({
    env: 'CORS_CREDENTIALS',
    default: 'false',
    description: 'Let browsers send credentials (cookies, HTTP auth) cross-origin; not with CORS_ORIGINS=*.',
  }),
  nodeEnv: variables.string({
    env: 'NODE_ENV',
    description:
      '`production` switches error masking on and introspection off unless MASK_ERRORS / INTROSPECTION say otherwise.',
  }),
  maskErrors: variables.boolean({
    env: 'MASK_ERRORS',
    description:
      'Send subgraph errors to clients only when client-safe (catalogue 4xx code or CLIENT_SAFE_ERROR_CODES); others become SUBGRAPH_ERROR. Unset: on under NODE_ENV=production.',
  }),
  clientSafeErrorCodes: variables.list(
    {
      env: 'CLIENT_SAFE_ERROR_CODES',
      description:
        'Extra subgraph `extensions.code` values whose messages are meant for clients (kept when masking).',
    },
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
    'error codes',
  ),
  subscriptions: variables.boolean({
    env: 'SUBSCRIPTIONS',
    default: 'true',
    description:
      'Serve subscriptions on the GraphQL endpoint: graphql-ws (WebSocket), GraphQL over SSE and multipart HTTP (Accept).',
  }),
  subscriptionMaxPerConnection: variables.integer({
    env: 'SUBSCRIPTION_MAX_PER_CONNECTION',
    default: '20',
    min: 1,
    description:
      'Subscriptions one WebSocket connection may hold at once (SUBSCRIPTION_LIMIT_EXCEEDED past it).',
  }),
  subscriptionMaxPerTenant: variables.integer({
    env: 'SUBSCRIPTION_MAX_PER_TENANT',
    default: '1000',
    min: 1,
    description: 'Subscriptions one tenant may hold at once on one gateway instance.',
  }),
  subscriptionMaxBufferedBytes: variables.integer({
    env: 'SUBSCRIPTION_MAX_BUFFERED_BYTES',
    default: '1048576',
    min: 1,
    description:
      'Bytes a subscriber may have unsent on its socket before it is dropped as a slow consumer (WebSocket close 4429).',
  }),
  subscriptionKeepAliveMs: variables.integer({
    env: 'SUBSCRIPTION_KEEPALIVE_MS',
    default: '12000',
    min: 1,
    description:
      'Keep-alive interval of subscriptions: WebSocket ping, SSE comment, multipart heartbeat part; also how often the upstream subgraph connections are pinged and how long a pong may take before the subscription ends (SUBSCRIPTION_UPSTREAM_CLOSED).',
  }),
  drainTimeoutMs: variables.integer({
    env: 'DRAIN_TIMEOUT_MS',
    default: '10000',
    min: 0,
    description: 'On SIGTERM, how long in-flight requests may finish.',
  }),
  cacheResponses: variables.boolean({
    env: 'CACHE_RESPONSES',
    default: 'false',
    description: 'Response cache: whole query responses by operation, variables, tenant and scope.',
  }),
  cacheEntities: variables.boolean({
    env: 'CACHE_ENTITIES',
    default: 'false',
    description: 'Entity cache: `_entities` results per subgraph, type and key; fetches only the misses.',
  }),
  cacheCdnHeaders: variables.boolean({
    env: 'CACHE_CDN_HEADERS',
    default: 'false',
    description: 'Cache-Control, Cache-Tag and Surrogate-Key headers from the cache hints.',
  }),
  cacheDefaultMaxAge: variables.integer({
    env: 'CACHE_DEFAULT_MAX_AGE',
    default: '0',
    min: 0,
    description: 'Max-age (s) of root and composite fields without a @cacheControl hint (0: uncacheable).',
  }),
  cacheMaxAgeCap: variables.integer({
    env: 'CACHE_MAX_AGE_CAP',
    default: '86400',
    min: 0,
    description: 'Upper bound (s) on every cache max-age.',
  }),
  cacheTypeMaxAge: variables.list(
    { env: 'CACHE_TYPE_MAX_AGE', description: 'Per-type max-age caps (s); 0 switches a type off.' },
    nameEqualsMs,
    'Type=seconds',
  ),
  cacheSubgraphMaxAge: variables.list(
    {
      env: 'CACHE_SUBGRAPH_MAX_AGE',
      description: 'Per-subgraph max-age caps (s); 0 switches a subgraph off.',
    },
    nameEqualsMs,
    'name=seconds',
  ),
  cacheL1MaxEntries: variables.integer({
    env: 'CACHE_L1_MAX_ENTRIES',
    default: '50000',
    min: 1,
    description: 'In-process entries of the gateway cache (Redis at REDIS_URL is its shared L2).',
  }),
  cachePrefix: variables.string({
    env: 'CACHE_PREFIX',
    default: 'ig:gw',
    description: 'Redis key prefix of the gateway cache; instances sharing it share entries.',
  }),
  cacheEventsAmqpUrl: variables.url({
    env: 'CACHE_EVENTS_AMQP_URL',
    protocols: ['amqp:', 'amqps:'],
    secret: true,
    description: 'RabbitMQ carrying the domain events that invalidate the caches.',
  }),
  cacheEventsKafkaBrokers: variables.list(
    {
      env: 'CACHE_EVENTS_KAFKA_BROKERS',
      description:
        'Kafka brokers (host:port,…) carrying the domain events that invalidate the caches: where the subgraphs publish when they have KAFKA_BROKERS. Not with CACHE_EVENTS_AMQP_URL.',
    },
    z.string().regex(/^[^\s,:]+:\d{1,5}$/),
    'host:port',
  ),
  cacheEventsTopics: variables.list(
    {
      env: 'CACHE_EVENTS_TOPICS',
      default: 'cache-invalidation',
      description:
        'Event topics consumed for invalidation: the one every event that invalidates something is also published on (each event carries its tags).',
    },
    z.string().regex(/^[\w.-]+$/),
    'topic names',
  ),
  cacheEventsGroup: variables.string({
    env: 'CACHE_EVENTS_GROUP',
    default: 'gateway-cache',
    description: 'Consumer group of the invalidation consumer (one for all instances).',
  }),
  cacheAdminToken: variables.string({
    env: 'CACHE_ADMIN_TOKEN',
    secret: true,
    description: 'Bearer token of GET /admin/cache/invalidate (route off when unset).',
  }),
  cdnUntaggedMaxAge: variables.integer({
    env: 'CACHE_CDN_UNTAGGED_MAX_AGE',
    default: '5',
    min: 0,
    description: 'CDN max-age (s) of a response with more than 50 tags (some entities not purgeable).',
  }),
  cloudfrontDistributionId: variables.string({
    env: 'CLOUDFRONT_DISTRIBUTION_ID',
    description: 'CloudFront distribution whose cache tags events invalidate.',
  }),
  cloudfrontEndpoint: variables.url({
    env: 'CLOUDFRONT_ENDPOINT',
    description: 'CloudFront API endpoint override (tests, local emulators).',
  }),
  // OpenTelemetry trace export (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER…).
  ...tracingVariables(),
} as const;

export type GatewayConfig = ConfigOf<typeof configSpec>;
