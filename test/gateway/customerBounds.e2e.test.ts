import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../app/startMasivo.ts";
import { CUSTOMER_BOUNDS } from "../../model/index.ts";
import { partitionOf } from "../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../support/startTestMasivo.ts";
import { waitFor } from "../support/streamReader.ts";
import { customerIdOnPartition, isolatedMongoUrl, TEST_ROOT_KEY, uniqueId } from "../support/world.ts";

/**
 * One customer pushed past every bound through the gateway — refused values, 10,000 devices,
 * 5,000 distinct event names — while customers on its partition, of its account and of another,
 * keep being applied.
 */
const PARTITIONS = 2;
const [ACCOUNT, OTHER] = ["acme", "globex"];
let nats: PrivateNats;
let masivo: RunningMasivo & { baseUrl: string };
let keys: Record<string, string>;

beforeAll(async () => {
  nats = await startPrivateNats();
  masivo = await startTestMasivo({
    NATS_URL: nats.url,
    MONGODB_URL: isolatedMongoUrl(uniqueId("db")),
    MASIVO_PARTITIONS: String(PARTITIONS),
    MASIVO_ROOT_KEY: TEST_ROOT_KEY,
  });
  const createAccount = async (id: string) => {
    const created = await postGraphQL(masivo.baseUrl, TEST_ROOT_KEY, {
      query: "mutation($id: ID!) { createAccount(id: $id) { key } }",
      variables: { id },
    });
    return (created.body.data as { createAccount: { key: string } }).createAccount.key;
  };
  keys = { [ACCOUNT]: await createAccount(ACCOUNT), [OTHER]: await createAccount(OTHER) };
});
afterAll(async () => {
  await masivo?.stop();
  await nats?.close();
});

type Answer = { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
const gql = async (account: string, query: string, variables: Record<string, unknown>): Promise<Answer> =>
  (await postGraphQL(masivo.baseUrl, keys[account], { query, variables })).body;

const UPSERT = "mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }";
const TRACK = "mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted } }";
const DEVICE = "mutation($i: DeviceInput!) { registerDevice(input: $i) { accepted } }";

const codeOf = (answer: Answer) => answer.errors?.[0]?.extensions?.code;

/** A customer id of `account` on the same partition as `customerId` of ACCOUNT. */
function neighbourOf(customerId: string, account: string): string {
  return customerIdOnPartition(account, partitionOf(ACCOUNT, customerId, PARTITIONS), PARTITIONS, "neighbour");
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

type CustomerView = { devices: unknown[]; stats: { name: string }[]; attributes: Record<string, unknown> };
const customer = async (account: string, customerId: string) =>
  (
    (await gql(account, "query($c: ID!) { customer(customerId: $c) { devices { token } stats { name } attributes } }", {
      c: customerId,
    })) as { data: { customer: CustomerView | null } }
  ).data.customer;

describe("one customer past every bound", () => {
  it("is refused or bounded as documented, and its partition keeps applying every account", {
    timeout: 180_000,
  }, async () => {
    const greedy = uniqueId("greedy");
    const [neighbour, foreign] = [neighbourOf(greedy, ACCOUNT), neighbourOf(greedy, OTHER)];
    expect(codeOf(await gql(ACCOUNT, UPSERT, { i: { customerId: greedy, attributes: { plan: "pro" } } }))).toBe(
      undefined,
    );

    const refusals: [string, Answer][] = [
      [
        "oversized attribute",
        await gql(ACCOUNT, UPSERT, { i: { customerId: greedy, attributes: { big: "x".repeat(300_000) } } }),
      ],
      ["NUL-keyed attribute", await gql(ACCOUNT, UPSERT, { i: { customerId: greedy, attributes: { "a\u0000": 1 } } })],
      ["$-keyed attribute", await gql(ACCOUNT, UPSERT, { i: { customerId: greedy, attributes: { $inc: 1 } } })],
      ["dotted attribute key", await gql(ACCOUNT, UPSERT, { i: { customerId: greedy, attributes: { "a.b": 1 } } })],
      [
        "huge sku",
        await gql(ACCOUNT, TRACK, {
          e: [
            {
              customerId: greedy,
              name: "FULFILL",
              properties: {
                orderId: "o-1",
                currency: "USD",
                items: [{ sku: "s".repeat(100_000), price: 1, quantity: 1 }],
              },
            },
          ],
        }),
      ],
    ];
    expect(refusals.map(([what, answer]) => [what, codeOf(answer)])).toEqual([
      ["oversized attribute", "PAYLOAD_TOO_LARGE"],
      ["NUL-keyed attribute", "BAD_USER_INPUT"],
      ["$-keyed attribute", "BAD_USER_INPUT"],
      ["dotted attribute key", "BAD_USER_INPUT"],
      ["huge sku", "BAD_USER_INPUT"],
    ]);

    const tokens = Array.from({ length: 10_000 }, (_, i) => `token-${i}`);
    await inParallel(tokens, 32, async (token) => {
      const answer = await gql(ACCOUNT, DEVICE, { i: { customerId: greedy, token, platform: "ANDROID" } });
      expect(answer.errors).toBeUndefined();
    });
    for (let from = 0; from < 5_000; from += 1_000) {
      const events = Array.from({ length: 1_000 }, (_, i) => ({ customerId: greedy, name: `event-${from + i}` }));
      expect((await gql(ACCOUNT, TRACK, { e: events })).errors).toBeUndefined();
    }
    await gql(ACCOUNT, TRACK, { e: [{ customerId: neighbour, name: "beside" }] });
    await gql(OTHER, TRACK, { e: [{ customerId: foreign, name: "beside" }] });
    await gql(ACCOUNT, TRACK, { e: [{ customerId: greedy, name: "zz-last" }] });

    for (const [account, id] of [
      [ACCOUNT, neighbour],
      [OTHER, foreign],
    ] as const) {
      await waitFor(`${account}:${id} applied`, async () =>
        (await customer(account, id))?.stats.some((stat) => stat.name === "beside") ? true : undefined,
      );
    }
    const bounded = await waitFor(
      "the greedy customer's last event",
      async () => {
        const view = await customer(ACCOUNT, greedy);
        return view?.stats.some((stat) => stat.name === "zz-last") ? view : undefined;
      },
      120_000,
    );
    expect(bounded.devices).toHaveLength(CUSTOMER_BOUNDS.devices);
    expect(bounded.stats).toHaveLength(CUSTOMER_BOUNDS.eventNames);
    expect(bounded.attributes).toEqual({ plan: "pro" });
    const letters = await gql(ACCOUNT, "query { deadLetters { edges { node { error } } } }", {});
    expect(letters.data).toEqual({ deadLetters: { edges: [] } });
  });
});
