/**
 * Prints the functions with the most self time in a V8 .cpuprofile (from `bench.ts --profile`),
 * and the share of time per package, to find what our gateway spends its CPU on.
 *   tsx federation/profile-summary.ts federation/profiles/CPU.….cpuprofile
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfTime = new Map<string, number>();
const perPackage = new Map<string, number>();
const total = profile.endTime - profile.startTime;
profile.samples.forEach((id, i) => {
  const frame = byId.get(id)!.callFrame;
  const url = frame.url.replace(/^file:\/\//, '');
  const pkg =
    /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
    (url.startsWith('node:')
      ? 'node'
      : url === ''
        ? frame.functionName
        : url
            .replace(/^\/work\/main\//, '')
            .split('/')
            .slice(0, 2)
            .join('/'));
  const key = `${frame.functionName || '(anonymous)'} ${pkg}:${frame.lineNumber}`;
  const dt = profile.timeDeltas[i] ?? 0;
  selfTime.set(key, (selfTime.get(key) ?? 0) + dt);
  perPackage.set(pkg, (perPackage.get(pkg) ?? 0) + dt);
});
const show = (m: Map<string, number>, n: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, t]) =>
        `${(t / 1000).toFixed(0).padStart(7)} ms ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`,
    )
    .join('\n');
console.log(
  `total ${(total / 1000).toFixed(0)} ms\n\nby package:\n${show(perPackage, 15)}\n\nby function (self):\n${show(selfTime, 30)}`,
);
