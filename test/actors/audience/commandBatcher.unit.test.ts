import { describe, expect, it } from "vitest";
import { createCommandBatcher } from "../../../actors/audience/commandBatcher.ts";
import type { IngestCommandDraft } from "../../../model/index.ts";
import type { CommandPublisher } from "../../../streams/index.ts";

const evaluate = (customerId: string): IngestCommandDraft => ({
  type: "audience.evaluate",
  id: { derived: `run-1:${customerId}` },
  data: { audienceId: "aud-1", audienceName: "vip", runId: "run-1", rule: { attribute: "vip", op: "eq", value: true } },
  metadata: { account: "acme", customerId },
});

/** What the batcher did, in order: records of customers about to be asked, and publishes. */
function recording() {
  const steps: string[] = [];
  const publisher: CommandPublisher = {
    publish: async (drafts) => {
      steps.push(`publish ${drafts.map((draft) => draft.metadata.customerId).join(",")}`);
      return drafts.map((draft) => String(draft.metadata.customerId));
    },
  } as CommandPublisher;
  return { steps, publisher };
}

describe("an audience run's command batcher", () => {
  it("given customers an earlier attempt asked, asks them again but counts each customer once", async () => {
    const { steps, publisher } = recording();
    const asked = new Set(["ann", "bob"]);
    const progress: number[] = [];
    const batcher = createCommandBatcher(
      publisher,
      async (sent) => {
        progress.push(sent);
      },
      { asked, record: async (ids) => void steps.push(`record ${ids.join(",")}`) },
      2,
    );

    for (const customerId of ["bob", "cid", "dan"]) await batcher.add(evaluate(customerId));
    const total = await batcher.flush();

    // Recorded before published: a crash in between leaves them counted, and asked again next time.
    expect(steps).toEqual(["record cid", "publish bob,cid", "record dan", "publish dan"]);
    expect(total).toBe(4);
    expect(progress).toEqual([3, 4]);
    expect([...asked].sort()).toEqual(["ann", "bob", "cid", "dan"]);
  });

  it("without a ledger, counts every command sent", async () => {
    const { steps, publisher } = recording();
    const batcher = createCommandBatcher(publisher, async () => {}, undefined, 2);
    for (const customerId of ["ann", "ann", "bob"]) await batcher.add(evaluate(customerId));
    expect(await batcher.flush()).toBe(3);
    expect(steps).toEqual(["publish ann,ann", "publish bob"]);
  });
});
