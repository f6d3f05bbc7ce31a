import { type Scenario, underLoad } from "../scenario.ts";

/** 1. kill -9 one `customers` worker under load: the other takes its partitions over; it comes back later. */
export const customersKilled: Scenario = {
  name: "kill -9 a customers worker under load",
  async run(suite) {
    const worker = suite.cluster.processes["customers-1"];
    const outcome = await underLoad(suite, "s1", async () => {
      await worker.signal("SIGKILL");
    });
    await worker.start();
    return outcome;
  },
};
