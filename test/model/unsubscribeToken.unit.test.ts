import { describe, expect, it } from "vitest";
import {
  CUSTOMER_ID_MAX_LENGTH,
  deriveUnsubscribeKey,
  readUnsubscribeToken,
  unsubscribeToken,
  unsubscribeUrl,
} from "../../model/index.ts";

const key = deriveUnsubscribeKey("test-master-key-0123456789abcdef0123456789");
const who = { account: "acme", customerId: "customer 1 / ñ ✓" };

describe("unsubscribe tokens", () => {
  it("read back who they were made for, and are URL-safe", () => {
    const token = unsubscribeToken(key, who);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(readUnsubscribeToken(key, token)).toEqual(who);
  });

  it("carry the longest customer id", () => {
    const longest = { account: "a".repeat(63), customerId: "ñ".repeat(CUSTOMER_ID_MAX_LENGTH) };
    expect(readUnsubscribeToken(key, unsubscribeToken(key, longest))).toEqual(longest);
  });

  it("are refused when signed with another key", () => {
    const other = deriveUnsubscribeKey("another-master-key-0123456789abcdef012345");
    expect(readUnsubscribeToken(other, unsubscribeToken(key, who))).toBeUndefined();
  });

  it("are refused when any byte is changed, cut or added", () => {
    const bytes = Buffer.from(unsubscribeToken(key, who), "base64url");
    for (let index = 0; index < bytes.length; index += 1) {
      const tampered = Buffer.from(bytes);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      expect(readUnsubscribeToken(key, tampered.toString("base64url"))).toBeUndefined();
    }
    expect(readUnsubscribeToken(key, bytes.subarray(0, -1).toString("base64url"))).toBeUndefined();
    expect(readUnsubscribeToken(key, Buffer.concat([bytes, Buffer.from([0])]).toString("base64url"))).toBeUndefined();
  });

  it("are refused when spelled otherwise than they were made, even if they decode the same", () => {
    // 41 bytes: the last of 55 characters carries 2 spare bits.
    const token = unsubscribeToken(key, { account: "acme", customerId: "c-1" });
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const respelled = alphabet
      .split("")
      .map((character) => `${token.slice(0, -1)}${character}`)
      .filter(
        (candidate) =>
          candidate !== token && Buffer.from(candidate, "base64url").equals(Buffer.from(token, "base64url")),
      );
    expect(respelled).toHaveLength(3);
    for (const candidate of respelled) expect(readUnsubscribeToken(key, candidate)).toBeUndefined();
  });

  it("are refused when another customer's MAC is put on them", () => {
    const mine = Buffer.from(unsubscribeToken(key, who), "base64url");
    const theirs = Buffer.from(unsubscribeToken(key, { ...who, customerId: "other" }), "base64url");
    const forged = Buffer.concat([theirs.subarray(0, -32), mine.subarray(-32)]);
    expect(readUnsubscribeToken(key, forged.toString("base64url"))).toBeUndefined();
  });

  it.each(["", "not a token", "a".repeat(3_000), "AQ", "%2e%2e"])("refuses %j", (token) => {
    expect(readUnsubscribeToken(key, token)).toBeUndefined();
  });

  it("make links under the public URL", () => {
    const url = unsubscribeUrl("https://masivo.example.com/", key, who);
    expect(url).toBe(`https://masivo.example.com/unsubscribe/${unsubscribeToken(key, who)}`);
  });
});
