import type { Channel } from "../../model/index.ts";
import type { JourneyDefinition } from "../../rules/index.ts";

/**
 * A published version of a journey, as the customer workers hold it: frozen, with the version of
 * each template its sends use pinned when it was published.
 */
export type JourneyVersion = {
  journeyId: string;
  account: string;
  version: number;
  definition: JourneyDefinition;
  templates: Record<string, { channel: Channel; version: number }>;
};
