import { z } from "zod";

/** The only local form accepted: the fakes and tests listen on loopback. */
const LOCAL_ENDPOINT = /^http:\/\/127\.0\.0\.1:\d{1,5}$/;

export const LOCAL_ONLY_WITH_FLAG = "local endpoints need MASIVO_ALLOW_LOCAL_DESTINATIONS=1";

export function isLocalEndpoint(url: string): boolean {
  return LOCAL_ENDPOINT.test(url);
}

/**
 * Why `url` may not replace a provider's host, or undefined when it may: only
 * `http://127.0.0.1:<port>`, and only when local destinations are allowed (fakes, tests).
 */
export function localEndpointProblem(url: string, allowLocal: boolean): string | undefined {
  if (!isLocalEndpoint(url)) return "must be http://127.0.0.1:<port>, where a fake of the provider listens";
  return allowLocal ? undefined : LOCAL_ONLY_WITH_FLAG;
}

/** An optional `endpoint` argument: absent means the provider's own host. */
export const localEndpointSchema = (allowLocal: boolean) =>
  z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const problem = localEndpointProblem(value, allowLocal);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .nullish()
    .transform((value) => value ?? undefined);
