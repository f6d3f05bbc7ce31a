import { describe, expect, it } from "vitest";
import { createApiKeyCache } from "../../gateway/apiKeyCache.ts";
import type { AuthChange, AuthChangeListener, AuthChanges } from "../../gateway/authChanges.ts";
import type { ApiKey, ApiKeys } from "../../store/index.ts";

/** Keys in memory, counting the look-ups that reach it; `hold` keeps look-ups waiting until released. */
function fakeStore() {
  const keys = new Map<string, ApiKey & { revoked: boolean }>();
  let made = 0;
  const counts = { lookUps: 0 };
  let gate: Promise<void> | undefined;
  const apiKeys: ApiKeys = {
    async create(account, role) {
      made += 1;
      const key = { id: `key_${made}`, key: `mv_${role.toLowerCase()}_${String(made).padStart(32, "0")}` };
      keys.set(key.key, { id: key.id, account, role, revoked: false });
      return { ...key, account, role };
    },
    async authenticate(key) {
      counts.lookUps += 1;
      const found = keys.get(key);
      const answer = found && !found.revoked ? { id: found.id, account: found.account, role: found.role } : undefined;
      await gate;
      return answer;
    },
    async revoke(account, id) {
      const found = [...keys.values()].find((key) => key.id === id && key.account === account && !key.revoked);
      if (found) found.revoked = true;
      return found !== undefined;
    },
  };
  return {
    apiKeys,
    counts,
    hold: () => {
      let open = () => {};
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

/** Announcements heard by this process only, with a switch for "NATS is away". */
function fakeChanges() {
  const listeners: AuthChangeListener[] = [];
  const state = { listening: true, announced: [] as AuthChange[] };
  const changes: AuthChanges = {
    async announce(change) {
      state.announced.push(change);
      for (const listener of listeners) listener(change);
    },
    listening: () => state.listening,
    onChange: (listener) => {
      listeners.push(listener);
    },
    stop: async () => {},
  };
  const hear = (change: AuthChange | { type: "missed" }) => {
    for (const listener of listeners) listener(change);
  };
  return { changes, state, hear };
}

describe("the API key cache", () => {
  it("reads the store once for a key it knows, and once for a key it knows to be unknown", async () => {
    const store = fakeStore();
    const cache = createApiKeyCache(store.apiKeys, fakeChanges().changes);
    const { key } = await store.apiKeys.create("a", "SDK");
    for (let i = 0; i < 50; i++) expect(await cache.authenticate(key)).toMatchObject({ account: "a", role: "SDK" });
    const unknown = `mv_sdk_${"x".repeat(32)}`;
    for (let i = 0; i < 50; i++) expect(await cache.authenticate(unknown)).toBeUndefined();
    expect(store.counts.lookUps).toBe(2);
  });

  it("never refuses a key created after unknown keys were refused", async () => {
    const store = fakeStore();
    const cache = createApiKeyCache(store.apiKeys, fakeChanges().changes);
    for (let i = 0; i < 20; i++) await cache.authenticate(`mv_sdk_${String(i).padStart(32, "9")}`);
    const { key } = await store.apiKeys.create("a", "ADMIN");
    expect(await cache.authenticate(key)).toMatchObject({ account: "a", role: "ADMIN" });
  });

  it("drops a key when its revocation is announced, and announces its own revocations", async () => {
    const store = fakeStore();
    const { changes, state, hear } = fakeChanges();
    const cache = createApiKeyCache(store.apiKeys, changes);
    const mine = await store.apiKeys.create("a", "SDK");
    const theirs = await store.apiKeys.create("a", "SDK");
    await cache.authenticate(mine.key);
    await cache.authenticate(theirs.key);

    expect(await cache.revoke("a", mine.id)).toBe(true);
    expect(state.announced).toEqual([{ type: "apiKeyRevoked", account: "a", keyId: mine.id }]);
    expect(await cache.authenticate(mine.key)).toBeUndefined();

    await store.apiKeys.revoke("a", theirs.id); // another gateway's revocation: the store changed, then the announcement
    expect(cache.known(theirs.key)).toBeDefined();
    hear({ type: "apiKeyRevoked", account: "a", keyId: theirs.id });
    expect(cache.known(theirs.key)).toBeUndefined();
    expect(await cache.authenticate(theirs.key)).toBeUndefined();
  });

  it("does not keep a look-up that was under way when a revocation was announced", async () => {
    const store = fakeStore();
    const { changes, hear } = fakeChanges();
    const cache = createApiKeyCache(store.apiKeys, changes);
    const { id, key } = await store.apiKeys.create("a", "SDK");
    const release = store.hold();
    const underWay = cache.authenticate(key);
    await store.apiKeys.revoke("a", id);
    hear({ type: "apiKeyRevoked", account: "a", keyId: id });
    release();
    expect(await underWay).toBeDefined(); // it read the store before the revocation
    expect(await cache.authenticate(key)).toBeUndefined();
  });

  it("reads the store on every request while announcements may be missed, and forgets all it knew after", async () => {
    const store = fakeStore();
    const { changes, state, hear } = fakeChanges();
    const cache = createApiKeyCache(store.apiKeys, changes);
    const { id, key } = await store.apiKeys.create("a", "SDK");
    await cache.authenticate(key);
    state.listening = false;
    expect(cache.known(key)).toBeUndefined();
    const before = store.counts.lookUps;
    await cache.authenticate(key);
    await cache.authenticate(key);
    expect(store.counts.lookUps).toBe(before + 2);

    // Revoked elsewhere while this process heard nothing: the reconnect says changes were missed.
    await store.apiKeys.revoke("a", id);
    hear({ type: "missed" });
    state.listening = true;
    expect(cache.known(key)).toBeUndefined();
    expect(await cache.authenticate(key)).toBeUndefined();
  });
});
