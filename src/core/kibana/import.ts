/**
 * Uploading the saved objects to Kibana: `POST <kibana>/api/saved_objects/_import?overwrite=true`
 * with the ndjson as multipart field `file` (Kibana 7.17 and 8.x alike).
 *
 * Credentials, first found wins: KIBANA_API_KEY; KIBANA_USERNAME/KIBANA_PASSWORD; then the
 * Elasticsearch ones (ES_API_KEY; ES_USERNAME/ES_PASSWORD, or the config file's), since Kibana
 * usually authenticates against the same cluster; then user:password in the Kibana URL.
 */
import type { Config } from '../config/config';
import { redactUrl } from '../errors';
import { RunFailedError, UsageError } from '../errors';

export type KibanaAuth = { apiKey: string } | { username: string; password: string } | undefined;

export interface KibanaImportOptions {
  kibanaUrl: string;
  ndjson: string;
  /** Resolved with `kibanaAuth`. */
  auth?: KibanaAuth;
  timeoutMs?: number;
  /** For tests; Node's global fetch otherwise. */
  fetch?: typeof fetch;
}

export interface KibanaImportResult {
  successCount: number;
}

export const KIBANA_TIMEOUT_MS = 15_000;

const MANUAL_IMPORT =
  'or import kibana-saved-objects/*.ndjson by hand: Kibana → Stack Management → Saved Objects → Import';

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** Which credentials the import sends (see the file comment for the order). */
export function kibanaAuth(env: NodeJS.ProcessEnv, esAuth?: Config['esAuth']): KibanaAuth {
  const apiKey = nonEmpty(env.KIBANA_API_KEY);
  if (apiKey) return { apiKey };
  const username = nonEmpty(env.KIBANA_USERNAME);
  if (username) return { username, password: env.KIBANA_PASSWORD ?? '' };
  return esAuth;
}

/** The Kibana URL as messages show it: password masked, no trailing slash. */
export function displayKibanaUrl(value: string): string {
  return redactUrl(value).replace(/\/+$/, '');
}

/** A usable Kibana base URL, or a usage error (exit 2) saying what is wrong. */
export function parseKibanaUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `invalid Kibana URL "${redactUrl(value)}"`,
      'set --kibana-url or KIBANA_URL, e.g. http://127.0.0.1:5601',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `invalid Kibana URL "${redactUrl(value)}": expected http: or https:`,
      'set --kibana-url or KIBANA_URL, e.g. http://127.0.0.1:5601',
    );
  }
  return url;
}

