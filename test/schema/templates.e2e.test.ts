import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storedCustomer } from "../support/storedCustomer.ts";
import { createWorld, type GraphQLResult, uniqueId, type World } from "../support/world.ts";

let a: World;
let b: World;
let sdkKey: string;
beforeAll(async () => {
  const database = uniqueId("db");
  [a, b] = await Promise.all([createWorld({ database }), createWorld({ database })]);
  const created = await a.graphql<{ createApiKey: { key: string } }>("mutation { createApiKey(role: SDK) { key } }");
  sdkKey = created.data?.createApiKey.key ?? "";
  expect(sdkKey).not.toBe("");
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const FIELDS = `id name channel category version createdAt
  email { subject html text }
  push { title body imageUrl data deepLink ttlSeconds }
  whatsapp { templateName language bodyParameters headerParameters }
  inApp { title body imageUrl buttons payload expiresInSeconds }`;

const CREATE = `mutation($input: TemplateInput!) { createTemplate(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: TemplateInput!) { updateTemplate(id: $id, input: $input) { ${FIELDS} } }`;
const TEMPLATE = `query($id: ID!) { template(id: $id) { ${FIELDS} } }`;
const TEMPLATES = `{ templates { id name version } }`;
const RENDER = `query($id: ID!, $customerId: ID!, $version: Int, $data: JSON) {
  renderTemplate(id: $id, customerId: $customerId, version: $version, data: $data) {
    channel email { subject html text } push { title body data } whatsapp { templateName bodyParameters } inApp { title }
  }
}`;

type Template = { id: string; name: string; channel: string; category: string; version: number } & Record<
  string,
  unknown
>;

const welcome = {
  name: "Welcome",
  channel: "EMAIL",
  email: {
    subject: "Welcome, {{ customer.firstName }}",
    html: "<p>Hi {{ customer.firstName }}, your plan: {{ customer.attributes.plan }}</p><a href='{{ unsubscribeUrl }}'>x</a>",
    text: "Hi {{ customer.firstName }} ({{ data.code | default: 'no code' }})",
  },
};

async function create(world: World, input: object): Promise<Template> {
  const result = await world.graphql<{ createTemplate: Template }>(CREATE, { input });
  expect(result.errors).toBeUndefined();
  return result.data?.createTemplate as Template;
}

function errorOf(result: GraphQLResult<unknown>) {
  expect(result.errors).toHaveLength(1);
  return result.errors?.[0] as { message: string; extensions: Record<string, unknown> };
}

describe("templates through the gateway", () => {
  it("creates version 1, updates to version 2, and reads the latest", async () => {
    const created = await create(a, welcome);
    expect(created).toMatchObject({
      name: "Welcome",
      channel: "EMAIL",
      category: "MARKETING",
      version: 1,
      email: welcome.email,
      push: null,
      whatsapp: null,
      inApp: null,
    });
    const updated = await a.graphql<{ updateTemplate: Template }>(UPDATE, {
      id: created.id,
      input: { ...welcome, category: "TRANSACTIONAL", email: { subject: "Hello again", text: "plain" } },
    });
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateTemplate).toMatchObject({
      id: created.id,
      version: 2,
      category: "TRANSACTIONAL",
      email: { subject: "Hello again", html: null, text: "plain" },
    });
    const read = await a.graphql<{ template: Template }>(TEMPLATE, { id: created.id });
    expect(read.data?.template).toMatchObject({ version: 2, email: { subject: "Hello again" } });
    const listed = await a.graphql<{ templates: Template[] }>(TEMPLATES);
    expect(listed.data?.templates.filter((template) => template.id === created.id)).toEqual([
      { id: created.id, name: "Welcome", version: 2 },
    ]);
  });

  it("refuses a Liquid field that does not parse, naming the field, line and column", async () => {
    const result = await a.graphql(CREATE, {
      input: { ...welcome, email: { subject: "ok", html: "<p>\n  {{ customer.firstName | shout }}</p>" } },
    });
    const error = errorOf(result);
    expect(error.message).toBe("input.email.html: does not parse at line 2, column 3: undefined filter: shout");
    expect(error.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      issues: [{ field: "input.email.html", line: 2, column: 3 }],
    });
  });

  it("needs exactly the content its channel names", async () => {
    const mismatched = errorOf(
      await a.graphql(CREATE, { input: { name: "x", channel: "PUSH", email: welcome.email } }),
    );
    expect(mismatched.extensions).toMatchObject({ code: "BAD_USER_INPUT", issues: [{ field: "input.push" }] });
    const both = errorOf(
      await a.graphql(CREATE, {
        input: { name: "x", channel: "PUSH", push: { title: "t", body: "b" }, email: welcome.email },
      }),
    );
    expect(both.message).toMatch(/^input\.push: a PUSH template needs push and no other content \(got email, push\)/);
    const bounds = errorOf(
      await a.graphql(CREATE, {
        input: { name: "x", channel: "WHATSAPP", whatsapp: { templateName: "Not Valid", language: "en" } },
      }),
    );
    expect(bounds.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      issues: [{ field: "input.whatsapp.templateName" }],
    });
  });

  it("refuses an update that changes the channel", async () => {
    const created = await create(a, welcome);
    const error = errorOf(
      await a.graphql(UPDATE, { id: created.id, input: { name: "x", channel: "IN_APP", inApp: { title: "t" } } }),
    );
    expect(error.extensions.code).toBe("BAD_USER_INPUT");
    expect(error.message).toMatch(/channel cannot change/);
  });

  it("renders a preview with the stored customer's data, escaping only the HTML", async () => {
    const customerId = uniqueId("c");
    await a.services.customers.writeMany([
      {
        document: storedCustomer(a.account, customerId, {
          profile: { email: "ana@example.com", firstName: "Ana <3" },
          attributes: { plan: "gold" },
        }),
        readVersion: 0,
      },
    ]);
    const created = await create(a, welcome);
    const rendered = await a.graphql<{ renderTemplate: unknown }>(RENDER, { id: created.id, customerId });
    expect(rendered.errors).toBeUndefined();
    expect(rendered.data?.renderTemplate).toEqual({
      channel: "EMAIL",
      email: {
        subject: "Welcome, Ana <3",
        html: "<p>Hi Ana &lt;3, your plan: gold</p><a href='https://unsubscribe.invalid/preview'>x</a>",
        text: "Hi Ana <3 (no code)",
      },
      push: null,
      whatsapp: null,
      inApp: null,
    });
    const withData = await a.graphql<{ renderTemplate: { email: { text: string } } }>(RENDER, {
      id: created.id,
      customerId,
      data: { code: "SPRING" },
    });
    expect(withData.data?.renderTemplate.email.text).toBe("Hi Ana <3 (SPRING)");

    const updated = await a.graphql<{ updateTemplate: Template }>(UPDATE, {
      id: created.id,
      input: { ...welcome, email: { subject: "v2 for {{ customer.email }}", text: "v2" } },
    });
    expect(updated.errors).toBeUndefined();
    const latest = await a.graphql<{ renderTemplate: { email: { subject: string } } }>(RENDER, {
      id: created.id,
      customerId,
    });
    expect(latest.data?.renderTemplate.email.subject).toBe("v2 for ana@example.com");
    const pinned = await a.graphql<{ renderTemplate: { email: { subject: string } } }>(RENDER, {
      id: created.id,
      customerId,
      version: 1,
    });
    expect(pinned.data?.renderTemplate.email.subject).toBe("Welcome, Ana <3");
  });

  it("fails a preview naming the variable the customer does not have", async () => {
    const customerId = uniqueId("c");
    await a.services.customers.writeMany([
      { document: storedCustomer(a.account, customerId, { profile: { email: "bo@example.com" } }), readVersion: 0 },
    ]);
    const created = await create(a, {
      name: "push",
      channel: "PUSH",
      push: { title: "Hi", body: "Hello {{ customer.firstName }}" },
    });
    const error = errorOf(await a.graphql(RENDER, { id: created.id, customerId }));
    expect(error.message).toBe("cannot render push.body: undefined variable: customer.firstName (line 1, column 10)");
    expect(error.extensions).toMatchObject({
      code: "RENDER_FAILED",
      field: "push.body",
      variable: "customer.firstName",
    });
  });

  it("answers NOT_FOUND for a missing template, version or customer", async () => {
    const created = await create(a, welcome);
    const customerId = uniqueId("c");
    await a.services.customers.writeMany([{ document: storedCustomer(a.account, customerId), readVersion: 0 }]);
    for (const variables of [
      { id: "nope", customerId },
      { id: created.id, customerId, version: 9 },
      { id: created.id, customerId: uniqueId("c") },
    ]) {
      expect(errorOf(await a.graphql(RENDER, variables)).extensions.code).toBe("NOT_FOUND");
    }
  });

  it("keeps each account's templates to itself", async () => {
    const created = await create(a, welcome);
    expect((await b.graphql<{ template: unknown }>(TEMPLATE, { id: created.id })).data?.template).toBeNull();
    expect(
      (await b.graphql<{ templates: Template[] }>(TEMPLATES)).data?.templates.map((template) => template.id),
    ).not.toContain(created.id);
    const update = errorOf(await b.graphql(UPDATE, { id: created.id, input: welcome }));
    expect(update.extensions.code).toBe("NOT_FOUND");
    expect((await a.graphql<{ template: Template }>(TEMPLATE, { id: created.id })).data?.template.version).toBe(1);
  });

  it("is for ADMIN keys only", async () => {
    expect(errorOf(await a.graphql(CREATE, { input: welcome }, sdkKey)).extensions.code).toBe("FORBIDDEN");
    expect(errorOf(await a.graphql(TEMPLATES, {}, sdkKey)).extensions.code).toBe("FORBIDDEN");
    expect(errorOf(await a.graphql(TEMPLATES, {}, null)).extensions.code).toBe("UNAUTHENTICATED");
  });
});
