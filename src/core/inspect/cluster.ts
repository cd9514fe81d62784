/**
 * What `doctor` asks Elasticsearch beyond the cluster overview (core/es/cluster): the node it
 * reached and the cluster's colour, and how many rows wait in the dead letter. Facts only.
 */
import type { Client } from '@elastic/elasticsearch';

export interface ElasticsearchProbe {
  /** The version of the node that answered. */
  version: string;
  status: string;
  clusterName: string;
}

export async function probeElasticsearch(es: Client): Promise<ElasticsearchProbe> {
  // GET / lives in an optional module (rest-root) that minimal distributions lack.
  const health = await es.cluster.health();
  const nodes = await es.nodes.info({ node_id: '_local', metric: '_none' as never, filter_path: 'nodes.*.version' });
  return {
    version: Object.values(nodes.nodes ?? {})[0]?.version ?? 'unknown',
    status: health.status,
    clusterName: health.cluster_name,
  };
}

export async function countDocuments(es: Client, index: string): Promise<number> {
  return (await es.count({ index })).count;
}
