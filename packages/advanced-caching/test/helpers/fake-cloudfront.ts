import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  /** For CreateInvalidation: the Paths.Items sent. */
  readonly items: string[];
  readonly callerReference: string | undefined;
  readonly authorization: string | undefined;
}

interface Stored {
  readonly id: string;
  readonly items: string[];
  status: 'InProgress' | 'Completed';
  readonly created: string;
  readonly callerReference: string;
}

const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

/**
 * A local HTTP server that answers the CloudFront REST-XML API calls the invalidator makes
 * (CreateInvalidation, GetInvalidation, ListInvalidations), records every request, and can be
 * told to refuse creations (TooManyInvalidationsInProgress) or to keep invalidations in progress.
 */
export class FakeCloudFront {
  readonly requests: RecordedRequest[] = [];
  readonly invalidations = new Map<string, Stored>();
  /** Refuse the next N CreateInvalidation calls with TooManyInvalidationsInProgress. */
  refuseNext = 0;
  /** Complete new invalidations at once (otherwise they stay InProgress until `completeAll`). */
  autoComplete = true;
  #server: Server | undefined;
  #port = 0;
  #seq = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get creations(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.#port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** An invalidation someone else started (the console, another service). */
  addForeign(items: string[], status: 'InProgress' | 'Completed' = 'InProgress'): string {
    const id = `FOREIGN${++this.#seq}`;
    this.invalidations.set(id, { id, items, status, created: new Date().toISOString(), callerReference: id });
    return id;
  }

  completeAll(): void {
    for (const inv of this.invalidations.values()) inv.status = 'Completed';
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '';
    const items = [...body.matchAll(/<Path>([^<]*)<\/Path>/g)].map((m) => xmlUnescape(m[1]!));
    const callerReference = /<CallerReference>([^<]*)<\/CallerReference>/.exec(body)?.[1];
    this.requests.push({
      method: req.method ?? '',
      path,
      body,
      items,
      callerReference,
      authorization: req.headers.authorization,
    });
    const match = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation(?:\/([^/?]+))?/.exec(path);
    if (!match) return this.#error(res, 404, 'NoSuchResource', 'unknown path');
    const id = match[2];
    if (req.method === 'POST' && !id) {
      if (this.refuseNext > 0) {
        this.refuseNext--;
        return this.#error(
          res,
          400,
          'TooManyInvalidationsInProgress',
          'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.',
        );
      }
      const created: Stored = {
        id: `I${String(++this.#seq).padStart(12, '0')}`,
        items,
        status: this.autoComplete ? 'Completed' : 'InProgress',
        created: new Date().toISOString(),
        callerReference: callerReference ?? '',
      };
      this.invalidations.set(created.id, created);
      res.writeHead(201, { 'content-type': 'text/xml', location: `${this.endpoint}${path}/${created.id}` });
      res.end(`<?xml version="1.0"?>\n${invalidationXml(created)}`);
      return;
    }
    if (req.method === 'GET' && id) {
      const found = this.invalidations.get(id);
      if (!found)
        return this.#error(res, 404, 'NoSuchInvalidation', 'The specified invalidation does not exist.');
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(`<?xml version="1.0"?>\n${invalidationXml(found)}`);
      return;
    }
    if (req.method === 'GET') {
      const all = [...this.invalidations.values()];
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<?xml version="1.0"?>\n<InvalidationList xmlns="${NS}"><Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>${all.length}</Quantity><Items>${all
          .map(
            (i) =>
              `<InvalidationSummary><Id>${i.id}</Id><CreateTime>${i.created}</CreateTime><Status>${i.status}</Status></InvalidationSummary>`,
          )
          .join('')}</Items></InvalidationList>`,
      );
      return;
    }
    this.#error(res, 405, 'MethodNotAllowed', 'unsupported');
  }

  #error(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<?xml version="1.0"?>\n<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
    );
  }
}

function invalidationXml(i: Stored): string {
  return `<Invalidation xmlns="${NS}"><Id>${i.id}</Id><Status>${i.status}</Status><CreateTime>${i.created}</CreateTime><InvalidationBatch><Paths><Quantity>${i.items.length}</Quantity><Items>${i.items
    .map((p) => `<Path>${xmlEscape(p)}</Path>`)
    .join(
      '',
    )}</Items></Paths><CallerReference>${i.callerReference}</CallerReference></InvalidationBatch></Invalidation>`;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
