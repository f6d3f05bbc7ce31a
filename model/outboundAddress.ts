import ipaddr from "ipaddr.js";

const LOCAL_DESTINATION_ADDRESS = "127.0.0.1";

/**
 * Why an outbound connection (a webhook, an S3 endpoint an ADMIN typed) may not go to `address`,
 * an IP as a resolver answers it; undefined when it may. Only public unicast addresses pass:
 * loopback, private, link-local (169.254.169.254, where clouds serve instance metadata), unique
 * local (fd00:ec2::254, the IPv6 metadata address), CGNAT and every reserved range are refused,
 * IPv4-mapped IPv6 addresses as the IPv4 address they carry. With `allowLocal`
 * (MASIVO_ALLOW_LOCAL_DESTINATIONS=1), 127.0.0.1 passes: the fakes and tests listen there.
 */
export function forbiddenAddressReason(address: string, allowLocal: boolean): string | undefined {
  if (allowLocal && address === LOCAL_DESTINATION_ADDRESS) return undefined;
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const range = ipaddr.process(address).range();
  return range === "unicast" ? undefined : `${address} is a ${range} address`;
}
