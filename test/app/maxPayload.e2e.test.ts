import { afterAll, describe, expect, inject, it } from "vitest";
import { NATS_MAX_PAYLOAD } from "../../stack/index.ts";
import { connectNats, MaxPayloadTooSmallError, REQUIRED_MAX_PAYLOAD } from "../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { startTestMasivo } from "../support/startTestMasivo.ts";

const servers: PrivateNats[] = [];
async function natsWith(maxPayload: number): Promise<PrivateNats> {
  const nats = await startPrivateNats({ maxPayload });
  servers.push(nats);
  return nats;
}
afterAll(async () => {
  await Promise.all(servers.map((nats) => nats.close()));
});

describe("NATS max_payload", () => {
  it("is set by stack/ on the servers it starts, above what Masivo needs", async () => {
    const link = await connectNats(inject("natsUrl"), "max-payload-check");
    try {
      expect(link.nc.info?.max_payload).toBe(NATS_MAX_PAYLOAD);
      expect(NATS_MAX_PAYLOAD).toBeGreaterThanOrEqual(REQUIRED_MAX_PAYLOAD);
    } finally {
      await link.close();
    }
  });

  it("below what Masivo's bounds need, stops the process from starting, with a message naming both numbers", async () => {
    const nats = await natsWith(128 * 1024);
    const started = startTestMasivo({ NATS_URL: nats.url });
    await expect(started).rejects.toBeInstanceOf(MaxPayloadTooSmallError);
    await expect(started).rejects.toThrow(
      new RegExp(`takes messages of at most 131072 bytes \\(max_payload\\), but Masivo needs ${REQUIRED_MAX_PAYLOAD}:`),
    );
  });

  it("is enough when it is exactly what Masivo needs, and not one byte less", async () => {
    const [exact, short] = await Promise.all([natsWith(REQUIRED_MAX_PAYLOAD), natsWith(REQUIRED_MAX_PAYLOAD - 1)]);
    const link = await connectNats(exact.url, "max-payload-exact");
    await link.close();
    await expect(connectNats(short.url, "max-payload-short")).rejects.toBeInstanceOf(MaxPayloadTooSmallError);
  });
});
