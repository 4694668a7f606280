import { cachingErrors } from './catalogue/caching.js';
import type { ErrorDefinition } from './catalogue/error-definition.js';
import { gatewayErrors } from './catalogue/gateway.js';
import { gatewayCacheErrors } from './catalogue/gateway-cache.js';
import { gatewayEdgeErrors } from './catalogue/gateway-edge.js';
import { identityErrors } from './catalogue/identity.js';
import { messagingErrors } from './catalogue/messaging.js';
import { platformErrors } from './catalogue/platform.js';
import { shardingErrors } from './catalogue/sharding.js';
import { subgraphErrors } from './catalogue/subgraph.js';

/**
 * Every stable error code of the platform. Each domain owns one section file under
 * `catalogue/` and one page under `docs/errors/`; a test keeps the two in step and fails on a
 * code that is documented but gone, or defined but never raised.
 *
 * To add a domain: create `catalogue/<domain>.ts`, spread it here, and write `docs/errors/<domain>.md`.
 */
export const errorCatalogue = {
  ...platformErrors,
  ...gatewayErrors,
  ...gatewayCacheErrors,
  ...gatewayEdgeErrors,
  ...shardingErrors,
  ...identityErrors,
  ...messagingErrors,
  ...subgraphErrors,
  ...cachingErrors,
} as const satisfies Readonly<Record<string, ErrorDefinition>>;

export type ErrorCode = keyof typeof errorCatalogue;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalogue, value);
}
