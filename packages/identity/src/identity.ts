/** Who a request is for, as the gateway established it from a verified token. */
export interface Identity {
  readonly tenantId: string;
  /** Absent for anonymous requests (when the gateway allows them). */
  readonly userId: string | undefined;
  readonly scopes: readonly string[];
}

/** The header the gateway sets and subgraphs read. Clients can never set it: the gateway strips it. */
export const IDENTITY_HEADER = 'x-intelgraph-identity';
