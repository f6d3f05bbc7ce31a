import { ConnectionError } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, startAuthentication } from "../../gateway/index.ts";
import type { AudienceOperations } from "../../model/index.ts";
import type { Services } from "../../schema/index.ts";
import { apiKeysRepository, audiencesRepository } from "../../store/index.ts";
import { createWorld, TEST_ROOT_KEY, type World } from "../support/world.ts";

/**
 * Errors of ours that clients were not meant to read (a store that cannot be reached, NATS refusing,
 * a bug) are answered in stable words with a reference; the full error is logged under it.
 */
let world: World;
/** A store nothing listens for: the driver's errors name its address. */
const unreachable = new MongoClient("mongodb://127.0.0.1:1/masivo?serverSelectionTimeoutMS=300&directConnection=true");
const INTERNALS = ["127.0.0.1", "ECONNREFUSED", "Mongo", "nats-0.internal", "operations.ts", "Cannot read"];

type Logged = { details: Record<string, unknown>; message: string };
let logged: Logged[] = [];
let failure: Error = new Error("set by each test");

beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
  await unreachable.close();
});

/** A gateway over the world's services, with `override` in place and a log the test reads. */
async function gatewayWith(override: Partial<Services>) {
  logged = [];
  const log = (details: unknown, message?: unknown) =>
    logged.push({ details: details as Record<string, unknown>, message: String(message) });
  const noop = () => {};
  const logger = { debug: noop, info: noop, warn: noop, error: log };
  const services = { ...world.services, ...override };
  const authentication = await startAuthentication({ link: world.link, ...services, log: logger });
  const gateway = createGateway({ services, rootKey: TEST_ROOT_KEY, authentication, logger });
  return { gateway, stop: authentication.stop };
}

async function ask(override: Partial<Services>, query: string, variables?: Record<string, unknown>) {
  const { gateway, stop } = await gatewayWith(override);
  const response = await Promise.resolve(
    gateway.fetch("http://masivo.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${world.adminKey}` },
      body: JSON.stringify({ query, variables }),
    }),
  ).finally(stop);
  const text = await response.text();
  const body = JSON.parse(text) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
  return { status: response.status, text, error: body.errors?.[0] };
}

/** The answer names nothing internal, and the log holds the full error under the answer's reference. */
function expectMasked(answer: Awaited<ReturnType<typeof ask>>, thrown: () => string) {
  for (const internal of INTERNALS) expect(answer.text).not.toContain(internal);
  const ref = answer.error?.extensions?.ref;
  expect(ref).toMatch(/^ref_[0-9a-f]{12}$/);
  expect(answer.error?.message).toContain(`(ref ${ref})`);
  const entry = logged.find((line) => line.details.ref === ref);
  expect((entry?.details.err as Error | undefined)?.message).toBe(thrown());
}

const failingOperations = (): AudienceOperations =>
  ({ create: async () => Promise.reject(failure) }) as unknown as AudienceOperations;
const CREATE = 'mutation { createAudience(input: { name: "vip", rules: { tag: "vip" } }) { id } }';

describe("unexpected errors", () => {
  it("answer a store that cannot be reached as UNAVAILABLE, with a reference, and log it in full", async () => {
    let thrown = "";
    const audiences = audiencesRepository(unreachable.db());
    const answer = await ask(
      {
        audiences: {
          ...audiences,
          list: (account) =>
            audiences.list(account).catch((error: Error) => {
              thrown = error.message;
              throw error;
            }),
        },
      },
      "{ audiences { id } }",
    );
    expect(answer.status).toBe(503);
    expect(answer.error?.extensions?.code).toBe("UNAVAILABLE");
    expect(answer.error?.message).toMatch(/^the store is unavailable; retry \(ref ref_[0-9a-f]{12}\)$/);
    expect(thrown).toContain("127.0.0.1:1");
    expectMasked(answer, () => thrown);
  });

  it("answer a store failure while reading the key the same way", async () => {
    const answer = await ask({ apiKeys: apiKeysRepository(unreachable.db()) }, "{ audiences { id } }");
    expect(answer.error?.extensions?.code).toBe("UNAVAILABLE");
    for (const internal of INTERNALS) expect(answer.text).not.toContain(internal);
  });

  it("answer NATS refusing a connection as UNAVAILABLE", async () => {
    failure = new ConnectionError("connection refused: nats://nats-0.internal:4222");
    const answer = await ask({ audienceOperations: failingOperations() }, CREATE);
    expect(answer.error?.extensions?.code).toBe("UNAVAILABLE");
    expect(answer.error?.message).toMatch(/^NATS is unavailable; retry \(ref /);
    expectMasked(answer, () => failure.message);
  });

  it("answer a bug as INTERNAL_SERVER_ERROR, in development too, without the original error", async () => {
    failure = new TypeError("Cannot read properties of undefined (reading 'x') at actors/audience/operations.ts:42");
    const environment = process.env.NODE_ENV;
    process.env.NODE_ENV = "development";
    try {
      const answer = await ask({ audienceOperations: failingOperations() }, CREATE);
      expect(answer.error?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
      expect(answer.error?.extensions?.originalError).toBeUndefined();
      expect(answer.error?.message).toMatch(/^Unexpected error \(ref ref_[0-9a-f]{12}\)$/);
      expectMasked(answer, () => failure.message);
    } finally {
      process.env.NODE_ENV = environment;
    }
  });

  it("leave errors written for clients as they are", async () => {
    const answer = await ask({}, 'mutation { createAudience(input: { name: "", rules: { tag: "vip" } }) { id } }');
    expect(answer.error?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(answer.error?.extensions?.ref).toBeUndefined();
    expect(logged).toEqual([]);
  });
});
