import { type Scenario, underLoad } from "../scenario.ts";

/** How much later than MASIVO_DRAIN_SECONDS an exit may come (the process's own stop). */
const EXIT_MARGIN_MS = 2_000;

/**
 * 7. SIGTERM to every Masivo process at once under load: each exits 0 within the drain time, and
 * once they are all started again nothing acknowledged is lost.
 */
export const everyoneStopped: Scenario = {
  name: "SIGTERM every process under load",
  async run(suite) {
    const { cluster } = suite;
    const exits: string[] = [];
    const outcome = await underLoad(
      suite,
      "s7",
      async () => {
        const processes = Object.values(cluster.processes);
        const ended = await Promise.all(processes.map((process) => process.signal("SIGTERM")));
        ended.forEach((exit, i) => {
          const name = processes[i]?.name ?? "?";
          if (exit.code !== 0 || exit.afterMs > cluster.drainSeconds * 1_000 + EXIT_MARGIN_MS) {
            exits.push(`${name} exited with ${exit.code ?? exit.signal} after ${(exit.afterMs / 1_000).toFixed(1)} s`);
          }
        });
        for (const process of processes) await process.start();
      },
      // With the gateway gone, calls are not answered at all; while it drains, it refuses new ones.
      { allowed: ["UNREACHABLE", "UNAVAILABLE", "TIMEOUT"] },
    );
    return { ...outcome, problems: [...outcome.problems, ...exits] };
  },
};
