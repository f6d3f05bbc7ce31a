import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { printedSchema, SCHEMA_FILE } from "../../schema/print.ts";

describe("schema/schema.graphql", () => {
  it("matches the schema the code builds (run `npm run schema:print` after changing it)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(printedSchema());
  });

  it("keeps the operations docs/graphql.md names", () => {
    const sdl = printedSchema();
    for (const name of [
      "createAccount(id: ID!): NewApiKey!",
      "createApiKey(role: ApiKeyRole!): NewApiKey!",
      "revokeApiKey(id: ID!): Boolean!",
      "upsertCustomer(input: CustomerInput!): Ack!",
      "deleteCustomer(customerId: ID!): Ack!",
      "trackEvents(events: [EventInput!]!): Ack!",
      "registerDevice(input: DeviceInput!): Ack!",
      "unregisterDevice(customerId: ID!, token: String!): Ack!",
      "setConsent(consent: ConsentInput!, customerId: ID!): Ack!",
      "resyncIntegration(id: ID!): Boolean!",
      "createTemplate(input: TemplateInput!): Template!",
      "updateTemplate(id: ID!, input: TemplateInput!): Template!",
      "template(id: ID!): Template",
      "templates: [Template!]!",
      "configureEmail(input: EmailSettingsInput!): Integration!",
      "configurePush(input: PushSettingsInput!): Integration!",
      "configureWhatsApp(input: WhatsAppSettingsInput!): Integration!",
      "configureMessaging(input: MessagingSettingsInput!): MessagingSettings!",
      "journeys: [JourneyInstance!]!",
      "messagingSettings: MessagingSettings!",
      "sendMessage(input: SendMessageInput!): Ack!",
      "messages(after: String, customerId: ID!, first: Int): MessageConnection!",
      "createJourney(input: JourneyInput!): Journey!",
      "updateJourney(id: ID!, input: JourneyChangeInput!): Journey!",
      "publishJourney(id: ID!): Journey!",
      "pauseJourney(id: ID!): Journey!",
      "resumeJourney(id: ID!): Journey!",
      "archiveJourney(id: ID!): Journey!",
      "journey(id: ID!): Journey",
      "journeys: [Journey!]!",
      "createCampaign(input: CampaignInput!): Campaign!",
      "launchCampaign(id: ID!): Campaign!",
      "cancelCampaign(id: ID!): Campaign!",
      "campaign(id: ID!): Campaign",
      "campaigns(after: String, first: Int): CampaignConnection!",
      "campaignProgress(id: ID!): Campaign!",
    ]) {
      expect(sdl).toContain(name);
    }
  });
});
