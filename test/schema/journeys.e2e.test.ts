import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JourneyCatalog, openJourneyCatalog } from "../../actors/journey/index.ts";
import { abandonedCart } from "../support/abandonedCart.ts";
import { createWorld, type GraphQLResult, uniqueId, type World } from "../support/world.ts";

type Journey = {
  id: string;
  name: string;
  status: string;
  version: number;
  definition: Record<string, unknown>;
  steps: { stepId: string; type: string; active: number; entered: number; completed: number }[];
  entered: number;
  active: number;
  exited: number;
};

const FIELDS = "id name status version definition steps { stepId type active entered completed } entered active exited";

let world: World;
let other: World;
let catalog: JourneyCatalog;

beforeAll(async () => {
  world = await createWorld();
  other = await createWorld();
  catalog = await openJourneyCatalog(world.link.nc, pino({ level: "silent" }));
});
afterAll(async () => {
  await catalog?.stop();
  await world?.close();
  await other?.close();
});

async function createTemplate(content: Record<string, unknown>): Promise<string> {
  const result = await world.graphql<{ createTemplate: { id: string } }>(
    "mutation($input: TemplateInput!) { createTemplate(input: $input) { id } }",
    { input: { name: uniqueId("tpl"), ...content } },
  );
  expect(result.errors).toBeUndefined();
  return result.data?.createTemplate.id as string;
}

const emailTemplate = () => createTemplate({ channel: "EMAIL", email: { subject: "Your cart", text: "Come back" } });

async function updateTemplate(id: string) {
  const result = await world.graphql(
    "mutation($id: ID!, $input: TemplateInput!) { updateTemplate(id: $id, input: $input) { version } }",
    { id, input: { name: "again", channel: "EMAIL", email: { subject: "Still here", text: "Come back" } } },
  );
  expect(result.errors).toBeUndefined();
}

async function journeyCall<K extends string>(
  mutation: K,
  args: string,
  variables: Record<string, unknown>,
  on: World = world,
): Promise<GraphQLResult<Record<K, Journey>>> {
  const params = Object.keys(variables)
    .map((name) => `$${name}: ${name === "id" ? "ID!" : name === "input" ? INPUT_TYPES[mutation] : "JSON"}`)
    .join(", ");
  return on.graphql<Record<K, Journey>>(`mutation(${params}) { ${mutation}(${args}) { ${FIELDS} } }`, variables);
}

const INPUT_TYPES: Record<string, string> = { createJourney: "JourneyInput!", updateJourney: "JourneyChangeInput!" };

async function create(definition: unknown, name = "Abandoned cart") {
  return journeyCall("createJourney", "input: $input", { input: { name, definition } });
}

async function created(definition: unknown): Promise<Journey> {
  const result = await create(definition);
  expect(result.errors).toBeUndefined();
  return result.data?.createJourney as Journey;
}

const act = <K extends string>(mutation: K, id: string, on: World = world) =>
  journeyCall(mutation, "id: $id", { id }, on);

async function published(id: string): Promise<Journey> {
  const result = await act("publishJourney", id);
  expect(result.errors).toBeUndefined();
  return result.data?.publishJourney as Journey;
}

describe("createJourney", () => {
  it("makes a DRAFT at version 1 with zero counters for each step", async () => {
    const templateId = await emailTemplate();
    const journey = await created(abandonedCart(templateId));
    expect(journey).toMatchObject({
      name: "Abandoned cart",
      status: "DRAFT",
      version: 1,
      entered: 0,
      active: 0,
      exited: 0,
    });
    expect(journey.id).toMatch(/^jrn_[0-9a-f]+$/);
    expect(journey.definition).toEqual(abandonedCart(templateId));
    expect(journey.steps.map((step) => [step.stepId, step.type, step.active])).toEqual([
      ["wait", "waitFor", 0],
      ["remind", "send", 0],
      ["done", "exit", 0],
    ]);
  });

  it("refuses a definition naming every problem under input.definition", async () => {
    const definition = abandonedCart("tpl");
    const broken = {
      ...definition,
      start: "remnd",
      steps: { ...definition.steps, wait: { ...definition.steps.wait, timeoutSeconds: 0 } },
    };
    const result = await create(broken);
    expect(result.data).toBeNull();
    const [error] = result.errors ?? [];
    expect(error?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error?.message).toContain(
      "input.definition.steps.wait.timeoutSeconds: must be an integer from 1 to 31536000",
    );
    expect(error?.extensions?.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: "input.definition.steps.wait.timeoutSeconds" })]),
    );
  });

  it("refuses a definition that is not an object, naming input.definition", async () => {
    const result = await create("send everyone a mail");
    expect(result.errors?.[0]?.message).toMatch(/^input\.definition: must be an object/);
  });

  it("refuses an empty name", async () => {
    const result = await create(abandonedCart("tpl"), "  ");
    expect(result.errors?.[0]?.message).toMatch(/^input\.name: must not be empty/);
  });
});

