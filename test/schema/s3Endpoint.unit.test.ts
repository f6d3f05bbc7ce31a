import { describe, expect, it } from "vitest";
import type { ResolveHost } from "../../schema/outboundUrl.ts";
import { s3EndpointProblem } from "../../schema/s3Export.ts";

/** A resolver that answers `addresses` for every host, recording the hosts it was asked. */
function resolvingTo(...addresses: string[]) {
  const asked: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    asked.push(hostname);
    return addresses;
  };
  return { resolve, asked };
}

describe("an S3 endpoint an ADMIN types", () => {
  it("given a host whose every address is public, when configured, then it is accepted", async () => {
    const { resolve, asked } = resolvingTo("52.95.128.10", "2600:1f18::10");
    expect(await s3EndpointProblem("https://s3.example.com", false, resolve)).toBeUndefined();
    expect(asked).toEqual(["s3.example.com"]);
  });

  it.each([
    ["10.0.0.5", "s3.example.com is refused: 10.0.0.5 is a private address"],
    ["169.254.169.254", "s3.example.com is refused: 169.254.169.254 is a linkLocal address"],
    ["::1", "s3.example.com is refused: ::1 is a loopback address"],
  ])(
    "given a host resolving to %s, when configured, then it is refused naming the address",
    async (address, problem) => {
      const { resolve } = resolvingTo("52.95.128.10", address);
      expect(await s3EndpointProblem("https://s3.example.com:9000", false, resolve)).toBe(problem);
    },
  );

  it("given a host that does not resolve, when configured, then it is refused", async () => {
    const { resolve } = resolvingTo();
    expect(await s3EndpointProblem("https://s3.example.com", false, resolve)).toBe("s3.example.com does not resolve");
  });

  it.each([
    ["http://s3.example.com", "must be https"],
    ["https://s3.example.com/bucket", "must be https://<host>[:<port>], with no path or query"],
    ["https://s3.example.com?x=1", "must be https://<host>[:<port>], with no path or query"],
    ["https://user:pw@s3.example.com", "must not hold credentials"],
    ["s3.example.com", "must be an absolute URL, e.g. https://hooks.example.com/masivo"],
  ])("given %s, when configured, then it is refused without a lookup", async (endpoint, problem) => {
    const { resolve, asked } = resolvingTo("52.95.128.10");
    expect(await s3EndpointProblem(endpoint, false, resolve)).toBe(problem);
    expect(asked).toEqual([]);
  });

  it("given a local store, when configured, then it is accepted only with MASIVO_ALLOW_LOCAL_DESTINATIONS", async () => {
    expect(await s3EndpointProblem("http://127.0.0.1:9000", true)).toBeUndefined();
    expect(await s3EndpointProblem("http://127.0.0.1:9000", false)).toContain("MASIVO_ALLOW_LOCAL_DESTINATIONS=1");
    expect(await s3EndpointProblem("https://127.0.0.1:9000", true)).toBe(
      "127.0.0.1 is refused: 127.0.0.1 is a loopback address",
    );
  });
});
