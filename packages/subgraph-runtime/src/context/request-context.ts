import type { DataLoaderRegistry, LoaderFactories, LoadersOf } from '@intelgraph/graphql-dataloader';
import type { Identity } from '@intelgraph/identity';
import type { Logger } from '@intelgraph/telemetry';
import type { RuntimeServices } from '../runtime-services.js';
import type { TenantDb } from './tenant-db.js';

/** What every resolver and loader factory of a subgraph gets for one request. */
export interface RequestContext {
  readonly requestId: string;
  /** Verified from the gateway's signed header (or the development identity). */
  readonly identity: Identity;
  /** Child logger: every line carries `requestId` and `tenantId`. */
  readonly logger: Logger;
  /** Statements routed by the identity's tenant. */
  readonly db: TenantDb;
  /** The service-wide parts (storage, cache, events, loader stats, limits). */
  readonly services: RuntimeServices;
}

/** The context of a subgraph whose loaders are declared by `F`. */
export interface SubgraphContext<F extends LoaderFactories<RequestContext> = LoaderFactories<RequestContext>>
  extends RequestContext {
  readonly loaders: LoadersOf<F>;
  readonly registry: DataLoaderRegistry<RequestContext, F>;
}
