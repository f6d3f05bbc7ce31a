import { describe, expect, it } from "vitest";
import { cpuMsOfStat } from "../../faults/masivoProcess.ts";

// 52 fields as Linux writes them: pid (comm) state ppid … utime stime cutime cstime …
const statLine = (comm: string, utime: number, stime: number) =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194560 9810 0 0 0 ${utime} ${stime} 7 3 20 0 11 0 123456 ` +
  "1234567890 45678 18446744073709551615 1 1 0 0 0 0 0 16781312 17642 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

describe("cpuMsOfStat", () => {
  it("adds user and system time, in clock ticks of 10 ms, and not the children's", () => {
    expect(cpuMsOfStat(statLine("node", 1_234, 56))).toBe(12_900);
  });

  it("finds the fields after a command name holding spaces and parentheses", () => {
    expect(cpuMsOfStat(statLine("MainThread (x) y", 5, 6))).toBe(110);
  });

  it("refuses a line without the fields", () => {
    expect(() => cpuMsOfStat("4242 (node) S 1 4242")).toThrow(/no utime and stime/);
  });
});
