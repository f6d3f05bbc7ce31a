import dns from "node:dns";
import { isIP } from "node:net";
import { forbiddenAddressReason } from "../model/index.ts";
import { localEndpointProblem } from "./localEndpoint.ts";

/** Resolves a host to every address it has (tests may script it). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

const systemResolveHost: ResolveHost = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map(({ address }) => address);

/**
 * Why an outbound URL an ADMIN typed (a webhook's, an S3 endpoint) may not be called, or undefined when it may:
 * `https` only, without credentials, to a host whose every address is public (none loopback,
 * private, link-local or metadata: model/outboundAddress.ts). The destination worker checks the
 * address again at each connection, as DNS may answer otherwise by then. `http://127.0.0.1:<port>`
 * only with MASIVO_ALLOW_LOCAL_DESTINATIONS=1.
 */
export async function outboundUrlProblem(
  text: string,
  allowLocal: boolean,
  resolve: ResolveHost = systemResolveHost,
): Promise<string | undefined> {
  const url = URL.parse(text);
  if (!url) return "must be an absolute URL, e.g. https://hooks.example.com/masivo";
  if (url.username || url.password) return "must not hold credentials";
  if (url.protocol === "http:" && url.hostname === "127.0.0.1") return localEndpointProblem(url.origin, allowLocal);
  if (url.protocol !== "https:") return "must be https";
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(hostname) ? [hostname] : await resolve(hostname).catch(() => []);
  if (addresses.length === 0) return `${hostname} does not resolve`;
  const refusal = addresses.map((address) => forbiddenAddressReason(address, false)).find(Boolean);
  return refusal ? `${hostname} is refused: ${refusal}` : undefined;
}
