/** The one place an Elasticsearch client is made. */
import { readFileSync } from 'node:fs';
import { Client, SniffingTransport, type ClientOptions } from '@elastic/elasticsearch';
import type { Config } from '../config/config';
import { UsageError } from '../errors';

/**
 * The one 429 policy of the product: Elasticsearch answers 429 when a node's queue is full, and
 * the client retries only 502-504. Retries with backoff doubling from FIRST_WAIT_MS, at most
 * 30 s a wait. Used by the transport below for every request, and by the bulk writer
 * (bulkWrite.ts) for whole bulk requests and for the documents a bulk response refuses with 429.
 */
export const RETRIES_ON_429 = 8;
const FIRST_WAIT_MS = 500;

export function backoffMs(attempt: number): number {
  return Math.min(30_000, FIRST_WAIT_MS * 2 ** attempt);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function is429(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 429;
}

/** `send` again after a backoff while it fails with 429; `onRetry` is told of each retry. */
export async function retryOn429<T>(send: () => Promise<T>, onRetry?: () => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (!is429(err) || attempt >= RETRIES_ON_429) throw err;
      onRetry?.();
      await sleep(backoffMs(attempt));
    }
  }
}

/**
 * A checkpoint, lock or run document written while a queue is full failed the whole run: every
 * request is retried here — except bulk requests, which the bulk writer retries with the same
 * policy itself so that it can count the retried documents in the run's summary.
 */
class RetryingTransport extends SniffingTransport {}
const send = SniffingTransport.prototype.request;
RetryingTransport.prototype.request = async function retrying(this: SniffingTransport, ...args: Parameters<typeof send>) {
  if (/(^|\/)_bulk$/.test(args[0].path)) return send.apply(this, args);
  return retryOn429(() => send.apply(this, args));
} as typeof send;

export function createEsClient(config: Pick<Config, 'esUrl' | 'esAuth' | 'esCaCert'>, options: Partial<ClientOptions> = {}): Client {
  let tls: ClientOptions['tls'];
  if (config.esCaCert) {
    try {
      tls = { ca: readFileSync(config.esCaCert, 'utf8') };
    } catch (err) {
      throw new UsageError(`cannot read ES_CA_CERT ${config.esCaCert}: ${(err as Error).message}`);
    }
  }
  return new Client({
    Transport: RetryingTransport,
    node: config.esUrl,
    auth: config.esAuth,
    tls,
    requestTimeout: 60_000,
    maxRetries: 3,
    ...options,
  });
}
