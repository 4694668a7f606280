import { IntelGraphError } from '@intelgraph/errors';

/** Things a registry can hold: DataLoaders, or anything with `clearAll()`. */
export interface ClearableLoader {
  clearAll(): unknown;
}

/** One factory per loader name; each gets the request's context. */
export type LoaderFactories<C> = Readonly<Record<string, (context: C) => ClearableLoader>>;

/** The loaders of one request, typed by their factories. */
export type LoadersOf<F extends LoaderFactories<never>> = { readonly [N in keyof F]: ReturnType<F[N]> };

/**
 * Declares a service's loaders once (at start); `new DataLoaderRegistry(definitions, context)`
 * then makes a registry per request. An identity function that keeps the factories' types.
 */
export function defineLoaders<C, F extends LoaderFactories<C>>(factories: F & LoaderFactories<C>): F {
  for (const [name, factory] of Object.entries(factories)) {
    if (typeof factory !== 'function') {
      throw new IntelGraphError('CONFIG_INVALID', `loader factory ${name} is not a function`, {
        input: name,
        details: { field: name },
      });
    }
  }
  return factories;
}

/**
 * The DataLoaders of one request. Made per request (in the GraphQL context function) and
 * dropped with it: a DataLoader memoizes what it loaded, and sharing one between requests would
 * leak one tenant's rows to another and serve stale data forever.
 *
 * Loaders are created lazily, on first use: a request that touches two loaders pays for two.
 * `registry.loaders.userById` is typed from the factory.
 */
export class DataLoaderRegistry<C, F extends LoaderFactories<C>> {
  readonly #factories: F;
  readonly #context: C;
  readonly #created = new Map<keyof F, ClearableLoader>();
  /** The loaders by name, each created on first access. */
  readonly loaders: LoadersOf<F>;

  constructor(factories: F, context: C) {
    this.#factories = factories;
    this.#context = context;
    const loaders = {} as Record<keyof F, ClearableLoader>;
    for (const name of Object.keys(factories) as Array<keyof F>) {
      Object.defineProperty(loaders, name, { enumerable: true, get: () => this.get(name) });
    }
    this.loaders = Object.freeze(loaders) as LoadersOf<F>;
  }

  /** The loader `name` of this request, created on first call. */
  get<N extends keyof F>(name: N): ReturnType<F[N]> {
    let loader = this.#created.get(name);
    if (!loader) {
      const factory = this.#factories[name];
      if (typeof factory !== 'function') {
        throw new IntelGraphError('CONFIG_INVALID', `no loader named ${String(name)}`, {
          input: String(name),
          details: { known: Object.keys(this.#factories) },
        });
      }
      loader = factory(this.#context);
      this.#created.set(name, loader);
    }
    return loader as ReturnType<F[N]>;
  }

  /** Names of the loaders this request has created so far. */
  created(): Array<keyof F> {
    return [...this.#created.keys()];
  }

  /** Forgets every memoized value (after a mutation, so later reads in the request see it). */
  clearAll(): void {
    for (const loader of this.#created.values()) loader.clearAll();
  }
}
