/** What `doctor` tells about the cluster: its nodes, its shards and its colour. */
import type { Client } from '@elastic/elasticsearch';

export interface ClusterOverview {
  status: 'green' | 'yellow' | 'red';
  nodes: { name: string; version: string }[];
  primaryShards: number;
  activeShards: number;
  unassignedShards: number;
  relocatingShards: number;
  initializingShards: number;
}

export async function clusterOverview(client: Client): Promise<ClusterOverview> {
  const [health, info] = await Promise.all([
    client.cluster.health(),
    client.nodes.info({ node_id: '_all', metric: '_none' as never, filter_path: 'nodes.*.name,nodes.*.version' }),
  ]);
  const nodes = Object.values(info.nodes ?? {})
    .map((n) => ({ name: n.name, version: n.version }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    status: String(health.status).toLowerCase() as ClusterOverview['status'],
    nodes,
    primaryShards: health.active_primary_shards,
    activeShards: health.active_shards,
    unassignedShards: health.unassigned_shards,
    relocatingShards: health.relocating_shards,
    initializingShards: health.initializing_shards,
  };
}

/** One line: "green, 3 nodes (es1 9.2.0, …); shards: 12 primaries, 24 active, 0 unassigned". */
export function describeCluster(c: ClusterOverview): string {
  const moving = [
    c.relocatingShards && `${c.relocatingShards} relocating`,
    c.initializingShards && `${c.initializingShards} initializing`,
  ].filter(Boolean);
  return (
    `${c.status}, ${c.nodes.length} node${c.nodes.length === 1 ? '' : 's'} ` +
    `(${c.nodes.map((n) => `${n.name} ${n.version}`).join(', ')}); ` +
    `shards: ${c.primaryShards} primaries, ${c.activeShards} active, ${c.unassignedShards} ` +
    `unassigned${moving.length ? `, ${moving.join(', ')}` : ''}`
  );
}
