import { CONSENT_PURPOSES, type ConsentState, type Device, type EventStat } from "../model/index.ts";
import type { LiveCustomerDocument } from "../store/index.ts";
import { builder } from "./builder.ts";
import { ConsentRef } from "./consent.ts";
import { DevicePlatformRef } from "./device.ts";
import { JourneyInstanceRef } from "./journeyInstance.ts";

const EventStatRef = builder.objectRef<EventStat>("EventStat").implement({
  description: "How often the customer did one event, and when first and last",
  fields: (t) => ({
    name: t.exposeString("name"),
    count: t.exposeInt("count"),
    firstAt: t.expose("firstAt", { type: "DateTime" }),
    lastAt: t.expose("lastAt", { type: "DateTime" }),
  }),
});

const ConsentStateRef = builder.objectRef<ConsentState>("ConsentState").implement({
  description: "The customer's consent for each purpose",
  fields: (t) =>
    Object.fromEntries(CONSENT_PURPOSES.map((purpose) => [purpose, t.expose(purpose, { type: ConsentRef })])),
});

const DeviceRef = builder.objectRef<Device>("Device").implement({
  description: "A push token registered for the customer",
  fields: (t) => ({
    token: t.exposeString("token"),
    platform: t.expose("platform", { type: DevicePlatformRef }),
    appId: t.string({ nullable: true, resolve: (device) => device.appId ?? null }),
    registeredAt: t.expose("registeredAt", { type: "DateTime" }),
  }),
});

/** A live customer as stored; tombstones never reach it. */
export const CustomerRef = builder.objectRef<LiveCustomerDocument>("Customer").implement({
  description: "A customer of the account: profile, attributes, tags, consent, devices and event counts",
  fields: (t) => ({
    customerId: t.exposeID("customerId"),
    email: t.string({ nullable: true, resolve: (customer) => customer.profile.email ?? null }),
    phone: t.string({ nullable: true, resolve: (customer) => customer.profile.phone ?? null }),
    firstName: t.string({ nullable: true, resolve: (customer) => customer.profile.firstName ?? null }),
    lastName: t.string({ nullable: true, resolve: (customer) => customer.profile.lastName ?? null }),
    tier: t.string({ nullable: true, resolve: (customer) => customer.profile.tier ?? null }),
    timezone: t.string({
      nullable: true,
      description: "IANA; null: the account's time zone applies",
      resolve: (customer) => customer.profile.timezone ?? null,
    }),
    attributes: t.expose("attributes", { type: "JSON", description: "Custom attributes, may be nested" }),
    tags: t.exposeStringList("tags", { description: "Sorted" }),
    consent: t.expose("consent", { type: ConsentStateRef }),
    devices: t.expose("devices", { type: [DeviceRef] }),
    stats: t.expose("stats", { type: [EventStatRef], description: "One entry per event name, sorted by name" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    version: t.exposeInt("version", { description: "Bumped on every change to the customer" }),
    journeys: t.field({
      type: [JourneyInstanceRef],
      description: "Its instances of journeys: every ACTIVE one, and the latest ended one of each journey it was in",
      resolve: (customer) => customer.journeys ?? [],
    }),
  }),
});
