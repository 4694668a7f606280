import { randomUUID } from 'node:crypto';
import { IntelGraphError } from '@intelgraph/errors';
import type { ZodType } from 'zod';
import { type OutgoingMessage, PRIORITIES, PRIORITY_VALUES, type Priority } from './message.js';

/** A validated, encoded message, ready for any transport. */
export interface PreparedMessage {
  readonly id: string;
  readonly topic: string;
  readonly type: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly priority: Priority;
  readonly maxRetries: number;
  readonly timestamp: number;
  /** UTF-8 JSON of the payload. */
  readonly body: Buffer;
}

export interface EnvelopeRules {
  /** Schemas by event type (or topic when a message has no type). */
  readonly schemas: ReadonlyMap<string, ZodType>;
  readonly maxMessageBytes: number;
  readonly defaultMaxRetries: number;
}

export const RESERVED_HEADER_PREFIX = 'x-ig-';

/**
 * Validates and encodes a message before anything leaves the process, so every transport refuses
 * the same bad input the same way: a bad envelope or payload (`MESSAGE_INVALID`), an oversize one
 * (`MESSAGE_TOO_LARGE`). The size counts body, headers and key: what the broker stores.
 */
export function prepareMessage(
  topic: string,
  message: OutgoingMessage,
  rules: EnvelopeRules,
): PreparedMessage {
  if (typeof topic !== 'string' || !/^[A-Za-z0-9._-]{1,200}$/.test(topic)) {
    throw invalid(
      `topic '${String(topic)}' must be 1-200 characters of letters, digits, '.', '_' or '-'`,
      topic,
    );
  }
  if (message === null || typeof message !== 'object') throw invalid('a message must be an object', message);
  if (message.topic !== undefined && message.topic !== topic) {
    throw invalid(
      `message.topic '${message.topic}' differs from the topic published to ('${topic}')`,
      message,
    );
  }
  const id = message.id ?? randomUUID();
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) {
    throw invalid('message.id must be a non-empty string of at most 200 characters', message);
  }
  const priority = message.priority ?? 'normal';
  if (!Object.hasOwn(PRIORITY_VALUES, priority)) {
    throw invalid(`message.priority '${String(priority)}' must be one of ${PRIORITIES.join(', ')}`, message);
  }
  const maxRetries = message.maxRetries ?? rules.defaultMaxRetries;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 100) {
    throw invalid(`message.maxRetries ${String(maxRetries)} must be an integer from 0 to 100`, message);
  }
  // Headers are checked, measured and copied in one pass (most messages carry none).
  const headers: Record<string, string> = {};
  let headerBytes = 0;
  if (message.headers != null) {
    for (const [name, value] of Object.entries(message.headers)) {
      if (typeof value !== 'string') throw invalid(`header '${name}' must be a string`, message);
      if (name.toLowerCase().startsWith(RESERVED_HEADER_PREFIX)) {
        throw invalid(`header '${name}' uses the reserved prefix '${RESERVED_HEADER_PREFIX}'`, message);
      }
      headers[name] = value;
      headerBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    }
  }
  if (message.key !== undefined && typeof message.key !== 'string')
    throw invalid('message.key must be a string', message);
  const type = message.type ?? topic;
  const schema = rules.schemas.get(type);
  let payload: unknown = message.payload;
  if (schema) {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new IntelGraphError(
        'MESSAGE_INVALID',
        `payload of '${type}' fails its schema: ${parsed.error.message}`,
        {
          input: message,
          details: { type, issues: parsed.error.issues },
        },
      );
    }
    payload = parsed.data;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (cause) {
    throw new IntelGraphError('MESSAGE_INVALID', 'payload is not JSON-serialisable', {
      input: message,
      cause,
    });
  }
  if (json === undefined)
    throw invalid('payload must be JSON-serialisable (not undefined or a function)', message);
  const body = Buffer.from(json, 'utf8');
  const bytes = body.length + (message.key ? Buffer.byteLength(message.key) : 0) + headerBytes;
  if (bytes > rules.maxMessageBytes) {
    throw new IntelGraphError(
      'MESSAGE_TOO_LARGE',
      `message '${id}' on '${topic}' is ${bytes} bytes; the limit is ${rules.maxMessageBytes}`,
      { input: { id, topic }, details: { bytes, limit: rules.maxMessageBytes } },
    );
  }
  return {
    id,
    topic,
    type,
    key: message.key,
    headers,
    priority,
    maxRetries,
    timestamp: message.timestamp ?? Date.now(),
    body,
  };
}

function invalid(message: string, input: unknown): IntelGraphError {
  return new IntelGraphError('MESSAGE_INVALID', message, { input });
}
