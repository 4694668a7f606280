import { IntelGraphError } from '@intelgraph/errors';
import { describe, expect, it } from 'vitest';
import { InProcessTransport } from '../src/in-process/in-process-transport.js';
import type { DeliveredMessage } from '../src/messages/message.js';
import { FanOutTransport } from '../src/transport/fan-out-transport.js';
import type { Transport } from '../src/transport/transport.js';
import { runTransportContract } from './contract/transport-contract.js';

// Consuming goes to the primary, so the whole contract holds with a second transport beside it.
runTransportContract(
  'fan-out (in-process primary + in-process)',
  (options) => new FanOutTransport([new InProcessTransport(options), new InProcessTransport(options)]),
  { timeoutMs: 5000 },
);

async function collect(transport: Transport, topic: string): Promise<DeliveredMessage[]> {
  const seen: DeliveredMessage[] = [];
  await transport.subscribe(topic, (m) => void seen.push(m), { group: 'reader' });
  return seen;
}

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
};

describe('FanOutTransport', () => {
  it('publishes every message to every transport, and names them all in its kind', async () => {
    const [kafkaLike, rabbitLike] = [new InProcessTransport(), new InProcessTransport()];
    const fanOut = new FanOutTransport([kafkaLike, rabbitLike]);
    expect(fanOut.kind).toBe('in-process+in-process');
    const [a, b] = [await collect(kafkaLike, 'entity'), await collect(rabbitLike, 'entity')];
    await fanOut.publish('entity', { id: 'e-1', payload: { n: 1 } });
    await until(() => a.length === 1 && b.length === 1);
    expect([a.map((m) => m.id), b.map((m) => m.id)]).toEqual([['e-1'], ['e-1']]);
    await fanOut.close();
  });

  it('rejects a publish one transport refused, after the others accepted it (the relay retries it)', async () => {
    const accepting = new InProcessTransport();
    const refusing = new InProcessTransport();
    await refusing.close(); // a closed transport refuses to publish
    const fanOut = new FanOutTransport([accepting, refusing]);
    const seen = await collect(accepting, 'entity');
    const failure = await fanOut.publish('entity', { id: 'e-2', payload: {} }).catch((e: unknown) => e);
    expect(IntelGraphError.is(failure)).toBe(true);
    await until(() => seen.length === 1);
    expect(seen.map((m) => m.id)).toEqual(['e-2']);
    await fanOut.close();
  });
});
