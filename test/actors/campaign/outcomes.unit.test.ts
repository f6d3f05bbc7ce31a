import { describe, expect, it } from "vitest";
import { campaignOfSource, campaignOutcomes } from "../../../actors/campaign/index.ts";
import type { MessageRecordedData } from "../../../model/index.ts";

const recorded = (source: string, status: MessageRecordedData["status"]): MessageRecordedData => ({
  sendKey: `${source}:${Math.random()}`,
  channel: "EMAIL",
  status,
  templateId: "tpl",
  templateVersion: 1,
  source,
  at: "2026-12-03T10:00:00.000Z",
});

describe("campaign outcomes", () => {
  it("names the campaign of a campaign's send, and none for a journey's or the API's", () => {
    expect(campaignOfSource("campaign:cmp_1")).toBe("cmp_1");
    expect(campaignOfSource("journey:jrn_1@2/remind")).toBeUndefined();
    expect(campaignOfSource("api")).toBeUndefined();
  });

  it("counts SENT, SUPPRESSED and FAILED or UNKNOWN per campaign; QUEUED and other sources are not outcomes", () => {
    const counted = campaignOutcomes([
      recorded("campaign:a", "SENT"),
      recorded("campaign:a", "SENT"),
      recorded("campaign:a", "QUEUED"),
      recorded("campaign:a", "SUPPRESSED"),
      recorded("campaign:b", "FAILED"),
      recorded("campaign:b", "UNKNOWN"),
      recorded("api", "SENT"),
    ]);
    expect(Object.fromEntries(counted)).toEqual({
      a: { sent: 2, suppressed: 1, failed: 0 },
      b: { sent: 0, suppressed: 0, failed: 2 },
    });
  });
});
