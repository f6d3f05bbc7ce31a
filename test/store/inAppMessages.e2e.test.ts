import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectStore,
  IN_APP_LIST_LIMIT,
  type InAppDelivery,
  type InAppMessages,
  inAppMessageId,
  inAppMessagesRepository,
  prepareInAppMessages,
  type Store,
} from "../../store/index.ts";
import { isolatedMongoUrl, uniqueId } from "../support/world.ts";

let store: Store;
let clock = new Date("2026-06-01T10:00:00.000Z");
let inbox: InAppMessages;

beforeAll(async () => {
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
  await prepareInAppMessages(store);
  inbox = inAppMessagesRepository(store.db, () => clock);
});
afterAll(async () => {
  await store?.close();
});

const minutes = (n: number) => n * 60_000;

function delivery(
  account: string,
  customerId: string,
  sendKey: string,
  ageMinutes = 0,
  lifeMinutes = 60,
): InAppDelivery {
  const createdAt = new Date(clock.getTime() - minutes(ageMinutes));
  return {
    account,
    customerId,
    sendKey,
    content: { title: `Hello ${sendKey}`, body: "Welcome", buttons: [{ label: "Open" }], payload: { screen: "home" } },
    createdAt,
    expiresAt: new Date(createdAt.getTime() + minutes(lifeMinutes)),
  };
}

describe("inAppMessages", () => {
  it("stores a send once, however often it is delivered, under the id its send key gives", async () => {
    const account = uniqueId("acct");
    const message = delivery(account, "c-1", "api:k-1");
    expect(await inbox.deliver(message)).toEqual({ stored: true });
    expect(await inbox.deliver({ ...message, content: { title: "Changed" } })).toEqual({ stored: false });

    const listed = await inbox.list(account, "c-1");
    expect(listed).toEqual([
      {
        id: inAppMessageId(account, "api:k-1"),
        account,
        customerId: "c-1",
        sendKey: "api:k-1",
        title: "Hello api:k-1",
        body: "Welcome",
        buttons: [{ label: "Open" }],
        payload: { screen: "home" },
        createdAt: message.createdAt,
        expiresAt: message.expiresAt,
        readAt: undefined,
        dismissedAt: undefined,
      },
    ]);
    expect(await inbox.get(account, inAppMessageId(account, "api:k-1"))).toEqual(listed[0]);
  });

  it("gives the same send key different ids in different accounts", () => {
    expect(inAppMessageId("a", "api:k")).not.toBe(inAppMessageId("b", "api:k"));
    expect(inAppMessageId("a", "api:k")).toBe(inAppMessageId("a", "api:k"));
  });

  it("lists newest first, never an expired or dismissed message, and only unread ones when asked", async () => {
    const account = uniqueId("acct");
    await inbox.deliver(delivery(account, "c-1", "old", 30));
    await inbox.deliver(delivery(account, "c-1", "new", 10));
    await inbox.deliver(delivery(account, "c-1", "expired", 90, 60));
    await inbox.deliver(delivery(account, "c-1", "dismissed", 5));
    await inbox.deliver(delivery(account, "c-2", "someone else's", 1));

    expect(await inbox.mark(account, "c-1", inAppMessageId(account, "dismissed"), "DISMISSED")).toBe(true);
    expect(await inbox.mark(account, "c-1", inAppMessageId(account, "old"), "READ")).toBe(true);

    const keys = async (unreadOnly?: boolean) =>
      (await inbox.list(account, "c-1", { unreadOnly })).map((message) => message.sendKey);
    expect(await keys()).toEqual(["new", "old"]);
    expect(await keys(true)).toEqual(["new"]);
    // Expired, yet still readable by id: the subscription checks expiry itself.
    expect((await inbox.get(account, inAppMessageId(account, "expired")))?.sendKey).toBe("expired");
  });

  it("keeps the first mark's time and answers true again", async () => {
    const account = uniqueId("acct");
    await inbox.deliver(delivery(account, "c-1", "k"));
    const id = inAppMessageId(account, "k");
    const firstReadAt = clock;
    expect(await inbox.mark(account, "c-1", id, "READ")).toBe(true);
    clock = new Date(clock.getTime() + minutes(1));
    expect(await inbox.mark(account, "c-1", id, "READ")).toBe(true);
    expect((await inbox.get(account, id))?.readAt).toEqual(firstReadAt);
  });

  it("refuses to mark another customer's message, another account's, or an unknown id", async () => {
    const account = uniqueId("acct");
    await inbox.deliver(delivery(account, "c-1", "k"));
    const id = inAppMessageId(account, "k");
    expect(await inbox.mark(account, "c-2", id, "DISMISSED")).toBe(false);
    expect(await inbox.mark(uniqueId("acct"), "c-1", id, "DISMISSED")).toBe(false);
    expect(await inbox.mark(account, "c-1", "iam_unknown", "READ")).toBe(false);
    expect(await inbox.get(uniqueId("acct"), id)).toBeUndefined();
    expect((await inbox.list(account, "c-1")).map((message) => message.id)).toEqual([id]);
  });

  it(`returns at most ${IN_APP_LIST_LIMIT} messages, the newest`, async () => {
    const account = uniqueId("acct");
    const sent = Array.from({ length: IN_APP_LIST_LIMIT + 5 }, (_, index) =>
      delivery(account, "c-1", `k-${index}`, index, 1_000),
    );
    for (const message of sent) await inbox.deliver(message);
    const listed = await inbox.list(account, "c-1");
    expect(listed).toHaveLength(IN_APP_LIST_LIMIT);
    expect(listed[0]?.sendKey).toBe("k-0");
    expect(listed.at(-1)?.sendKey).toBe(`k-${IN_APP_LIST_LIMIT - 1}`);
  });

  it("prepares its indexes again without complaint", async () => {
    await prepareInAppMessages(store);
    const names = (await store.db.collection("inAppMessages").indexes()).map((index) => index.name);
    expect(names).toEqual(expect.arrayContaining(["inbox", store.isFerretDB ? "expiresAt" : "expiresAt_ttl"]));
  });

  it("deletes expired messages on request, and only those", async () => {
    const account = uniqueId("acct");
    await inbox.deliver(delivery(account, "c-1", "expired", 90, 60));
    await inbox.deliver(delivery(account, "c-1", "live", 0, 60));
    expect(await inbox.deleteExpired()).toBeGreaterThanOrEqual(1);
    expect(await inbox.get(account, inAppMessageId(account, "expired"))).toBeUndefined();
    expect((await inbox.get(account, inAppMessageId(account, "live")))?.sendKey).toBe("live");
  });
});
