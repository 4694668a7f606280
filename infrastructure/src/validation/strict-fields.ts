import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { type Resource, resourceId } from '../manifests/resource.js';

/*
 * Unknown-field detection for the kinds with generated models: the types in model-types.ts,
 * read once with the TypeScript compiler, walked alongside each object. Any field the type
 * does not declare is reported (kubectl's --validate=strict); map-typed fields (labels, data,
 * annotations…) accept any key.
 */

const MODEL_TYPES_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'model-types.ts');

export interface StrictFieldChecker {
  /** The `apiVersion/kind`s it knows. */
  readonly kinds: readonly string[];
  /** Unknown fields of `r`, as `<id>: <path>: unknown field '<name>'`; empty when none. */
  check(r: Resource): string[];
  /** Unknown fields of `value`, of the type `name` of SharedTypes, as `<at>/<path>: unknown field '<name>'`. */
  checkShared(name: 'ObjectMeta', value: unknown, at: string): string[];
}

function stripNullish(t: ts.Type): ts.Type[] {
  if (!t.isUnion()) return [t];
  return t.types.filter((m) => !(m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)));
}

export function createStrictFieldChecker(): StrictFieldChecker {
  const program = ts.createProgram([MODEL_TYPES_FILE], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(MODEL_TYPES_FILE);
  if (!source) throw new Error(`cannot load ${MODEL_TYPES_FILE}`);
  const decl = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'ModelTypes',
  );
  if (!decl) throw new Error('ModelTypes not found');
  const sharedDecl = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'SharedTypes',
  );
  if (!sharedDecl) throw new Error('SharedTypes not found');
  const typesOf = (d: ts.InterfaceDeclaration): Map<string, ts.Type> => {
    const out = new Map<string, ts.Type>();
    for (const prop of checker.getPropertiesOfType(checker.getTypeAtLocation(d))) {
      const t = checker.getTypeOfSymbol(prop);
      if (checker.getPropertiesOfType(t).length === 0) {
        throw new Error(`model type for ${prop.name} did not resolve (is its package installed?)`);
      }
      out.set(prop.name, t);
    }
    return out;
  };
  const byKind = typesOf(decl);
  const shared = typesOf(sharedDecl);

  const walk = (value: unknown, type: ts.Type, at: string, out: string[]): void => {
    if (value === null || typeof value !== 'object') return;
    const candidates = stripNullish(type);
    if (candidates.some((c) => c.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return;
    if (candidates.length > 1) {
      // A union of shapes (Istio's oneOf): the value must fit one of them.
      let best: string[] | undefined;
      for (const c of candidates) {
        const problems: string[] = [];
        walk(value, c, at, problems);
        if (problems.length === 0) return;
        if (!best || problems.length < best.length) best = problems;
      }
      out.push(...(best ?? []));
      return;
    }
    const t = candidates[0]!;
    if (Array.isArray(value)) {
      if (!checker.isArrayType(t)) return;
      const element = checker.getTypeArguments(t as ts.TypeReference)[0];
      if (element) {
        for (const [i, v] of value.entries()) walk(v, element, `${at}/${i}`, out);
      }
      return;
    }
    const index = t.getStringIndexType();
    if (index) {
      for (const [k, v] of Object.entries(value)) walk(v, index, `${at}/${k}`, out);
      return;
    }
    const props = checker.getPropertiesOfType(t);
    if (props.length === 0) return;
    for (const [k, v] of Object.entries(value)) {
      const prop = t.getProperty(k);
      if (!prop) {
        out.push(`${at || '/'}: unknown field '${k}'`);
        continue;
      }
      walk(v, checker.getTypeOfSymbol(prop), `${at}/${k}`, out);
    }
  };

  return {
    kinds: [...byKind.keys()].sort(),
    check(r) {
      const type = byKind.get(`${r.apiVersion}/${r.kind}`);
      if (!type) return [];
      const problems: string[] = [];
      walk(r, type, '', problems);
      return problems.map((p) => `${resourceId(r)}: ${p}`);
    },
    checkShared(name, value, at) {
      const problems: string[] = [];
      walk(value, shared.get(name)!, at, problems);
      return problems;
    },
  };
}
