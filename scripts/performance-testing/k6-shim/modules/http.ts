import { httpRoundTrip, record } from '../vu-context.js';

/** k6/http over the runner's HTTP agent: synchronous, as in k6. */
export interface Params {
  readonly headers?: Record<string, string>;
  readonly tags?: Record<string, string>;
  /** `'10s'`, `'500ms'` or milliseconds; default 60 s as k6. */
  readonly timeout?: string | number;
}

export interface RefinedResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly url: string;
  readonly error: string;
  readonly timings: { readonly duration: number };
  json(selector?: string): unknown;
}

function timeoutMs(t: string | number | undefined): number {
  if (t === undefined) return 60_000;
  if (typeof t === 'number') return t;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(t);
  if (!m) throw new Error(`k6 shim: bad timeout '${t}'`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

export function request(
  method: string,
  url: string,
  body?: string | null,
  params: Params = {},
): RefinedResponse {
  const answer = httpRoundTrip({
    method,
    url,
    ...(body == null ? {} : { body }),
    headers: params.headers ?? {},
    timeoutMs: timeoutMs(params.timeout),
  });
  const tags = { method, url, status: String(answer.status), ...params.tags };
  // k6's defaults: a response is "failed" unless its status is 200–399.
  const failed = answer.status < 200 || answer.status >= 400;
  record({ metric: 'http_reqs', type: 'counter', value: 1, tags });
  record({ metric: 'http_req_duration', type: 'trend', value: answer.durationMs, tags });
  record({ metric: 'http_req_failed', type: 'rate', value: failed ? 1 : 0, tags });
  return {
    status: answer.status,
    body: answer.body,
    headers: answer.headers,
    url,
    error: answer.error ?? '',
    timings: { duration: answer.durationMs },
    json(selector) {
      const value = JSON.parse(answer.body) as unknown;
      if (!selector) return value;
      return selector
        .split('.')
        .reduce<unknown>(
          (cur, key) => (cur == null ? undefined : (cur as Record<string, unknown>)[key]),
          value,
        );
    },
  };
}

export const get = (url: string, params?: Params) => request('GET', url, null, params);
export const post = (url: string, body?: string | null, params?: Params) =>
  request('POST', url, body, params);
export const put = (url: string, body?: string | null, params?: Params) => request('PUT', url, body, params);
export const del = (url: string, body?: string | null, params?: Params) =>
  request('DELETE', url, body, params);

export default { request, get, post, put, del };
