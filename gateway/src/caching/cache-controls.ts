/** Operator switches and caps applied to every cache hint. */
export interface CacheControlsOptions {
  /** Max-age of a root or composite field without any hint (Apollo's default: 0, uncacheable). */
  readonly defaultMaxAge?: number;
  /** Upper bound on every max-age, seconds (default one day). */
  readonly maxAgeCap?: number;
  /** Per-type caps, seconds; 0 switches the type off (never cached). */
  readonly typeMaxAge?: Readonly<Record<string, number>>;
  /** Per-subgraph caps for the entity cache and responses touching it; 0 switches it off. */
  readonly subgraphMaxAge?: Readonly<Record<string, number>>;
}

/** Resolved controls; see `CacheControlsOptions`. */
export class CacheControls {
  readonly defaultMaxAge: number;
  readonly maxAgeCap: number;
  readonly #types: ReadonlyMap<string, number>;
  readonly #subgraphs: ReadonlyMap<string, number>;

  constructor(options: CacheControlsOptions = {}) {
    this.defaultMaxAge = options.defaultMaxAge ?? 0;
    this.maxAgeCap = options.maxAgeCap ?? 86_400;
    this.#types = new Map(Object.entries(options.typeMaxAge ?? {}));
    this.#subgraphs = new Map(Object.entries(options.subgraphMaxAge ?? {}));
  }

  /** The cap of a type, undefined when none is set. */
  typeMaxAge(type: string): number | undefined {
    return this.#types.get(type);
  }

  /** The cap of a subgraph, undefined when none is set. */
  subgraphMaxAge(subgraph: string): number | undefined {
    return this.#subgraphs.get(subgraph);
  }

  /** Seconds an entity of `type` from `subgraph` may be kept, given its hinted max-age. */
  entityTtl(subgraph: string, type: string, hinted: number): number {
    return Math.min(
      hinted,
      this.maxAgeCap,
      this.#types.get(type) ?? Number.POSITIVE_INFINITY,
      this.#subgraphs.get(subgraph) ?? Number.POSITIVE_INFINITY,
    );
  }
}
