import { describe, expect, it } from "vitest";
import { streamSequenceOf } from "../../../streams/index.ts";

describe("streamSequenceOf (the integration consumer's raw pull)", () => {
  it("reads the stream sequence of both ack subject layouts", () => {
    expect(streamSequenceOf("$JS.ACK.CHANGES.dest_braze_acme.1.4821.97.1764700000000000000.12")).toBe(4821);
    expect(streamSequenceOf("$JS.ACK.hub.ACCHASH.CHANGES.dest_braze_acme.2.4821.97.1764700000000000000.12.x1")).toBe(
      4821,
    );
    expect(streamSequenceOf("$JS.ACK.hub.ACCHASH.CHANGES.dest_braze_acme.2.4821.97.1764700000000000000.12")).toBe(4821);
  });

  it("refuses what is no ack subject", () => {
    expect(streamSequenceOf("_INBOX.abc.def")).toBeUndefined();
    expect(streamSequenceOf("$JS.ACK.CHANGES.dest.1.2")).toBeUndefined();
    expect(streamSequenceOf("$JS.ACK.CHANGES.dest_braze_acme.1.x.97.1764700000000000000.12")).toBeUndefined();
  });
});
