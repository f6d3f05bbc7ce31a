import { setTimeout as sleep } from "node:timers/promises";
import { readFacts } from "../audit.ts";
import { dataOf } from "../gateway.ts";
import { poll, type Scenario } from "../scenario.ts";

const BATCH = 50;
const CALLS_AT_ONCE = 4;
const TIMEOUT_MS = 600_000;

type Run = { id: string; status: "RUNNING" | "DONE" | "FAILED"; processed: number; total: number };
const AUDIENCE = "query($id:ID!){ audience(id:$id){ size runs(first:1){ id status processed total } } }";

/**
 * 6. kill -9 `audiences` in the middle of recalculating an audience of `audienceCustomers`
 * customers, half of whom match: the run finishes after the restart with exact counts — the
 * audience's size, one ENTERED fact per matching customer, Braze's attribute on each of them.
 */
export const audiencesKilled: Scenario = {
  name: "kill -9 audiences mid-recalculation",
  async run(suite) {
    const { cluster, witnesses, options, log } = suite;
    const customers = options.audienceCustomers;
    const problems: string[] = [];
    const id = (i: number) => `s6-c-${i}`;

    // Every customer gets one event: the even ones `s6_even`, which the audience's rule asks for.
    for (let from = 0; from < customers; from += BATCH * CALLS_AT_ONCE) {
      await Promise.all(
        Array.from({ length: CALLS_AT_ONCE }, async (_, call) => {
          const start = from + call * BATCH;
          const events = Array.from({ length: Math.max(0, Math.min(BATCH, customers - start)) }, (_, i) => ({
            id: `s6-e-${start + i}`,
            customerId: id(start + i),
            name: (start + i) % 2 === 0 ? "s6_even" : "s6_odd",
          }));
          if (events.length === 0) return;
          for (;;) {
            const answer = await cluster.gql("mutation($e:[EventInput!]!){ trackEvents(events:$e){ accepted } }", {
              e: events,
            });
            if ("data" in answer) break;
            await sleep(500);
          }
        }),
      );
    }
    const stored = await poll(async () => {
      const count = await witnesses.store.db
        .collection("customers")
        .countDocuments({ account: witnesses.account, customerId: { $regex: "^s6-c-" } });
      return count >= customers ? count : undefined;
    }, TIMEOUT_MS);
    if (stored === undefined) problems.push(`the ${customers} customers were not all stored in time`);
    log(`  s6: ${customers} customers stored`);

    const created = dataOf(
      await cluster.gql<{ createAudience: { id: string } }>(
        "mutation($input:AudienceInput!){ createAudience(input:$input){ id } }",
        { input: { name: "faults-even", kind: "RULES", rules: { event: "s6_even", within: { days: 1 } } } },
      ),
      "createAudience",
    );
    const audienceId = created.createAudience.id;
    const audience = async () =>
      dataOf(await cluster.gql<{ audience: { size: number; runs: Run[] } }>(AUDIENCE, { id: audienceId }), "audience")
        .audience;

    const midway = await poll(async () => {
      const run = (await audience()).runs[0];
      return run && run.processed >= customers / 8 ? run : undefined;
    }, TIMEOUT_MS);
    if (midway?.status !== "RUNNING") problems.push("the run was not caught in the middle");
    log(`  s6: killing audiences at ${midway?.processed ?? "?"} customers processed`);
    const audiences = cluster.processes.audiences;
    await audiences.signal("SIGKILL");
    await audiences.start();
    const restarted = Date.now();

    const finished = await poll(async () => {
      const run = (await audience()).runs[0];
      return run && run.status !== "RUNNING" ? run : undefined;
    }, TIMEOUT_MS);
    const recoverySeconds = (Date.now() - restarted) / 1_000;
    if (finished?.status !== "DONE") problems.push(`the run ended ${finished?.status ?? "never"}`);

    const expected = Math.ceil(customers / 2);
    const { size } = await audience();
    const entered = new Map<string, number>();
    let exited = 0;
    for (const fact of await readFacts(witnesses, `membership.${audienceId}`)) {
      if (fact.type !== "membership.changed") continue;
      if (fact.data.change === "EXITED") exited += 1;
      else entered.set(fact.metadata.customerId, (entered.get(fact.metadata.customerId) ?? 0) + 1);
    }
    const repeated = [...entered.values()].reduce((sum, count) => sum + count - 1, 0);
    const wrong = [...entered.keys()].filter((customer) => Number(customer.slice("s6-c-".length)) % 2 !== 0).length;
    if (size !== expected) problems.push(`the audience's size is ${size}, not ${expected}`);
    if (wrong > 0 || exited > 0) problems.push(`${wrong} customers entered who do not match, ${exited} exits`);

    const members = await poll(async () => {
      const answer = await fetch(`${cluster.braze.url}/__fake/users`, { signal: AbortSignal.timeout(60_000) });
      const { users } = (await answer.json()) as {
        users: { externalId?: string; attributes: Record<string, unknown> }[];
      };
      const count = users.filter(
        (u) => u.externalId?.startsWith("s6-") && u.attributes["masivo_faults-even"] === true,
      ).length;
      return count >= expected ? count : undefined;
    }, 120_000);
    return {
      lost: Math.max(0, expected - entered.size, expected - (members ?? 0)),
      duplicated: repeated,
      recoverySeconds,
      problems,
      findings: [
        `run ${finished?.id ?? "?"}: ${finished?.processed ?? "?"} customers processed; size ${size}; ${entered.size} entered; ${members ?? "not all"} members at Braze`,
      ],
    };
  },
};
