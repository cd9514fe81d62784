/** The one place an Elasticsearch client is made. */
import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import type { Config } from '../config/config';
import { UsageError } from '../errors';

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
    node: config.esUrl,
    auth: config.esAuth,
    tls,
    requestTimeout: 60_000,
    maxRetries: 3,
    ...options,
  });
}
