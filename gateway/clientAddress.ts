import { isIPv6 } from "node:net";

/**
 * Who a request counts as for per-client limits: its IPv4 address, or the /64 prefix of its IPv6
 * address, since one IPv6 host commonly holds a whole /64. Requests without a socket (in-process
 * calls) share one name.
 */
export function clientOf(remoteAddress: string | undefined): string {
  if (!remoteAddress) return "unknown";
  const mappedIPv4 = remoteAddress.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
  if (mappedIPv4) return mappedIPv4;
  if (!isIPv6(remoteAddress)) return remoteAddress;
  return `${expandIPv6(remoteAddress).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, `::` filled in (a zone such as `%eth0` dropped). */
function expandIPv6(address: string): string[] {
  const [head = "", tail] = (address.split("%")[0] ?? "").split("::");
  const groups = (part: string | undefined) => (part ? part.split(":") : []);
  const before = groups(head);
  const after = groups(tail);
  const zeros = tail === undefined ? [] : Array(8 - before.length - after.length).fill("0");
  return [...before, ...zeros, ...after].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ""));
}
