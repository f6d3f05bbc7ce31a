import { JetStreamApiError } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { replicasRefusal, StreamReplicasError } from "../../streams/streamReplicas.ts";

const refusal = (code: number, description: string) =>
  new JetStreamApiError({ code: 500, err_code: code, description });

describe("replicasRefusal", () => {
  it("tells a placement JetStream refused for want of servers in the setting's words, keeping the server's", () => {
    const placement = refusal(10005, "no suitable peers for placement");

    const told = replicasRefusal(placement, "INGEST", 3);

    expect(told).toBeInstanceOf(StreamReplicasError);
    expect((told as Error).message).toMatch(
      /^MASIVO_STREAM_REPLICAS is 3, but NATS could not place 3 copies of stream INGEST \(no suitable peers for placement\)/,
    );
    expect((told as Error).cause).toBe(placement);
  });

  it("leaves other refusals, and any refusal without replicas, as they are", () => {
    const other = refusal(10058, "stream name already in use with a different configuration");
    const placement = refusal(10005, "no suitable peers for placement");

    expect(replicasRefusal(other, "INGEST", 3)).toBe(other);
    expect(replicasRefusal(placement, "INGEST", 1)).toBe(placement);
  });
});
