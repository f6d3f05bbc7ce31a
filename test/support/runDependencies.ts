import pino from "pino";
import type { RunDependencies } from "../../actors/audience/carryOutRun.ts";
import { audienceMembersRepository, audienceRunsRepository, audiencesRepository } from "../../store/index.ts";
import type { World } from "./world.ts";

/**
 * What `carryOutRun` needs, over a world's store: memberships count as tracked, commands are taken
 * and dropped, no former members are known, nothing is logged. `change` replaces any of it.
 */
export function runDependencies(world: World, change: Partial<RunDependencies> = {}): RunDependencies {
  const now = change.now ?? (() => new Date());
  return {
    db: world.store.db,
    isFerretDB: world.store.isFerretDB,
    audiences: audiencesRepository(world.store.db, now),
    runs: audienceRunsRepository(world.store.db, now),
    members: audienceMembersRepository(world.store.db),
    commands: { publish: async () => [] },
    finishRun: async () => {},
    customersWhoChangedMembership: async function* () {},
    membershipsTracked: async () => {},
    keepAlive: () => {},
    now,
    log: pino({ level: "silent" }),
    ...change,
  };
}
