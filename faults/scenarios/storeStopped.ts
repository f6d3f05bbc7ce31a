import { setTimeout as sleep } from "node:timers/promises";
import { type Scenario, underLoad } from "../scenario.ts";

/** 3. The store stopped under load, then started again: no process exits, and work resumes. */
export const storeStopped: Scenario = {
  name: "store stopped under load",
  run: (suite) =>
    underLoad(
      suite,
      "s3",
      async () => {
        await suite.cluster.store.stop();
        await sleep(suite.options.storeOutageSeconds * 1_000);
        await suite.cluster.store.start();
      },
      // Keys not yet cached need the store: those calls are refused as UNAVAILABLE meanwhile.
      { allowed: ["UNAVAILABLE", "TIMEOUT"] },
    ),
};