describe("publishJourney", () => {
  it("refuses a template the account does not have, naming the step and the template", async () => {
    const journey = await created(abandonedCart("tpl_missing"));
    const result = await act("publishJourney", journey.id);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toBe(
      "definition.steps.remind.templateId: step remind sends template tpl_missing, which does not exist in the account",
    );
    expect((await readJourney(journey.id))?.status).toBe("DRAFT");
  });

  it("refuses an audience the account does not have, naming where the definition names it", async () => {
    const templateId = await emailTemplate();
    const definition = { ...abandonedCart(templateId), exit: { audienceExit: ["aud_gone"] } };
    const journey = await created(definition);
    const result = await act("publishJourney", journey.id);
    expect(result.errors?.[0]?.message).toBe(
      "definition.exit.audienceExit[0]: the exit's audience aud_gone does not exist in the account",
    );
  });

  it("accepts an audience of the account", async () => {
    const templateId = await emailTemplate();
    const audienceId = uniqueId("aud");
    await world.services.audiences.create({
      _id: audienceId,
      account: world.account,
      name: audienceId,
      kind: "STATIC",
    });
    const journey = await created({ ...abandonedCart(templateId), exit: { audienceExit: [audienceId] } });
    expect((await published(journey.id)).status).toBe("LIVE");
  });

  it("makes the draft LIVE with its templates pinned at their current versions, which the catalog shows", async () => {
    const templateId = await emailTemplate();
    await updateTemplate(templateId);
    const journey = await created(abandonedCart(templateId));
    const live = await published(journey.id);
    expect(live).toMatchObject({ status: "LIVE", version: 1, definition: abandonedCart(templateId) });

    await catalog.caughtUp();
    const version = catalog.version(world.account, journey.id, 1);
    expect(version).toMatchObject({ journeyId: journey.id, account: world.account, version: 1 });
    expect(version?.templates).toEqual({ [templateId]: { channel: "EMAIL", version: 2 } });
    expect(version?.definition.start).toBe("wait");
    expect(catalog.status(world.account, journey.id)).toBe("LIVE");
    expect(catalog.liveJourneys(world.account).map((v) => [v.journeyId, v.version])).toContainEqual([journey.id, 1]);

    // A template updated after the publish does not move what the version sends.
    await updateTemplate(templateId);
    expect((await world.services.journeys.version(world.account, journey.id, 1))?.templates[templateId]?.version).toBe(
      2,
    );
  });

  it("publishes an edit as the next version, keeping the earlier one for the instances pinned to it", async () => {
    const templateId = await emailTemplate();
    const journey = await created(abandonedCart(templateId));
    await published(journey.id);
    const edited = { ...abandonedCart(templateId), reentry: { mode: "never" } };
    const update = await journeyCall("updateJourney", "id: $id, input: $input", {
      id: journey.id,
      input: { definition: edited },
    });
    expect(update.data?.updateJourney).toMatchObject({ status: "LIVE", version: 2, definition: edited });

    const again = await journeyCall("updateJourney", "id: $id, input: $input", {
      id: journey.id,
      input: { name: "Carts" },
    });
    expect(again.data?.updateJourney).toMatchObject({ name: "Carts", version: 2, definition: edited });

    expect(await published(journey.id)).toMatchObject({ status: "LIVE", version: 2 });
    await catalog.caughtUp();
    expect(catalog.version(world.account, journey.id, 1)?.definition.reentry).toEqual({
      mode: "concurrent",
      maxInstances: 5,
    });
    expect(catalog.version(world.account, journey.id, 2)?.definition.reentry).toEqual({ mode: "never" });
    const live = catalog.liveJourneys(world.account).filter((v) => v.journeyId === journey.id);
    expect(live.map((v) => v.version)).toEqual([2]);
  });

  it("refuses a publish with no draft", async () => {
    const templateId = await emailTemplate();
    const journey = await created(abandonedCart(templateId));
    await published(journey.id);
    const result = await act("publishJourney", journey.id);
    expect(result.errors?.[0]?.message).toBe(
      `id: journey ${journey.id} has no draft to publish: version 1 is published; updateJourney edits the next`,
    );
  });
});

