import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The rules for URLs users give us (image_url, webhook_url), which a worker then fetches from
 * inside our network (server-side request forgery): http or https, no credentials, any port, and
 * a host whose every address is public unicast. The API checks a URL at submit time; the worker
 * checks it again, and connects only to the addresses it checked (lib/net/guarded-fetch.ts).
 * Hosts in REMOTE_FETCH_ALLOW_HOSTS skip the address rules (local fakes, internal services).
 */

/**
 * Names that reach a cloud's instance metadata service whatever public DNS says: GCP's
 * `metadata.google.internal` and `metadata.goog`, the bare `metadata` search-domain form, and
 * AWS's `instance-data` names. Their addresses (169.254.169.254, fd00:ec2::254, Alibaba's
 * 100.100.100.200, Oracle's 192.0.0.192) are refused by range anyway.
 */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** ipaddr.js range names (its SpecialRanges), as said in a reason; any other non-unicast range is "reserved". */
const RANGE_WORDS: Record<string, string> = {
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
};

/** RFC 6052's well-known NAT64 prefix: DNS64 maps a public IPv4 host to 64:ff9b::<its 32 bits>. */
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

export interface RemoteUrlRules {
  /** REMOTE_FETCH_ALLOW_HOSTS: lowercase `host` (any port) or `host:port`; such URLs skip the address rules. */
  allowHosts: readonly string[];
  /** Names the URL in reasons, e.g. `image_url`; default "the URL". */
  label?: string;
}

export type RemoteUrlCheck =
  | {
      ok: true;
      url: URL;
      /** The checked addresses a connection must use; undefined for an allow-listed host (resolved as usual). */
      addresses: LookupAddress[] | undefined;
    }
  | {
      ok: false;
      /** One sentence for a 400, e.g. "image_url resolves to a private address (10.0.0.5)". */
      reason: string;
      /** True when the host did not resolve (DNS may recover); false when a rule refuses the URL. */
      unresolved: boolean;
    };

/**
 * Why an address may not be fetched, as a word ("loopback", "private", "link-local" …), or
 * undefined for a public unicast address. IPv4-mapped IPv6 (::ffff:a.b.c.d) and well-known NAT64
 * addresses are judged by the IPv4 address they carry. Throws on a string that is not an IP address.
 */
export function refusedAddressRange(address: string): string | undefined {
  let ip = ipaddr.process(address);
  if (ip.kind() === 'ipv6' && ip.match(NAT64)) ip = ipaddr.fromByteArray(ip.toByteArray().slice(-4));
  const range = ip.range();
  return range === 'unicast' ? undefined : (RANGE_WORDS[range] ?? 'reserved');
}

/** True when the URL's host, or host:port (port 80/443 when the URL gives none), is in `allowHosts`. */
export function isAllowedHost(url: URL, allowHosts: readonly string[]): boolean {
  const host = url.hostname.replace(/\.$/, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowHosts.includes(host) || allowHosts.includes(`${host}:${port}`);
}

/**
 * Checks a user-given URL against the rules above, resolving its host once (getaddrinfo, so
 * /etc/hosts counts). Literal IPs are judged as WHATWG URL normalises them, so `2130706433`,
 * `0x7f.1` and `[::ffff:127.0.0.1]` are all 127.0.0.1. Never throws.
 */
export async function checkRemoteUrl(input: string | URL, rules: RemoteUrlRules): Promise<RemoteUrlCheck> {
  const label = rules.label ?? 'the URL';
  const refuse = (reason: string, unresolved = false): RemoteUrlCheck => ({ ok: false, reason, unresolved });
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse(`${label} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse(`${label} must be an http or https URL`);
  if (url.username || url.password) return refuse(`${label} must not contain a user name or password`);
  if (isAllowedHost(url, rules.allowHosts)) return { ok: true, url, addresses: undefined };

  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (METADATA_HOSTS.has(host)) return refuse(`${label} points at a cloud metadata service (${host})`);
  const family = isIP(host);
  let addresses: LookupAddress[];
  if (family !== 0) {
    addresses = [{ address: host, family }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) return refuse(`${label}'s host does not resolve`, true);
  }
  for (const { address } of addresses) {
    const range = refusedAddressRange(address);
    if (range === undefined) continue;
    const article = /^[aeiou]/.test(range) ? 'an' : 'a';
    return refuse(family !== 0 ? `${label}'s host is ${article} ${range} address (${address})` : `${label} resolves to ${article} ${range} address (${address})`);
  }
  return { ok: true, url, addresses };
}