function authorizationHeader(auth: KibanaAuth): string | undefined {
  if (!auth) return undefined;
  if ('apiKey' in auth) return `ApiKey ${auth.apiKey}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** The secrets a message must never contain. */
function secretsOf(auth: KibanaAuth, url: URL): string[] {
  const s: string[] = [];
  if (auth && 'apiKey' in auth) s.push(auth.apiKey);
  if (auth && 'password' in auth && auth.password) s.push(auth.password);
  if (url.password) s.push(url.password, decodeURIComponent(url.password));
  const header = authorizationHeader(auth);
  if (header) s.push(header.split(' ')[1]!);
  return s.filter((x) => x.length >= 3);
}

interface ImportErrorItem {
  id?: string;
  type?: string;
  title?: string;
  meta?: { title?: string };
  error?: { type?: string; message?: string; references?: { type?: string; id?: string }[] };
}

function describeImportError(e: ImportErrorItem): string {
  const what = `${e.type ?? 'object'} ${e.id ?? '?'}`;
  const err = e.error ?? {};
  if (err.type === 'missing_references' && err.references?.length) {
    return `${what}: missing references ${err.references.map((r) => `${r.type}/${r.id}`).join(', ')}`;
  }
  return `${what}: ${err.type ?? 'error'}${err.message ? ` (${err.message})` : ''}`;
}

interface KibanaConnection {
  kibanaUrl: string;
  auth?: KibanaAuth;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface KibanaAnswer {
  response: Response;
  body: string;
  json: unknown;
  shown: string;
  clean: (s: string) => string;
}

/**
 * One request to Kibana at `path` under its base URL, credentials in the Authorization header;
 * an unreachable or silent Kibana is a RunFailedError (exit 1) with one clear line.
 */
async function requestKibana(conn: KibanaConnection, path: string, init: RequestInit): Promise<KibanaAnswer> {
  const base = parseKibanaUrl(conn.kibanaUrl);
  let auth = conn.auth;
  if (!auth && base.username)
    auth = { username: decodeURIComponent(base.username), password: decodeURIComponent(base.password) };
  const secrets = secretsOf(auth, base);
  const clean = (s: string): string => secrets.reduce((out, secret) => out.split(secret).join('***'), s);
  const shown = displayKibanaUrl(base.toString());

  // fetch refuses URLs with credentials: they travel in the Authorization header instead.
  const endpoint = new URL(base.toString());
  endpoint.username = '';
  endpoint.password = '';
  const [pathname, search] = path.split('?');
  endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, '')}${pathname}`;
  endpoint.search = search ? `?${search}` : '';

  const headers: Record<string, string> = { 'kbn-xsrf': 'true' };
  const authorization = authorizationHeader(auth);
  if (authorization) headers.authorization = authorization;

  const timeoutMs = conn.timeoutMs ?? KIBANA_TIMEOUT_MS;
  const doFetch = conn.fetch ?? fetch;
  let response: Response;
  let body: string;
  try {
    response = await doFetch(endpoint, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
    body = await response.text();
  } catch (err) {
    if (isTimeout(err)) {
      throw new RunFailedError(
        `Kibana at ${shown} did not answer within ` +
          `${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`,
        `is Kibana up and healthy (GET ${shown}/api/status)? ${MANUAL_IMPORT}`,
      );
    }
    throw new RunFailedError(
      clean(`Kibana at ${shown} is unreachable (${networkReason(err, endpoint)})`),
      `is Kibana running? check --kibana-url / KIBANA_URL; ${MANUAL_IMPORT}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { response, body, json, shown, clean };
}

/** An HTTP error answer as one line, with the hint its status calls for. */
function httpFailure(what: string, answer: KibanaAnswer): RunFailedError {
  const { response, body, json, shown, clean } = answer;
  const k = (json ?? {}) as { message?: unknown; error?: unknown };
  const detail =
    typeof k.message === 'string' ? k.message : typeof k.error === 'string' ? k.error : body.trim().slice(0, 200);
  const hint =
    response.status === 401 || response.status === 403
      ? 'set KIBANA_API_KEY, or KIBANA_USERNAME and KIBANA_PASSWORD, for a user allowed to manage saved objects'
      : response.status === 404
        ? `is ${shown} Kibana (with its base path, if any)? ${MANUAL_IMPORT}`
        : MANUAL_IMPORT;
  return new RunFailedError(
    clean(`${what}: HTTP ${response.status} ${response.statusText}${detail ? `: ${detail}` : ''}`.trim()),
    hint,
  );
}

/** Kibana's version, from `GET /api/status` (`version.number`, the same in 7.17, 8.x and 9.x). */
export async function fetchKibanaVersion(conn: KibanaConnection): Promise<string> {
  const answer = await requestKibana(conn, '/api/status', { method: 'GET' });
  if (!answer.response.ok) throw httpFailure('Kibana status failed', answer);
  const version = (answer.json as { version?: { number?: unknown } } | undefined)?.version?.number;
  if (typeof version !== 'string') {
    throw new RunFailedError(
      answer.clean(`Kibana status failed: no version in the answer of ${answer.shown}/api/status`),
      `is ${answer.shown} Kibana? ${MANUAL_IMPORT}`,
    );
  }
  return version;
}

/** Imports the ndjson; throws RunFailedError (exit 1) with one clear line on any failure. */
export async function importSavedObjects(opts: KibanaImportOptions): Promise<KibanaImportResult> {
  const form = new FormData();
  form.append('file', new Blob([opts.ndjson], { type: 'application/ndjson' }), 'earlypay.ndjson');
  const answer = await requestKibana(opts, '/api/saved_objects/_import?overwrite=true', {
    method: 'POST',
    body: form,
  });
  const { response, body, json, shown, clean } = answer;
  if (!response.ok) throw httpFailure('Kibana import failed', answer);
  const result = json as { success?: unknown; successCount?: unknown; errors?: ImportErrorItem[] } | undefined;
  if (!result || typeof result !== 'object' || typeof result.success !== 'boolean') {
    throw new RunFailedError(
      clean(`Kibana import failed: unexpected answer from ${shown}: ${body.trim().slice(0, 200)}`),
      `is ${shown} Kibana? ${MANUAL_IMPORT}`,
    );
  }
  const errors = Array.isArray(result.errors) ? result.errors : [];
  if (!result.success || errors.length > 0) {
    const first = errors.slice(0, 3).map(describeImportError).join('; ');
    const more = errors.length > 3 ? `; and ${errors.length - 3} more` : '';
    throw new RunFailedError(
      clean(
        `Kibana import failed: ${errors.length} of the saved objects were not imported: ` +
          `${first || 'no detail given'}${more}`,
      ),
      MANUAL_IMPORT,
    );
  }
  return { successCount: typeof result.successCount === 'number' ? result.successCount : 0 };
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** `fetch failed` says nothing; its cause (ECONNREFUSED 127.0.0.1:9, ENOTFOUND host) does. */
function networkReason(err: unknown, endpoint: URL): string {
  const cause = (err as { cause?: { code?: string; message?: string; errors?: { code?: string; message?: string }[] } })
    ?.cause;
  const first = cause?.errors?.[0];
  if (cause?.code && first?.message) return first.message;
  // The fetch standard's "bad ports" (e.g. 9, 25, 6000) are refused before any connection.
  if (cause?.message === 'bad port') return `port ${endpoint.port} is a reserved port fetch refuses to connect to`;
  if (cause?.message)
    return cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : String(err);
}
