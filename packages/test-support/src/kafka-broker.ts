import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

const run = promisify(execFile);
const servicesScript = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../scripts/dev/services.sh',
);

/**
 * The real Kafka broker scripts/dev/services.sh runs has a second listener (KAFKA_FAULTY_PORT,
 * default 9094) that advertises the address of a fault proxy (KAFKA_PROXY_PORT, default 9095).
 * A client bootstrapped at the proxy is told to reach the broker there too, so every connection
 * it opens, not only the first, goes through the proxy and can be partitioned, reset or robbed
 * of a reply. One such proxy at a time: the port is fixed by the broker's advertised listener.
 */
export async function startKafkaFaultProxy(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<FaultProxy & { readonly brokers: readonly string[] }> {
  const target = Number(env.KAFKA_FAULTY_PORT ?? 9094);
  const port = Number(env.KAFKA_PROXY_PORT ?? 9095);
  const proxy = await startFaultProxy({ target, port });
  return Object.assign(proxy, { brokers: [`127.0.0.1:${proxy.port}`] });
}

/** Kills the broker services.sh started (SIGKILL: a crash, nothing handed over). Disruptive tests only. */
export async function killKafka(): Promise<void> {
  await run('bash', [servicesScript, 'stop', 'kafka'], { timeout: 30_000 });
}

/** Starts the broker again (services.sh kafka) and waits until it serves. */
export async function startKafka(): Promise<void> {
  await run('bash', [servicesScript, 'kafka'], { timeout: 300_000 });
}
