import { IntelGraphError } from '@intelgraph/errors';

/**
 * A deterministic, realistic data set, described once and generated on demand so that each
 * subgraph's seeder derives exactly the rows it owns (users, entities, investigations) from the
 * same parameters without reading the others' tables: ids are computed, and every random choice
 * comes from a PRNG seeded by (seed, tenant, index).
 *
 * Relationship degrees follow a power law: an entity's out-degree is a Pareto draw (α = 1.5,
 * capped), and link targets are drawn with `index = n · u³`, so low-index entities become hubs
 * (preferential attachment without the bookkeeping).
 */
export interface SeedOptions {
  readonly tenants: number;
  /** Entities over all tenants. */
  readonly entities: number;
  /** Users per tenant. Default max(5, entities per tenant / 500). */
  readonly usersPerTenant?: number;
  /** Investigations per tenant. Default max(3, entities per tenant / 50). */
  readonly investigationsPerTenant?: number;
  /** Entities per investigation: fixed, or drawn from 1..20 when absent. */
  readonly entitiesPerInvestigation?: number;
  /** Mean links per entity (power-law distributed). Default 1.5. */
  readonly meanDegree?: number;
  /** PRNG seed. Default 42. */
  readonly seed?: number;
  /** Tenant id prefix. Default `tenant`. */
  readonly tenantPrefix?: string;
}

export interface SeedTenant {
  readonly id: string;
  readonly name: string;
  readonly users: number;
  readonly entities: number;
  readonly investigations: number;
}

/** mulberry32: small, fast, good enough for data generation. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export const ENTITY_KIND_NAMES = [
  'PERSON',
  'ORGANISATION',
  'LOCATION',
  'EVENT',
  'DOCUMENT',
  'OTHER',
] as const;

export class SeedPlan {
  readonly options: Required<
    Omit<SeedOptions, 'usersPerTenant' | 'investigationsPerTenant' | 'entitiesPerInvestigation'>
  > &
    Pick<SeedOptions, 'usersPerTenant' | 'investigationsPerTenant' | 'entitiesPerInvestigation'>;
  readonly tenants: readonly SeedTenant[];

  constructor(options: SeedOptions) {
    for (const [field, value, min] of [
      ['tenants', options.tenants, 1],
      ['entities', options.entities, 0],
    ] as const) {
      if (!Number.isInteger(value) || value < min) {
        throw new IntelGraphError(
          'CONFIG_INVALID',
          `seed ${field}=${String(value)}: expected an integer ≥ ${min}`,
          {
            input: value,
            details: { field },
          },
        );
      }
    }
    this.options = { meanDegree: 1.5, seed: 42, tenantPrefix: 'tenant', ...options };
    const width = String(options.tenants).length;
    this.tenants = Array.from({ length: options.tenants }, (_, t) => {
      const entities =
        Math.floor(options.entities / options.tenants) + (t < options.entities % options.tenants ? 1 : 0);
      return {
        id: `${this.options.tenantPrefix}-${String(t + 1).padStart(width, '0')}`,
        name: `Tenant ${t + 1}`,
        users: options.usersPerTenant ?? Math.max(5, Math.ceil(entities / 500)),
        entities,
        investigations: options.investigationsPerTenant ?? Math.max(3, Math.ceil(entities / 50)),
      };
    });
  }

  random(...parts: Array<string | number>): () => number {
    return prng(hash(`${this.options.seed}|${parts.join('|')}`));
  }

  userId(tenant: string, i: number): string {
    return `${tenant}:u${i}`;
  }

  entityId(tenant: string, i: number): string {
    return `${tenant}:e${i}`;
  }

  investigationId(tenant: string, i: number): string {
    return `${tenant}:i${i}`;
  }

  /** Creator of entity `i` (a few prolific users: power law too). */
  entityCreator(tenant: SeedTenant, i: number): string {
    const u = this.random(tenant.id, 'creator', i)();
    return this.userId(tenant.id, Math.floor(tenant.users * u * u));
  }

  entity(tenant: SeedTenant, i: number) {
    const r = this.random(tenant.id, 'entity', i);
    const kind = ENTITY_KIND_NAMES[Math.floor(r() * ENTITY_KIND_NAMES.length)]!;
    return {
      id: this.entityId(tenant.id, i),
      kind,
      name: `${kind.toLowerCase()} ${i}`,
      attributes: { source: 'seed', score: String(Math.floor(r() * 100)) },
      createdBy: this.entityCreator(tenant, i),
    };
  }

  /** Links from entity `i`: Pareto-distributed count, targets biased to hubs, no self-links. */
  linksFrom(tenant: SeedTenant, i: number): Array<{ id: string; toIndex: number; kind: string }> {
    if (tenant.entities < 2) return [];
    const r = this.random(tenant.id, 'links', i);
    const alpha = 1.5;
    const xm = (this.options.meanDegree * (alpha - 1)) / alpha;
    const degree = Math.min(200, Math.floor(xm / (1 - r()) ** (1 / alpha)));
    const targets = new Set<number>();
    for (let k = 0; k < degree; k += 1) {
      const j = Math.floor(tenant.entities * r() ** 3);
      if (j !== i) targets.add(j);
    }
    return [...targets].map((j) => ({
      id: `${tenant.id}:r${i}-${j}`,
      toIndex: j,
      kind: r() < 0.5 ? 'KNOWS' : 'RELATED_TO',
    }));
  }

  /** Investigation `i`: its creator, entities (distinct indexes) and whether it is closed. */
  investigation(tenant: SeedTenant, i: number) {
    const r = this.random(tenant.id, 'investigation', i);
    const count = Math.min(
      tenant.entities,
      this.options.entitiesPerInvestigation ?? 1 + Math.floor(r() * 20),
    );
    const entityIndexes = new Set<number>();
    while (entityIndexes.size < count) entityIndexes.add(Math.floor(r() * tenant.entities));
    return {
      id: this.investigationId(tenant.id, i),
      title: `Investigation ${i}`,
      createdBy: this.userId(tenant.id, Math.floor(r() * tenant.users)),
      entityIndexes: [...entityIndexes],
      closed: r() < 0.2,
    };
  }
}
