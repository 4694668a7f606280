import type { IncomingMessage } from 'node:http';
import { IntelGraphError } from '@intelgraph/errors';

/**
 * Reads the body up to `limit` bytes. A declared Content-Length over the limit is refused before
 * reading; a chunked body is cut off as soon as it passes the limit, so an oversize upload costs
 * at most `limit` bytes of memory.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(declared, limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.resume();
        reject(tooLarge(size, limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (error) => {
      if (done) return;
      done = true;
      reject(new IntelGraphError('BAD_REQUEST_BODY', 'Could not read the request body', { cause: error }));
    });
  });
}

function tooLarge(size: number, limit: number): IntelGraphError {
  return new IntelGraphError('BODY_TOO_LARGE', `Request body is larger than ${limit} bytes`, {
    input: size,
    details: { limit },
  });
}
