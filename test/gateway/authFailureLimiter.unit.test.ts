import { describe, expect, it } from "vitest";
import { createAuthFailureLimiter } from "../../gateway/authFailureLimiter.ts";
import { clientOf } from "../../gateway/clientAddress.ts";

const clock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

describe("the failed-authentication limiter", () => {
  it("lets a client fail `burst` times, then asks it to wait until one failure has refilled", () => {
    const time = clock();
    const limiter = createAuthFailureLimiter({ burst: 3, refillMs: 2_000, clients: 10 }, time.now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds("1.2.3.4")).toBe(0);
      limiter.failed("1.2.3.4");
    }
    expect(limiter.retryAfterSeconds("1.2.3.4")).toBe(2);
    expect(limiter.retryAfterSeconds("5.6.7.8")).toBe(0);
    time.advance(1_500);
    expect(limiter.retryAfterSeconds("1.2.3.4")).toBe(1);
    time.advance(500);
    expect(limiter.retryAfterSeconds("1.2.3.4")).toBe(0);
    limiter.failed("1.2.3.4");
    expect(limiter.retryAfterSeconds("1.2.3.4")).toBe(2);
  });

  it("remembers at most `clients` clients, forgetting the least recent first", () => {
    const time = clock();
    const limiter = createAuthFailureLimiter({ burst: 1, refillMs: 60_000, clients: 100 }, time.now);
    for (let i = 0; i < 1_000; i++) limiter.failed(`10.0.${Math.floor(i / 256)}.${i % 256}`);
    const blocked = Array.from({ length: 1_000 }, (_, i) => `10.0.${Math.floor(i / 256)}.${i % 256}`).filter(
      (client) => limiter.retryAfterSeconds(client) > 0,
    );
    expect(blocked).toHaveLength(100);
    expect(blocked[0]).toBe("10.0.3.132"); // the 901st
  });
});

describe("who a request counts as", () => {
  it.each([
    ["203.0.113.9", "203.0.113.9"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["2001:0DB8:0001:0002:0:0:0:9", "2001:db8:1:2::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    [undefined, "unknown"],
  ])("%s counts as %s", (address, client) => {
    expect(clientOf(address)).toBe(client);
  });
});
