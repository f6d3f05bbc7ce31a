import { type Scenario, underLoad } from "../scenario.ts";

/** 4. kill -9 `destinations` mid-sync; a supervisor starts it again. */
export const destinationsKilled: Scenario = {
  name: "kill -9 destinations mid-sync",
  run: (suite) =>
    underLoad(suite, "s4", async () => {
      const destinations = suite.cluster.processes.destinations;
      await destinations.signal("SIGKILL");
      await destinations.start();
    }),
};
