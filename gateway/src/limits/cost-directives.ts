import type { ConstDirectiveNode, ConstValueNode } from 'graphql';
import { graphqlJs } from '../graphql-js.js';

const { parse } = graphqlJs;

/** `@listSize` of one field, as the cost specification defines it. */
export interface ListSize {
  readonly assumedSize: number | undefined;
  /** Argument paths (`first`, `filter.max`) whose value bounds the list. */
  readonly slicingArguments: readonly string[];
  /** Child fields the slicing applies to (a connection's `edges`), instead of the field itself. */
  readonly sizedFields: readonly string[];
  /** Exactly one slicing argument must be given (the specification's default: true). */
  readonly requireOneSlicingArgument: boolean;
}

const COST_SPEC = 'https://specs.apollo.dev/cost/';

/**
 * The `@cost` and `@listSize` directives of a supergraph (federation 2.9, linked from
 * `https://specs.apollo.dev/cost/v0.1`), by schema coordinate: `Type`, `Type.field`,
 * `Type.field(arg:)` and `Input.field`. Composition keeps them on the supergraph's definitions
 * (a subgraph imports them from the federation spec); the API schema Apollo Gateway derives does
 * not carry them, so they are read from the supergraph SDL, like the authorization directives.
 */
export class CostDirectives {
  readonly #weights: ReadonlyMap<string, number>;
  readonly #listSizes: ReadonlyMap<string, ListSize>;

  private constructor(weights: ReadonlyMap<string, number>, listSizes: ReadonlyMap<string, ListSize>) {
    this.#weights = weights;
    this.#listSizes = listSizes;
  }

  static empty(): CostDirectives {
    return new CostDirectives(new Map(), new Map());
  }

  /** For tests and non-federated schemas: weights and list sizes given directly by coordinate. */
  static of(
    weights: Readonly<Record<string, number>>,
    listSizes: Readonly<Record<string, Partial<ListSize>>> = {},
  ): CostDirectives {
    return new CostDirectives(
      new Map(Object.entries(weights)),
      new Map(
        Object.entries(listSizes).map(([coordinate, l]) => [
          coordinate,
          {
            assumedSize: l.assumedSize,
            slicingArguments: l.slicingArguments ?? [],
            sizedFields: l.sizedFields ?? [],
            requireOneSlicingArgument: l.requireOneSlicingArgument ?? true,
          },
        ]),
      ),
    );
  }

  static fromSupergraph(supergraphSdl: string): CostDirectives {
    const document = parse(supergraphSdl, { noLocation: true });
    const names = {
      cost: new Set(['cost', 'cost__cost']),
      listSize: new Set(['listSize', 'cost__listSize']),
    };
    for (const def of document.definitions) {
      if (def.kind !== 'SchemaDefinition' && def.kind !== 'SchemaExtension') continue;
      for (const link of def.directives ?? []) {
        if (link.name.value !== 'link') continue;
        const url = stringArg(link, 'url');
        if (!url?.startsWith(COST_SPEC)) continue;
        const prefix = stringArg(link, 'as') ?? 'cost';
        names.cost.add(`${prefix}__cost`);
        names.listSize.add(`${prefix}__listSize`);
        const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
        for (const entry of imports?.kind === 'ListValue' ? imports.values : []) {
          // `"@listSize"` or `{ name: "@listSize", as: "@size" }`
          if (entry.kind === 'StringValue') continue;
          if (entry.kind !== 'ObjectValue') continue;
          const field = (n: string) => entry.fields.find((f) => f.name.value === n)?.value;
          const name = field('name');
          const as = field('as');
          if (name?.kind !== 'StringValue' || as?.kind !== 'StringValue') continue;
          if (name.value === '@cost') names.cost.add(as.value.slice(1));
          if (name.value === '@listSize') names.listSize.add(as.value.slice(1));
        }
      }
    }
    const weights = new Map<string, number>();
    const listSizes = new Map<string, ListSize>();
    const read = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined): void => {
      for (const d of directives ?? []) {
        if (names.cost.has(d.name.value)) {
          const weight = numberArg(d, 'weight');
          if (weight !== undefined) weights.set(coordinate, weight);
        } else if (names.listSize.has(d.name.value)) {
          listSizes.set(coordinate, {
            assumedSize: numberArg(d, 'assumedSize'),
            slicingArguments: stringListArg(d, 'slicingArguments'),
            sizedFields: stringListArg(d, 'sizedFields'),
            requireOneSlicingArgument: booleanArg(d, 'requireOneSlicingArgument') ?? true,
          });
        }
      }
    };
    for (const def of document.definitions) {
      switch (def.kind) {
        case 'ObjectTypeDefinition':
        case 'ObjectTypeExtension':
        case 'InterfaceTypeDefinition':
        case 'InterfaceTypeExtension':
          read(def.name.value, def.directives);
          for (const field of def.fields ?? []) {
            const coordinate = `${def.name.value}.${field.name.value}`;
            read(coordinate, field.directives);
            for (const arg of field.arguments ?? [])
              read(`${coordinate}(${arg.name.value}:)`, arg.directives);
          }
          break;
        case 'InputObjectTypeDefinition':
        case 'InputObjectTypeExtension':
          read(def.name.value, def.directives);
          for (const field of def.fields ?? [])
            read(`${def.name.value}.${field.name.value}`, field.directives);
          break;
        case 'ScalarTypeDefinition':
        case 'ScalarTypeExtension':
        case 'EnumTypeDefinition':
        case 'EnumTypeExtension':
        case 'UnionTypeDefinition':
        case 'UnionTypeExtension':
          read(def.name.value, def.directives);
          break;
        default:
          break;
      }
    }
    return new CostDirectives(weights, listSizes);
  }

  /** True when the supergraph declares no `@cost` and no `@listSize`. */
  get isEmpty(): boolean {
    return this.#weights.size === 0 && this.#listSizes.size === 0;
  }

  /** `@cost(weight:)` at a coordinate (`Type`, `Type.field`, `Type.field(arg:)`, `Input.field`). */
  weight(coordinate: string): number | undefined {
    return this.#weights.get(coordinate);
  }

  /** `@listSize` of the field `Type.field`. */
  listSize(coordinate: string): ListSize | undefined {
    return this.#listSizes.get(coordinate);
  }
}

function argument(d: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return d.arguments?.find((a) => a.name.value === name)?.value;
}

function stringArg(d: ConstDirectiveNode, name: string): string | undefined {
  const v = argument(d, name);
  return v?.kind === 'StringValue' ? v.value : undefined;
}

function numberArg(d: ConstDirectiveNode, name: string): number | undefined {
  const v = argument(d, name);
  // The cost spec of federation types `weight` as Int; IBM's draft as a string. Take both.
  if (v?.kind === 'IntValue' || v?.kind === 'FloatValue') return Number(v.value);
  if (v?.kind === 'StringValue' && Number.isFinite(Number(v.value))) return Number(v.value);
  return undefined;
}

function booleanArg(d: ConstDirectiveNode, name: string): boolean | undefined {
  const v = argument(d, name);
  return v?.kind === 'BooleanValue' ? v.value : undefined;
}

function stringListArg(d: ConstDirectiveNode, name: string): string[] {
  const v = argument(d, name);
  if (v?.kind === 'StringValue') return [v.value];
  return v?.kind === 'ListValue' ? v.values.flatMap((x) => (x.kind === 'StringValue' ? [x.value] : [])) : [];
}
