import { deleteUsers } from "./deleteUsers.ts";
import { exportIds } from "./exportIds.ts";
import { identifyUsers } from "./identifyUsers.ts";
import { mergeUsers } from "./mergeUsers.ts";
import type { Permission, RateGroup } from "./options.ts";
import type { BrazeHandler } from "./reply.ts";
import { track } from "./track.ts";

/** A Braze endpoint: the permission its key needs and the rate-limit group it counts against. */
export type Route = { permission: Permission; group: RateGroup; handle: BrazeHandler };

/** Every endpoint the fake answers (all POST); any other method or path is 404 "Invalid URL". */
export const ROUTES: ReadonlyMap<string, Route> = new Map([
  ["/users/track", { permission: "users.track", group: "track", handle: track }],
  ["/users/delete", { permission: "users.delete", group: "usersManagement", handle: deleteUsers }],
  ["/users/merge", { permission: "users.merge", group: "usersManagement", handle: mergeUsers }],
  ["/users/identify", { permission: "users.identify", group: "usersManagement", handle: identifyUsers }],
  ["/users/export/ids", { permission: "users.export.ids", group: "exportIds", handle: exportIds }],
]);
