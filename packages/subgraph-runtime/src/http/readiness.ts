/** What a service's parts say about serving traffic, for `/ready`. */
export interface Readiness {
  /** Can serve at least part of its traffic: false takes the pod out of the Service (503). */
  readonly serving: boolean;
  /** Serving, but not everything works (e.g. a shard only readable): 200 with `status: 'degraded'`. */
  readonly degraded: boolean;
  /** Shown in the `/ready` body (e.g. `shards`). */
  readonly details?: Readonly<Record<string, unknown>>;
}
