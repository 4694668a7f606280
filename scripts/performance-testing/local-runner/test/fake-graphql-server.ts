import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An in-process GraphQL-over-HTTP stand-in for the runner's tests: answers the operations of
 * scenarios.json by name, fails every `failEvery`-th UsersPage with a GraphQL error, stores
 * created users, and can "lose" some of them afterwards.
 */
export interface FakeGraphQLServer {
  readonly url: string;
  readonly stats: {
    requests: number;
    usersPageErrors: number;
    created: number;
    authorization: string | undefined;
  };
  forget(id: string): void;
  close(): Promise<void>;
}

export async function startFakeGraphQLServer(
  options: { failEvery?: number } = {},
): Promise<FakeGraphQLServer> {
  const users = new Set<string>();
  const stats = {
    requests: 0,
    usersPageErrors: 0,
    created: 0,
    authorization: undefined as string | undefined,
  };
  let usersPage = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      stats.requests++;
      stats.authorization = req.headers.authorization;
      const { query, variables } = JSON.parse(raw) as { query: string; variables?: Record<string, unknown> };
      const send = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (query.includes('UsersPage')) {
        usersPage++;
        if (options.failEvery && usersPage % options.failEvery === 0) {
          stats.usersPageErrors++;
          return send({
            data: null,
            errors: [{ message: 'down', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }],
          });
        }
        return send({ data: { users: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } } } });
      }
      if (query.includes('CreateUser')) {
        const input = (variables?.input ?? {}) as { email: string };
        const id = `t:${input.email}`;
        users.add(id);
        stats.created++;
        return send({ data: { createUser: { id } } });
      }
      if (query.includes('VerifyUser')) {
        const id = String(variables?.id);
        return send({ data: { user: users.has(id) ? { id } : null } });
      }
      if (query.includes('CreateTenant')) {
        return send({ data: null, errors: [{ message: 'exists', extensions: { code: 'ALREADY_EXISTS' } }] });
      }
      if (query.includes('TenantOverview'))
        return send({ data: { tenant: { id: 't', name: 'T', userCount: 1 } } });
      if (query.includes('Me')) return send({ data: { me: { id: 't:u', name: 'U' } } });
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'unknown', extensions: { code: 'BAD_REQUEST' } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    stats,
    forget: (id) => users.delete(id),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
