import { randomUUID } from "node:crypto";
import type { Db } from "mongodb";
import type { MessageCategory, TemplateContent, TemplateVersion } from "../model/index.ts";
import { isDuplicateKey } from "./duplicateKey.ts";

/**
 * One version of a template, as stored: a document per version, never changed once written.
 * `_id` is `<account>:<templateId>:<version>`, so two writers of the same next version cannot
 * both succeed.
 */
export type TemplateVersionDocument = TemplateVersion & { _id: string; account: string };

/** What a new version holds; the channel is its content's. */
export type TemplateDraft = { name: string; category: MessageCategory; content: TemplateContent };

/** No template with this id (or version) in the caller's account. */
export class TemplateNotFoundError extends Error {
  override name = "TemplateNotFoundError";
  readonly code = "NOT_FOUND";
  readonly templateId: string;
  constructor(templateId: string, version?: number) {
    super(`template ${templateId}${version === undefined ? "" : ` version ${version}`} not found`);
    this.templateId = templateId;
  }
}

/** A new version that would change the template's channel: journeys and campaigns rely on it. */
export class TemplateChannelChangeError extends Error {
  override name = "TemplateChannelChangeError";
  readonly code = "BAD_USER_INPUT";
}

export type Templates = {
  /** A new template: its version 1. */
  create: (account: string, draft: TemplateDraft) => Promise<TemplateVersion>;
  /** The next version of a template of the account; never loses or reuses a number under concurrent updates. */
  update: (account: string, templateId: string, draft: TemplateDraft) => Promise<TemplateVersion>;
  /** One version (the latest when `version` is left out); undefined for another account's template, or none. */
  version: (account: string, templateId: string, version?: number) => Promise<TemplateVersion | undefined>;
  /** The latest version of each of the account's templates, oldest template first. */
  list: (account: string) => Promise<TemplateVersion[]>;
};

/** Concurrent updates of one template each take the next number: one of them wins each attempt. */
const MAX_UPDATE_ATTEMPTS = 100;

const documentId = (account: string, templateId: string, version: number) => `${account}:${templateId}:${version}`;

function versionOf({ _id, account, ...version }: TemplateVersionDocument): TemplateVersion {
  return version;
}

export function templatesRepository(db: Db, now: () => Date = () => new Date()): Templates {
  const collection = db.collection<TemplateVersionDocument>("templates");
  const latest = (account: string, templateId: string) =>
    collection.find({ account, templateId }).sort({ version: -1 }).limit(1).next();

  /** Writes `version` of a template; false when another writer took that number first. */
  const insert = async (account: string, templateId: string, version: number, draft: TemplateDraft) => {
    const document: TemplateVersionDocument = {
      _id: documentId(account, templateId, version),
      account,
      templateId,
      version,
      ...draft,
      createdAt: now().toISOString(),
    };
    try {
      // Optional content fields left out stay absent rather than becoming nulls.
      await collection.insertOne(document, { ignoreUndefined: true });
      return versionOf(document);
    } catch (error) {
      if (isDuplicateKey(error)) return undefined;
      throw error;
    }
  };

  return {
    async create(account, draft) {
      const created = await insert(account, randomUUID(), 1, draft);
      if (!created) throw new Error("a new template id was already taken");
      return created;
    },
    async update(account, templateId, draft) {
      for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
        const current = await latest(account, templateId);
        if (!current) throw new TemplateNotFoundError(templateId);
        if (current.content.channel !== draft.content.channel) {
          throw new TemplateChannelChangeError(
            `template ${templateId} is a ${current.content.channel} template; its channel cannot change (create another template)`,
          );
        }
        const written = await insert(account, templateId, current.version + 1, draft);
        if (written) return written;
      }
      throw new Error(`template ${templateId}: ${MAX_UPDATE_ATTEMPTS} concurrent updates took each next version first`);
    },
    async version(account, templateId, version) {
      const found =
        version === undefined
          ? await latest(account, templateId)
          : await collection.findOne({ _id: documentId(account, templateId, version) });
      return found ? versionOf(found) : undefined;
    },
    async list(account) {
      // Every version, newest first per template: FerretDB's aggregation cannot pick the latest.
      const versions = await collection.find({ account }).sort({ templateId: 1, version: -1 }).toArray();
      const newest = new Map<string, TemplateVersionDocument>();
      for (const document of versions) if (!newest.has(document.templateId)) newest.set(document.templateId, document);
      // Version 1 comes last of its template, so its creation is the one the map keeps.
      const firstCreated = new Map(versions.map((document) => [document.templateId, document.createdAt]));
      return [...newest.values()]
        .sort((a, b) => (firstCreated.get(a.templateId) ?? "").localeCompare(firstCreated.get(b.templateId) ?? ""))
        .map(versionOf);
    },
  };
}

/** The indexes templates are read by; run at start-up, safe to run again. */
export async function prepareTemplates(db: Db): Promise<void> {
  await db
    .collection<TemplateVersionDocument>("templates")
    .createIndex({ account: 1, templateId: 1, version: -1 }, { name: "account_template_version" });
}
