import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GatewayPlugin, HttpRoute } from '../plugin.js';

const ASSETS: Readonly<Record<string, [pkg: string, file: string, type: string]>> = {
  'react.js': ['react', 'umd/react.production.min.js', 'text/javascript'],
  'react-dom.js': ['react-dom', 'umd/react-dom.production.min.js', 'text/javascript'],
  'graphiql.js': ['graphiql', 'graphiql.min.js', 'text/javascript'],
  'graphql-ws.js': ['graphql-ws', 'umd/graphql-ws.min.js', 'text/javascript'],
  'graphiql.css': ['graphiql', 'graphiql.min.css', 'text/css'],
};

function page(base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>IntelGraph GraphiQL</title>
<link rel="stylesheet" href="${base}/graphiql.css">
<style>html,body,#graphiql{height:100%;margin:0}</style>
</head>
<body>
<div id="graphiql">Loading…</div>
<script src="${base}/react.js"></script>
<script src="${base}/react-dom.js"></script>
<script src="${base}/graphiql.js"></script>
<script src="${base}/graphql-ws.js"></script>
<script src="${base}/start.js"></script>
</body>
</html>`;
}

// The token, if any, is kept in this browser's localStorage only and sent as a bearer header.
// Subscriptions go over graphql-ws to the same endpoint; its connection_init carries the headers
// of the Headers tab (GraphiQL keeps them in localStorage), so the token is the same.
const START = (endpoint: string, headers: Readonly<Record<string, string>> | undefined): string => `
(function () {
  var defaults = ${JSON.stringify(JSON.stringify(headers ?? {}))};
  var wsClient = graphqlWs.createClient({
    url: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + ${JSON.stringify(endpoint)},
    lazy: true,
    connectionParams: function () {
      try { return JSON.parse(localStorage.getItem('graphiql:headers') || defaults); } catch (e) { return {}; }
    }
  });
  var fetcher = GraphiQL.createFetcher({ url: ${JSON.stringify(endpoint)}, wsClient: wsClient });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,${
      headers ? `\n    defaultHeaders: ${JSON.stringify(JSON.stringify(headers, null, 2))},` : ''
    }
    defaultQuery: ${JSON.stringify(
      headers
        ? '# Welcome to the IntelGraph gateway. The Headers tab holds a token; the Docs panel (top left) lists the schema.\n{ __typename }\n'
        : '# Welcome to the IntelGraph gateway.\n# Put your token in the Headers tab: {"Authorization": "Bearer <token>"}\n{ __typename }\n',
    )}
  }));
})();
`;

/**
 * GraphiQL at `/graphiql`, working offline: React, GraphiQL and graphql-ws are served from the
 * gateway's own node_modules (the UMD builds), never from a CDN, so it works on an air-gapped
 * network and under a strict Content-Security-Policy. Subscriptions run over graphql-ws.
 */
export function useGraphiQL(
  options: {
    path?: string;
    endpoint?: string;
    /**
     * Headers the headers editor starts with (when the browser has none stored), read on every
     * page load: `pnpm start` puts its demo token here. Never set it in production.
     */
    headers?: () => Readonly<Record<string, string>> | undefined;
  } = {},
): GatewayPlugin {
  const path = options.path ?? '/graphiql';
  const endpoint = options.endpoint ?? '/graphql';
  const require = createRequire(import.meta.url);
  const routes: Record<string, HttpRoute> = {};
  const assets = `${path}/assets`;
  const send =
    (body: string | Buffer, type: string, cache: string): HttpRoute =>
    (_req, res) => {
      res.writeHead(200, {
        'content-type': `${type}; charset=utf-8`,
        'content-length': Buffer.byteLength(body),
        'cache-control': cache,
        'content-security-policy':
          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:",
      });
      res.end(body);
    };
  const loaded = new Map<string, Buffer>();
  for (const [name, [pkg, file, type]] of Object.entries(ASSETS)) {
    // Read lazily on first request: a gateway with GraphiQL off never touches these files.
    routes[`${assets}/${name}`] = (req, res, url) => {
      let body = loaded.get(name);
      if (!body) {
        body = readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), file));
        loaded.set(name, body);
      }
      return send(body, type, 'public, max-age=86400')(req, res, url);
    };
  }
  routes[`${assets}/start.js`] = (req, res, url) => {
    const headers = options.headers?.();
    // A page holding a token is never cached.
    return send(START(endpoint, headers), 'text/javascript', headers ? 'no-store' : 'no-cache')(
      req,
      res,
      url,
    );
  };
  routes[path] = send(page(assets), 'text/html', 'no-cache');
  return { name: 'graphiql', routes };
}
