import type { Socket } from 'node:net';

/**
 * amqplib hands every frame to `socket.write` on its own (a publish, an ack, a heartbeat), so each
 * costs a system call and, with TCP_NODELAY, a TCP segment the broker must read. This corks the
 * socket at the first write of a turn of the event loop and uncorks it once that turn's code has
 * run (`process.nextTick`): the frames written together — the publishes of a window, an ack and
 * the next publish — leave in one `writev`. Nothing is held back past the current turn.
 *
 * `model` is amqplib's ChannelModel (as a recovering connection's `connect` event passes it);
 * its `connection.stream` is the socket. Anything else is left untouched.
 */
export function coalesceSocketWrites(model: unknown): void {
  const socket = (model as { connection?: { stream?: Partial<Socket> } } | undefined)?.connection?.stream;
  if (
    typeof socket?.write !== 'function' ||
    typeof socket.cork !== 'function' ||
    typeof socket.uncork !== 'function'
  ) {
    return;
  }
  const target = socket as Socket;
  const write = target.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    target.uncork();
  };
  target.write = function (this: Socket, ...args: unknown[]): boolean {
    if (!corked) {
      corked = true;
      target.cork();
      process.nextTick(uncork);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Socket['write'];
}
