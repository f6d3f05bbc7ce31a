import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AudienceCatalog,
  type AudienceCatalogWriter,
  openAudienceCatalogWriter,
  watchAudienceCatalog,
} from "../../../actors/audience/catalog.ts";
import type { AudienceDocument } from "../../../store/index.ts";
import { connectNats, type NatsLink } from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";

let nats: PrivateNats;
let link: NatsLink;
let writer: AudienceCatalogWriter;
let catalog: AudienceCatalog;

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "catalog-test");
  writer = await openAudienceCatalogWriter(link.nc);
  catalog = await watchAudienceCatalog(link.nc, pino({ level: "silent" }));
});
afterAll(async () => {
  await catalog?.stop();
  await link?.close();
  await nats?.close();
});

const audience = (name: string): AudienceDocument => ({
  _id: "aud_1",
  account: "acme",
  name,
  kind: "RULES",
  rules: { tag: "vip" },
  ruleVersion: 1,
  size: 0,
  deleting: false,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe("the audience catalog a customer worker watches", () => {
  it("once caught up, holds every rename written before, at once", async () => {
    await catalog.caughtUp();
    expect(catalog.rulesOf("acme")).toEqual([]);
    for (let round = 0; round < 50; round++) {
      const name = `VIP Customers ${round}`;
      await writer.publish(audience(name));
      await catalog.caughtUp();
      expect(catalog.rulesOf("acme").map((rule) => rule.name)).toEqual([name]);
    }
    await writer.withdraw("acme", "aud_1");
    await catalog.caughtUp();
    expect(catalog.rulesOf("acme")).toEqual([]);
  });

  it("holds the audiences whose pushTopic is on, STATIC ones too, and none once it is off or deleting", async () => {
    const topicOf = (kind: "RULES" | "STATIC", pushTopic: boolean, deleting = false): AudienceDocument => ({
      ...audience("Topic"),
      _id: "aud_topic",
      kind,
      ...(kind === "STATIC" ? { rules: undefined } : {}),
      pushTopic,
      deleting,
    });
    const topics = async () => {
      await catalog.caughtUp();
      return [...catalog.pushTopicsOf("acme")];
    };
    await writer.publish(topicOf("STATIC", true));
    expect(await topics()).toEqual(["aud_topic"]);
    expect(catalog.rulesOf("acme").map((rule) => rule.id)).not.toContain("aud_topic");
    await writer.publish(topicOf("STATIC", false));
    expect(await topics()).toEqual([]);
    await writer.publish(topicOf("RULES", true));
    expect(await topics()).toEqual(["aud_topic"]);
    expect(catalog.rulesOf("acme").map((rule) => rule.id)).toContain("aud_topic");
    await writer.publish(topicOf("RULES", true, true));
    expect(await topics()).toEqual([]);
  });
});
