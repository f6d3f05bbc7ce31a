import { describe, expect, it } from "vitest";
import { forbiddenAddressReason } from "../../model/index.ts";

describe("forbiddenAddressReason", () => {
  it.each([
    ["10.1.2.3", "private"],
    ["192.168.0.10", "private"],
    ["172.16.5.4", "private"],
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["169.254.169.254", "linkLocal"],
    ["fe80::1", "linkLocal"],
    ["fd00:ec2::254", "uniqueLocal"],
    ["::ffff:10.0.0.1", "private"],
    ["100.64.0.1", "carrierGradeNat"],
    ["0.0.0.0", "unspecified"],
  ])("refuses %s (a %s address)", (address, range) => {
    expect(forbiddenAddressReason(address, false)).toBe(`${address} is a ${range} address`);
  });

  it("lets public unicast addresses through", () => {
    expect(forbiddenAddressReason("93.184.216.34", false)).toBeUndefined();
    expect(forbiddenAddressReason("2606:2800:220:1:248:1893:25c8:1946", false)).toBeUndefined();
  });

  it("lets 127.0.0.1 alone through when local destinations are allowed", () => {
    expect(forbiddenAddressReason("127.0.0.1", true)).toBeUndefined();
    expect(forbiddenAddressReason("::1", true)).toBe("::1 is a loopback address");
    expect(forbiddenAddressReason("10.0.0.1", true)).toBe("10.0.0.1 is a private address");
  });

  it("refuses what is not an address", () => {
    expect(forbiddenAddressReason("example.com", false)).toBe("example.com is not an IP address");
  });
});
