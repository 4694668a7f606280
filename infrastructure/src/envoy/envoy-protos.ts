import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

/*
 * Envoy's own v3 API, from the .proto files published with @grpc/grpc-js-xds (its `deps/`:
 * envoy-api, xds, googleapis, protoc-gen-validate), loaded with protobufjs. Files are loaded by
 * package on demand: a type name (`envoy.extensions.filters.http.router.v3.Router`) names its
 * package's folder, so a typed `Any` of any extension can be resolved without a list of them.
 */

const require = createRequire(import.meta.url);

function protoDirs(): string[] {
  const pkg = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const protobufjsDir = path.dirname(require.resolve('protobufjs/package.json'));
  return [
    ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(pkg, 'deps', d)),
    // google/protobuf/descriptor.proto (imported by the validation annotations).
    protobufjsDir,
  ];
}

export interface EnvoyProtos {
  /** The message type of a full name, loading its package on first use; undefined when none. */
  type(fullName: string): protobuf.Type | undefined;
  /** The enum of a full name (after `type` loaded its package). */
  lookup(fullName: string): protobuf.ReflectionObject | null;
}

export function loadEnvoyProtos(): EnvoyProtos {
  const dirs = protoDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target) && existsSync(target)) return target;
    for (const d of dirs) {
      const p = path.join(d, target);
      if (existsSync(p)) return p;
    }
    return target;
  };
  const loadedDirs = new Set<string>();
  const loadPackage = (pkg: string): boolean => {
    const rel = pkg.split('.').join('/');
    for (const d of dirs) {
      const dir = path.join(d, rel);
      if (!existsSync(dir)) continue;
      if (loadedDirs.has(dir)) return true;
      loadedDirs.add(dir);
      const files = readdirSync(dir).filter((f) => f.endsWith('.proto'));
      if (files.length === 0) continue;
      root.loadSync(
        files.map((f) => path.join(dir, f)),
        { keepCase: true },
      );
      root.resolveAll();
      return true;
    }
    return false;
  };
  const find = (fullName: string): protobuf.ReflectionObject | null => {
    try {
      return root.lookup(fullName);
    } catch {
      return null;
    }
  };
  return {
    type(fullName) {
      let found = find(fullName);
      if (!found) {
        // The package is the longest prefix that is a folder of .proto files.
        const parts = fullName.split('.');
        for (let n = parts.length - 1; n > 0 && !found; n--) {
          if (loadPackage(parts.slice(0, n).join('.'))) found = find(fullName);
        }
      }
      return found instanceof protobuf.Type ? found : undefined;
    },
    lookup: find,
  };
}
