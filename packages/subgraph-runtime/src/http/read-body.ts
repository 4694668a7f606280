import type { IncomingMessage } from 'node:http';
import { IntelGraphError } from '@intelgraph/errors';

/** The request body as text, refusing more than `limitBytes` (`BAD_USER_INPUT`, HTTP 400). */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) {
      throw new IntelGraphError('BAD_USER_INPUT', `request body is larger than ${limitBytes} bytes`, {
        details: { limitBytes },
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; `BAD_USER_INPUT` when it is not JSON. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new IntelGraphError('BAD_USER_INPUT', 'request body is not valid JSON', {
      cause: error,
      details: { reason: (error as Error).message },
    });
  }
}
