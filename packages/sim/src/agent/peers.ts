import { BlockList, isIP } from 'node:net';
import type { TPeerMap } from './decide';

export type PeerMatch =
  | { kind: 'customer'; key: string; customer: TPeerMap['customers'][string] }
  | { kind: 'upstream'; key: string; providerId: string };

interface Range {
  key: string;
  bits: number;
  list: BlockList;
}

const rangesOf = new WeakMap<TPeerMap, Range[]>();

/** The map's CIDR keys, longest prefix first (a /32 inside a /24 names a different peer). */
function ranges(map: TPeerMap): Range[] {
  let out = rangesOf.get(map);
  if (out) return out;
  out = [];
  for (const key of [...Object.keys(map.customers), ...Object.keys(map.peers)]) {
    const m = /^(.+)\/(\d{1,3})$/.exec(key);
    const family = m ? isIP(m[1]!) : 0;
    if (!m || !family) continue;
    const bits = Number(m[2]);
    if (bits > (family === 4 ? 32 : 128)) continue;
    const list = new BlockList();
    list.addSubnet(m[1]!, bits, family === 4 ? 'ipv4' : 'ipv6');
    out.push({ key, bits, list });
  }
  out.sort((a, b) => b.bits - a.bits);
  rangesOf.set(map, out);
  return out;
}

const byKey = (map: TPeerMap, key: string): PeerMatch | null => {
  const customer = map.customers[key];
  if (customer) return { kind: 'customer', key, customer };
  const providerId = map.peers[key];
  return providerId ? { kind: 'upstream', key, providerId } : null;
};

/** The address of `IP`, `IP:port` or `[IPv6]:port`, or null for a name. */
export function addressOf(peer: string): string | null {
  if (isIP(peer)) return peer;
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(peer);
  if (v6 && isIP(v6[1]!) === 6) return v6[1]!;
  const v4 = /^([\d.]+):\d+$/.exec(peer);
  return v4 && isIP(v4[1]!) === 4 ? v4[1]! : null;
}

/**
 * What an inbound peer stands for: its exact key (a trunk, endpoint or gateway name, or `IP:port`),
 * else its address (`IP`), else the narrowest range (`CIDR`) that holds it. TCP and TLS peers send
 * from random ports, so an address or a range is what a map usually names.
 */
export function resolvePeer(peer: string, map: TPeerMap): PeerMatch | null {
  const exact = byKey(map, peer);
  if (exact) return exact;
  const ip = addressOf(peer);
  if (!ip) return null;
  const byIp = byKey(map, ip);
  if (byIp) return byIp;
  const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
  const range = ranges(map).find((r) => r.list.check(ip, family));
  return range ? byKey(map, range.key) : null;
}
