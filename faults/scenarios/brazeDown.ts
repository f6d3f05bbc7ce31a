import { setTimeout as sleep } from "node:timers/promises";
import { type Scenario, underLoad } from "../scenario.ts";

/**
 * 5. Braze answers 503 to every call for a while, facts still coming. Ten minutes compressed: the
 * outage and the longest wait between retries (MASIVO_BRAZE_RETRY_MAX_SECONDS) are cut alike.
 */
export const brazeDown: Scenario = {
  name: "Braze down while facts keep coming",
  run: (suite) =>
    underLoad(suite, "s5", async () => {
      const faults = `${suite.cluster.braze.url}/__fake/faults`;
      const added = await fetch(faults, {
        method: "POST",
        body: JSON.stringify({ kind: "status", status: 503, path: "/users/track" }),
      });
      if (added.status !== 201) throw new Error(`the fake Braze refused the fault: ${await added.text()}`);
      await sleep(suite.options.brazeOutageSeconds * 1_000);
      await fetch(faults, { method: "DELETE" });
    }),
};
