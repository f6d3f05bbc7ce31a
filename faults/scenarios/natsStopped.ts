import { setTimeout as sleep } from "node:timers/promises";
import { type Scenario, underLoad } from "../scenario.ts";

/**
 * 2. nats-server stopped under load, then started again: meanwhile the gateway answers
 * UNAVAILABLE (nothing it acknowledged is lost) and no process exits.
 */
export const natsStopped: Scenario = {
  name: "nats-server stopped under load",
  run: (suite) =>
    underLoad(
      suite,
      "s2",
      async () => {
        await suite.cluster.nats.stop();
        await sleep(suite.options.natsOutageSeconds * 1_000);
        await suite.cluster.nats.start();
      },
      // A call cut when the server went away may time out; the client sends it again, same ids.
      { allowed: ["UNAVAILABLE", "TIMEOUT"], expected: "UNAVAILABLE" },
    ),
};
