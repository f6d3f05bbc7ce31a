import type { Db } from "mongodb";
import { ClientFacingError, type Journey, type JsonObject, type PinnedTemplates } from "../model/index.ts";
import { isDuplicateKey } from "./duplicateKey.ts";

/** One journey, as stored; `revision` moves with every change, so concurrent changes are told apart. */
export type JourneyDocument = Journey & { revision: number };

/**
 * One published version of a journey, never changed once written. `_id` is `<journeyId>@<version>`,
 * so a version is read by `_id` alone and two publishes of the same version cannot both succeed.
 */
export type JourneyVersionDocument = {
  _id: string;
  journeyId: string;
  account: string;
  version: number;
  definition: JsonObject;
  templates: PinnedTemplates;
  publishedAt: Date;
};

/** No journey with this id in the caller's account. */
export class JourneyNotFoundError extends ClientFacingError {
  override name = "JourneyNotFoundError";
  readonly code = "NOT_FOUND";
  readonly journeyId: string;
  constructor(journeyId: string) {
    super(`journey ${journeyId} not found`);
    this.journeyId = journeyId;
  }
}

/** What is wrong where (`input.definition.steps.remind.next`), as GraphQL's BAD_USER_INPUT issues are. */
export type JourneyIssue = { field: string; message: string };

/**
 * The journey cannot do this: an invalid definition, a step naming what does not exist, a wrong
 * transition. Its message names every issue.
 */
export class JourneyRefusedError extends ClientFacingError {
  override name = "JourneyRefusedError";
  readonly code = "BAD_USER_INPUT";
  readonly issues: JourneyIssue[];
  constructor(issues: JourneyIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join("; "));
    this.issues = issues;
  }
}

export const journeyVersionId = (journeyId: string, version: number) => `${journeyId}@${version}`;

export type Journeys = {
  create: (journey: Journey) => Promise<JourneyDocument>;
  /** Undefined for a journey of another account, or none. */
  get: (account: string, id: string) => Promise<JourneyDocument | undefined>;
  /** The account's journeys, oldest first. */
  list: (account: string) => Promise<JourneyDocument[]>;
  /** Every journey of every account (the catalog is republished from them at start). */
  all: () => Promise<JourneyDocument[]>;
  /**
   * Writes `next` over `current` unless the journey changed since `current` was read; undefined
   * then, so two concurrent changes never both apply.
   */
  replace: (current: JourneyDocument, next: Journey) => Promise<JourneyDocument | undefined>;
  /** Writes a published version; false when that version was written already. */
  addVersion: (version: JourneyVersionDocument) => Promise<boolean>;
  /** One published version; undefined for another account's journey, or none. */
  version: (account: string, journeyId: string, version: number) => Promise<JourneyVersionDocument | undefined>;
};

export function journeysRepository(db: Db): Journeys {
  const journeys = db.collection<JourneyDocument>("journeys");
  const versions = db.collection<JourneyVersionDocument>("journeyVersions");
  return {
    async create(journey) {
      const document = { ...journey, revision: 1 };
      await journeys.insertOne(document, { ignoreUndefined: true });
      return document;
    },
    async get(account, id) {
      const journey = await journeys.findOne({ _id: id });
      return journey && journey.account === account ? journey : undefined;
    },
    async list(account) {
      const found = await journeys.find({ account }).toArray();
      return found.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    },
    all: () => journeys.find({}).toArray(),
    async replace(current, next) {
      const { _id, ...fields } = next;
      const revision = current.revision + 1;
      const result = await journeys.replaceOne(
        { _id: current._id, revision: current.revision },
        { ...fields, revision },
        { ignoreUndefined: true },
      );
      return result.matchedCount === 1 ? { ...next, _id: current._id, revision } : undefined;
    },
    async addVersion(version) {
      try {
        await versions.insertOne(version);
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },
    async version(account, journeyId, version) {
      const found = await versions.findOne({ _id: journeyVersionId(journeyId, version) });
      return found && found.account === account ? found : undefined;
    },
  };
}

/** The index an account's journeys are listed by; run at start-up, safe to run again. */
export async function prepareJourneys(db: Db): Promise<void> {
  await db.collection<JourneyDocument>("journeys").createIndex({ account: 1 }, { name: "account" });
}
