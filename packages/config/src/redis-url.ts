/**
 * The grammar of `REDIS_URL` for a Redis Cluster, named by some of its nodes:
 * `redis+cluster://[user:password@]host:port,host:port` (`rediss+cluster://` for TLS). Its one owner:
 * configuration checks it at start-up, the queue package connects with what it gives.
 */

export interface ClusterNode {
  host: string;
  port: number;
}

export interface ClusterUrl {
  nodes: ClusterNode[];
  username?: string;
  password?: string;
  tls: boolean;
}

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)(?:[/?#].*)?$/i;
// host:port, [ipv6]:port, or a host alone (port 6379)
const CLUSTER_NODE = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/;

export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:/i.test(url);
}

/** Parses `redis+cluster://[user:password@]host:port,host:port`; throws naming what is wrong. */
export function parseClusterUrl(url: string): ClusterUrl {
  const match = CLUSTER_URL.exec(url);
  if (!match) throw new Error(`not a Redis Cluster URL (redis+cluster://host:port,host:port): "${url}"`);
  const [, scheme, credentials, hosts] = match;
  const nodes = hosts.split(',').map((hostPort) => {
    const node = CLUSTER_NODE.exec(hostPort.trim());
    const port = node?.[2] === undefined ? 6379 : Number(node[2]);
    if (!node || port < 1 || port > 65535) throw new Error(`bad cluster node "${hostPort}" in "${url}"`);
    return { host: node[1].replace(/^\[|\]$/g, ''), port };
  });
  let username: string | undefined;
  let password: string | undefined;
  if (credentials !== undefined && credentials !== '') {
    const colon = credentials.indexOf(':');
    username = decodeURIComponent(colon < 0 ? credentials : credentials.slice(0, colon)) || undefined;
    password = colon < 0 ? undefined : decodeURIComponent(credentials.slice(colon + 1));
  }
  return { nodes, username, password, tls: scheme.toLowerCase() === 'rediss' };
}
