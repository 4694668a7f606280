import { graphqlJs } from '../../gateway/src/graphql-js.js';
import { apiSchemaOf, diffSupergraphs, isAcknowledged } from '../../gateway/src/schema/schema-diff.js';

// The gateway's graphql-js instance (one copy of graphql in the process).
const { isInterfaceType, isObjectType, Kind, parse } = graphqlJs;
type GraphQLSchema = ReturnType<typeof apiSchemaOf>;

/*
 * Every change between two supergraphs, as `pnpm schema:check` reports it: breaking and dangerous
 * ones as graphql-js classifies them on the API schemas, and the safe ones (a type or an output
 * field added), each attributed to the subgraph(s) that define the type or field it is about —
 * read from the supergraphs' @join__type / @join__field directives (the old supergraph for what
 * was removed, the new one otherwise).
 */

export type Severity = 'safe' | 'dangerous' | 'breaking';

export interface SchemaChangeReport {
  readonly severity: Severity;
  /** graphql-js change type (FIELD_REMOVED…), or TYPE_ADDED / FIELD_ADDED for safe ones. */
  readonly type: string;
  readonly description: string;
  /** The `Type` or `Type.field` it is about. */
  readonly coordinate: string;
  /** The subgraphs defining it (`(supergraph)` when none is named). */
  readonly subgraphs: readonly string[];
  /** Breaking changes only: listed in acknowledged-changes.json. */
  readonly acknowledged?: boolean;
}

/** `Type` and `Type.field` → the subgraph names that define them, from a supergraph's join directives. */
export function ownersOf(supergraphSdl: string): Map<string, string[]> {
  const doc = parse(supergraphSdl);
  const graphNames = new Map<string, string>();
  const owners = new Map<string, string[]>();
  const add = (coordinate: string, graph: string) => {
    const name = graphNames.get(graph) ?? graph;
    const list = owners.get(coordinate) ?? [];
    if (!list.includes(name)) list.push(name);
    owners.set(coordinate, list);
  };
  const graphArg = (d: { arguments?: readonly { name: { value: string }; value: unknown }[] }) => {
    const v = d.arguments?.find((a) => a.name.value === 'graph')?.value as
      | { kind: string; value?: string }
      | undefined;
    return v?.kind === Kind.ENUM ? v.value : undefined;
  };
  for (const def of doc.definitions) {
    if (def.kind === Kind.ENUM_TYPE_DEFINITION && def.name.value === 'join__Graph') {
      for (const v of def.values ?? []) {
        const d = v.directives?.find((x) => x.name.value === 'join__graph');
        const name = d?.arguments?.find((a) => a.name.value === 'name')?.value as
          | { value?: string }
          | undefined;
        if (name?.value) graphNames.set(v.name.value, name.value);
      }
    }
  }
  for (const def of doc.definitions) {
    if (!('name' in def) || !def.name || !('directives' in def)) continue;
    const typeName = def.name.value;
    for (const d of def.directives ?? []) {
      const g = d.name.value === 'join__type' ? graphArg(d) : undefined;
      if (g) add(typeName, g);
    }
    const fields = 'fields' in def ? (def.fields ?? []) : [];
    for (const f of fields) {
      for (const d of f.directives ?? []) {
        const g = d.name.value === 'join__field' ? graphArg(d) : undefined;
        if (g) add(`${typeName}.${f.name.value}`, g);
      }
    }
  }
  return owners;
}

/** The `Type.field` or `Type` a graphql-js change description starts with. */
export function coordinateOf(description: string): string {
  return (
    /^(?:Type )?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)/.exec(description)?.[1] ?? description
  );
}

function safeChanges(
  before: GraphQLSchema,
  after: GraphQLSchema,
): { type: string; description: string; coordinate: string }[] {
  const out: { type: string; description: string; coordinate: string }[] = [];
  const old = before.getTypeMap();
  for (const [name, t] of Object.entries(after.getTypeMap())) {
    if (name.startsWith('__')) continue;
    const was = old[name];
    if (!was) {
      out.push({ type: 'TYPE_ADDED', description: `Type ${name} was added.`, coordinate: name });
      continue;
    }
    if ((isObjectType(t) || isInterfaceType(t)) && (isObjectType(was) || isInterfaceType(was))) {
      const oldFields = was.getFields();
      for (const field of Object.keys(t.getFields())) {
        if (!oldFields[field]) {
          out.push({
            type: 'FIELD_ADDED',
            description: `${name}.${field} was added.`,
            coordinate: `${name}.${field}`,
          });
        }
      }
    }
    // A new input field or argument is dangerous (optional) or breaking (required): graphql-js
    // reports those.
  }
  return out;
}

/** Every change from `beforeSdl` to `afterSdl`, attributed to subgraphs. */
export function schemaChanges(
  beforeSdl: string,
  afterSdl: string,
  acknowledged: readonly string[],
): SchemaChangeReport[] {
  const ownersBefore = ownersOf(beforeSdl);
  const ownersAfter = ownersOf(afterSdl);
  const subgraphsOf = (coordinate: string, removed: boolean) => {
    const typeName = coordinate.split('.')[0]!;
    const primary = removed ? ownersBefore : ownersAfter;
    const secondary = removed ? ownersAfter : ownersBefore;
    return (
      primary.get(coordinate) ??
      secondary.get(coordinate) ??
      primary.get(typeName) ??
      secondary.get(typeName) ?? ['(supergraph)']
    );
  };
  const { breaking, dangerous } = diffSupergraphs(beforeSdl, afterSdl);
  const out: SchemaChangeReport[] = [];
  for (const c of breaking) {
    const coordinate = coordinateOf(c.description);
    out.push({
      severity: 'breaking',
      ...c,
      coordinate,
      subgraphs: subgraphsOf(coordinate, /REMOVED/.test(c.type)),
      acknowledged: isAcknowledged(c, acknowledged),
    });
  }
  for (const c of dangerous) {
    const coordinate = coordinateOf(c.description);
    out.push({ severity: 'dangerous', ...c, coordinate, subgraphs: subgraphsOf(coordinate, false) });
  }
  for (const c of safeChanges(apiSchemaOf(beforeSdl), apiSchemaOf(afterSdl))) {
    out.push({ severity: 'safe', ...c, subgraphs: subgraphsOf(c.coordinate, false) });
  }
  return out;
}

/** The changes grouped by subgraph (a change of a shared type is listed under each owner). */
export function bySubgraph(changes: readonly SchemaChangeReport[]): Record<string, SchemaChangeReport[]> {
  const out: Record<string, SchemaChangeReport[]> = {};
  for (const c of changes) {
    for (const s of c.subgraphs) {
      out[s] ??= [];
      out[s].push(c);
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
