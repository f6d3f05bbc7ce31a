import dns from "node:dns";
import type { LookupFunction } from "node:net";
import { forbiddenAddressReason } from "../../model/index.ts";

/** One resolved address, as `dns.lookup` with `all: true` gives them. */
export type ResolvedAddress = { address: string; family: number };

/** Resolves a host name; `dns.lookup` unless a test scripts the answers. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** An outbound connection refused because of where its host resolved. */
export class ForbiddenAddressError extends Error {
  override name = "ForbiddenAddressError";
}

/**
 * The `lookup` of an HTTP agent for addresses an ADMIN typed (webhooks, S3 endpoints): every
 * connection resolves the host again and is refused when any answer is a loopback, private,
 * link-local or metadata address, so a host that resolved to a public address at configuration and
 * to an inner one since (DNS rebinding) gets nowhere. With `allowLocal`, 127.0.0.1 passes.
 */
export function createOutboundLookup(options: { allowLocal: boolean; resolve?: Resolve }): LookupFunction {
  const resolve = options.resolve ?? systemResolve;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname)
      .then((addresses) => {
        const refusal = addresses
          .map(({ address }) => forbiddenAddressReason(address, options.allowLocal))
          .find((reason) => reason !== undefined);
        if (refusal) throw new ForbiddenAddressError(`${hostname} refused: ${refusal}`);
        const first = addresses[0];
        if (!first) throw new ForbiddenAddressError(`${hostname} resolved to no address`);
        // Node asks for every address when it races IPv4 against IPv6 (autoSelectFamily).
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      })
      .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ""));
  };
}
