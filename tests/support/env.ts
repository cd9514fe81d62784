/**
 * Where the integration tests find the stack: scripts/test.sh brings it up and exports these;
 * the defaults are `npm run stack:up`'s.
 */
export const ES_URL = process.env.ES_URL ?? 'http://127.0.0.1:9200';
export const ES7_URL = process.env.ES7_URL ?? 'http://127.0.0.1:9201';
export const ES9_URL = process.env.ES9_URL ?? 'http://127.0.0.1:9202';
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/earlypay';