describe("pauseJourney, resumeJourney, archiveJourney", () => {
  it("move a LIVE journey to PAUSED, back to LIVE, then to ARCHIVED for good, as the catalog shows", async () => {
    const templateId = await emailTemplate();
    const journey = await created(abandonedCart(templateId));
    await published(journey.id);

    expect((await act("pauseJourney", journey.id)).data?.pauseJourney.status).toBe("PAUSED");
    await catalog.caughtUp();
    expect(catalog.status(world.account, journey.id)).toBe("PAUSED");
    expect(catalog.liveJourneys(world.account).map((v) => v.journeyId)).not.toContain(journey.id);

    expect((await act("resumeJourney", journey.id)).data?.resumeJourney.status).toBe("LIVE");
    await catalog.caughtUp();
    expect(catalog.status(world.account, journey.id)).toBe("LIVE");
    expect(catalog.liveJourneys(world.account).map((v) => v.journeyId)).toContain(journey.id);

    expect((await act("archiveJourney", journey.id)).data?.archiveJourney.status).toBe("ARCHIVED");
    await catalog.caughtUp();
    expect(catalog.status(world.account, journey.id)).toBe("ARCHIVED");
    expect(catalog.liveJourneys(world.account).map((v) => v.journeyId)).not.toContain(journey.id);
    expect(catalog.version(world.account, journey.id, 1)?.version).toBe(1);
  });

  it("refuse the wrong transitions with what the journey is", async () => {
    const journey = await created(abandonedCart("tpl"));
    const refusal = async (mutation: string) => (await act(mutation, journey.id)).errors?.[0]?.message;
    expect(await refusal("pauseJourney")).toBe(`id: journey ${journey.id} is DRAFT: only a LIVE journey can be paused`);
    expect(await refusal("resumeJourney")).toBe(
      `id: journey ${journey.id} is DRAFT: only a PAUSED journey can be resumed`,
    );
    expect((await act("archiveJourney", journey.id)).data?.archiveJourney.status).toBe("ARCHIVED");
    expect(await refusal("archiveJourney")).toBe(`id: journey ${journey.id} is ARCHIVED: archiving is final`);
    expect(await refusal("publishJourney")).toBe(
      `id: journey ${journey.id} is ARCHIVED: an archived journey cannot be published`,
    );
    const update = await journeyCall("updateJourney", "id: $id, input: $input", {
      id: journey.id,
      input: { name: "x" },
    });
    expect(update.errors?.[0]?.message).toBe(
      `id: journey ${journey.id} is ARCHIVED: an archived journey cannot change`,
    );
  });
});

async function readJourney(id: string, on: World = world): Promise<Journey | null | undefined> {
  const result = await on.graphql<{ journey: Journey | null }>(`query($id: ID!) { journey(id: $id) { ${FIELDS} } }`, {
    id,
  });
  expect(result.errors).toBeUndefined();
  return result.data?.journey;
}

describe("another account", () => {
  it("neither reads nor changes the journey", async () => {
    const journey = await created(abandonedCart("tpl"));
    expect(await readJourney(journey.id, other)).toBeNull();
    const listed = await other.graphql<{ journeys: { id: string }[] }>("{ journeys { id } }");
    expect(listed.data?.journeys.map((j) => j.id)).not.toContain(journey.id);
    for (const mutation of ["publishJourney", "pauseJourney", "resumeJourney", "archiveJourney"]) {
      const result = await act(mutation, journey.id, other);
      expect(result.errors?.[0]).toMatchObject({
        message: `journey ${journey.id} not found`,
        extensions: { code: "NOT_FOUND" },
      });
    }
    const update = await journeyCall(
      "updateJourney",
      "id: $id, input: $input",
      { id: journey.id, input: { name: "mine" } },
      other,
    );
    expect(update.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(await readJourney(journey.id)).toMatchObject({ name: "Abandoned cart", status: "DRAFT" });
  });

  it("lists only its own journeys, oldest first", async () => {
    const first = await created(abandonedCart("tpl"));
    const second = await created(abandonedCart("tpl"));
    const listed = await world.graphql<{ journeys: { id: string }[] }>("{ journeys { id } }");
    const ids = listed.data?.journeys.map((j) => j.id) ?? [];
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
  });
});

describe("configureMessaging", () => {
  it("reaches the catalog the customer workers read journey sends' caps and quiet hours from", async () => {
    expect(catalog.messaging(world.account)).toEqual({ caps: [] });
    const result = await world.graphql(
      `mutation { configureMessaging(input: { timezone: "Europe/Madrid", caps: [{ max: 2, per: DAY }] }) { timezone } }`,
    );
    expect(result.errors).toBeUndefined();
    await catalog.caughtUp();
    expect(catalog.messaging(world.account)).toEqual({
      timezone: "Europe/Madrid",
      caps: [{ channel: null, max: 2, per: "DAY" }],
    });
  });
});

describe("journey keys", () => {
  it("are refused to SDK keys", async () => {
    const key = await world.graphql<{ createApiKey: { key: string } }>("mutation { createApiKey(role: SDK) { key } }");
    const result = await world.graphql("{ journeys { id } }", {}, key.data?.createApiKey.key);
    expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("Journey counters", () => {
  it("show what the stats tracker counted, steps of the definition first, zeros where nothing was counted", async () => {
    const journey = await created(abandonedCart("tpl"));
    const counted = await world.services.journeyStats.add(
      journey.id,
      world.account,
      {
        entered: 3,
        active: 2,
        exited: 1,
        steps: {
          wait: { type: "waitFor", entered: 3, active: 1, completed: 1 },
          old: { type: "delay", entered: 1, active: 1, completed: 0 },
        },
      },
      0,
      10,
    );
    expect(counted).toBe(true);
    expect(await readJourney(journey.id)).toMatchObject({
      entered: 3,
      active: 2,
      exited: 1,
      steps: [
        { stepId: "wait", type: "waitFor", entered: 3, active: 1, completed: 1 },
        { stepId: "remind", type: "send", entered: 0, active: 0, completed: 0 },
        { stepId: "done", type: "exit", entered: 0, active: 0, completed: 0 },
        { stepId: "old", type: "delay", entered: 1, active: 1, completed: 0 },
      ],
    });
  });
});
