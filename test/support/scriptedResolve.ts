import type { ResolvedAddress } from "../../actors/destination/outboundLookup.ts";

/** A resolver answering `answers` in turn (the last one from then on), counting its lookups. */
export function scriptedResolve(...answers: string[]) {
  const asked: string[] = [];
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    asked.push(hostname);
    const address = answers[Math.min(asked.length - 1, answers.length - 1)] ?? "";
    return [{ address, family: address.includes(":") ? 6 : 4 }];
  };
  return { resolve, asked };
}
