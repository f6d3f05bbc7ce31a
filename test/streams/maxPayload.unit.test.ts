import { describe, expect, it } from "vitest";
import {
  COMMAND_MAX_BYTES,
  CUSTOMER_BOUNDS,
  type CustomerFact,
  FACT_MAX_BYTES,
  type IngestCommand,
} from "../../model/index.ts";
import { commandMessageId, encodeCommand, encodeFact, REQUIRED_MAX_PAYLOAD } from "../../streams/index.ts";

// Characters JSON writes as six bytes (\u0001): the worst case for text bounded in characters.
const escaped = (length: number) => "\u0001".repeat(length);
const account = "a".repeat(63);
const customerId = escaped(256);
const metadata = {
  account,
  customerId,
  factId: `${account}:${Number.MAX_SAFE_INTEGER}:65535`,
  at: new Date(0).toISOString(),
  sourceSeq: Number.MAX_SAFE_INTEGER,
};

/** An object whose JSON is `bytes` long, give or take a few. */
function jsonOf(bytes: number): Record<string, unknown> {
  return { fill: "x".repeat(bytes - '{"fill":""}'.length) };
}

describe("the largest messages a bounded request can lead to", () => {
  it("a profile fact with all the attributes a customer may hold fits FACT_MAX_BYTES", () => {
    const fact: CustomerFact = {
      type: "customer.profileChanged",
      data: {
        profile: {
          email: `${"a".repeat(242)}@example.com`,
          phone: "+123456789012345",
          firstName: escaped(255),
          lastName: escaped(255),
          tier: escaped(255),
        },
        attributes: jsonOf(CUSTOMER_BOUNDS.attributesBytes),
        consent: {
          email: "GRANTED",
          push: "GRANTED",
          whatsapp: "UNKNOWN",
          sms: "UNKNOWN",
          ads: "DENIED",
          dataSharing: "DENIED",
        },
        identified: true,
        created: true,
        changed: ["email", "phone", "firstName", "lastName", "tier", "attributes", "consent", "identified"],
      },
      metadata,
    };
    expect(encodeFact(fact).byteLength).toBeLessThanOrEqual(FACT_MAX_BYTES);
  });

  it("the event fact of the largest event command fits FACT_MAX_BYTES", () => {
    const commandMetadata = { account, customerId, commandId: escaped(128), acceptedAt: new Date(0).toISOString() };
    const data = { name: escaped(255), timestamp: new Date(0).toISOString(), properties: {} };
    const frame = encodeCommand({ type: "event.track", data, metadata: commandMetadata } as IngestCommand).byteLength;
    const properties = jsonOf(COMMAND_MAX_BYTES - frame);
    const command = { type: "event.track", data: { ...data, properties }, metadata: commandMetadata } as IngestCommand;
    expect(encodeCommand(command).byteLength).toBeLessThanOrEqual(COMMAND_MAX_BYTES);
    const fact: CustomerFact = {
      type: "event.recorded",
      data: {
        eventId: commandMetadata.commandId,
        name: data.name,
        timestamp: data.timestamp,
        properties,
        internal: false,
      },
      metadata,
    };
    expect(encodeFact(fact).byteLength).toBeLessThanOrEqual(FACT_MAX_BYTES);
  });

  it("leaves room for the headers: the longest message id is well under the 4 KiB allowed", () => {
    expect(REQUIRED_MAX_PAYLOAD).toBe(FACT_MAX_BYTES + 4 * 1024);
    expect(new TextEncoder().encode(commandMessageId(account, { client: escaped(128) })).byteLength).toBeLessThan(1024);
  });
});
