/**
 * A benchmark's child process (a gateway or the subgraphs, `*-process.ts` here) driven over IPC:
 * `ask('ready')` waits for it to come up, `ask(type)` sends a request and waits for the answer of
 * the same type, `stopBenchProcess` asks it to stop and kills it if it has not within 10 s.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

export type BenchMessage = { type: string; [k: string]: unknown };

export interface BenchProcess {
  readonly child: ChildProcess;
  ask(type: string): Promise<BenchMessage>;
}

export function startBenchProcess(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  execArgv: string[] = [],
): BenchProcess {
  const child = fork(join(import.meta.dirname, script), args, {
    execArgv: ['--conditions=development', '--import', 'tsx', ...execArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.setMaxListeners(1000);
  const ask = (type: string): Promise<BenchMessage> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: BenchMessage) => {
        if (m.type === type || (type === 'stop' && m.type === 'exit')) {
          child.off('message', onMessage);
          resolve(m);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) =>
        type === 'stop' ? resolve({ type: 'exit' }) : reject(new Error(`${script} exited ${code}`)),
      );
      if (type !== 'ready') child.send({ type });
    });
  return { child, ask };
}

export async function stopBenchProcess(p: BenchProcess): Promise<void> {
  await Promise.race([p.ask('stop'), new Promise((r) => setTimeout(r, 10_000))]);
  if (p.child.exitCode === null) p.child.kill('SIGKILL');
}
