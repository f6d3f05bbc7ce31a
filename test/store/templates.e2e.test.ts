import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TemplateContent } from "../../model/index.ts";
import {
  connectStore,
  prepareTemplates,
  type Store,
  TemplateChannelChangeError,
  type TemplateDraft,
  TemplateNotFoundError,
  type Templates,
  templatesRepository,
} from "../../store/index.ts";
import { isolatedMongoUrl, uniqueId } from "../support/world.ts";

let store: Store;
let templates: Templates;

beforeAll(async () => {
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
  await prepareTemplates(store.db);
  templates = templatesRepository(store.db);
});
afterAll(async () => {
  await store?.close();
});

const emailContent = (subject: string): TemplateContent => ({ channel: "EMAIL", email: { subject, text: "Hi" } });
const draft = (subject: string): TemplateDraft => ({
  name: "welcome",
  category: "MARKETING",
  content: emailContent(subject),
});

describe("templates", () => {
  it("creates version 1 and each update the next, every version kept as written", async () => {
    const account = uniqueId("acct");
    const first = await templates.create(account, draft("one"));
    expect(first).toMatchObject({ version: 1, name: "welcome", category: "MARKETING", content: emailContent("one") });
    const second = await templates.update(account, first.templateId, { ...draft("two"), category: "TRANSACTIONAL" });
    expect(second).toMatchObject({ templateId: first.templateId, version: 2, category: "TRANSACTIONAL" });

    expect(await templates.version(account, first.templateId)).toEqual(second);
    expect(await templates.version(account, first.templateId, 1)).toEqual(first);
    expect(await templates.version(account, first.templateId, 3)).toBeUndefined();
  });

  it("stores optional fields left out as absent", async () => {
    const account = uniqueId("acct");
    const created = await templates.create(account, {
      name: "push",
      category: "MARKETING",
      content: { channel: "PUSH", push: { title: "t", body: "b", imageUrl: undefined } },
    });
    expect((await templates.version(account, created.templateId))?.content).toStrictEqual({
      channel: "PUSH",
      push: { title: "t", body: "b" },
    });
  });

  it("lists the latest version of each template, oldest template first", async () => {
    const account = uniqueId("acct");
    const a = await templates.create(account, draft("a1"));
    const b = await templates.create(account, draft("b1"));
    const a2 = await templates.update(account, a.templateId, draft("a2"));
    expect(await templates.list(account)).toEqual([a2, b]);
    expect(await templates.list(uniqueId("acct"))).toEqual([]);
  });

  it("reads another account's template as not found", async () => {
    const owner = uniqueId("acct");
    const other = uniqueId("acct");
    const created = await templates.create(owner, draft("mine"));
    expect(await templates.version(other, created.templateId)).toBeUndefined();
    expect(await templates.version(other, created.templateId, 1)).toBeUndefined();
    await expect(templates.update(other, created.templateId, draft("theirs"))).rejects.toBeInstanceOf(
      TemplateNotFoundError,
    );
    expect(await templates.version(owner, created.templateId)).toEqual(created);
  });

  it("gives concurrent updates distinct, consecutive versions, losing none", async () => {
    const account = uniqueId("acct");
    const created = await templates.create(account, draft("v1"));
    const updates = await Promise.all(
      Array.from({ length: 12 }, (_, index) => templates.update(account, created.templateId, draft(`u${index}`))),
    );
    expect(updates.map((update) => update.version).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 12 }, (_, index) => index + 2),
    );
    for (const update of updates) {
      expect(await templates.version(account, created.templateId, update.version)).toEqual(update);
    }
  });

  it("refuses a new version on another channel", async () => {
    const account = uniqueId("acct");
    const created = await templates.create(account, draft("email"));
    await expect(
      templates.update(account, created.templateId, {
        name: "now push",
        category: "MARKETING",
        content: { channel: "PUSH", push: { title: "t", body: "b" } },
      }),
    ).rejects.toBeInstanceOf(TemplateChannelChangeError);
  });
});
