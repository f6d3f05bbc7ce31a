import { randomBytes } from "node:crypto";
import type { JourneyOperations, JourneyStatus, JsonObject, PinnedTemplates } from "../../model/index.ts";
import {
  type JourneyDefinition,
  journeyAudienceIds,
  journeyTemplateIds,
  parseJourneyDefinition,
} from "../../rules/index.ts";
import {
  type Audiences,
  type JourneyDocument,
  type JourneyIssue,
  JourneyNotFoundError,
  JourneyRefusedError,
  type Journeys,
  type JourneyVersionDocument,
  journeyVersionId,
  type Templates,
} from "../../store/index.ts";
import type { JourneyCatalogWriter } from "./catalog.ts";

export type JourneyOperationsDependencies = {
  journeys: Journeys;
  templates: Templates;
  audiences: Audiences;
  catalog: JourneyCatalogWriter;
  now?: () => Date;
};

const newId = () => `jrn_${randomBytes(8).toString("hex")}`;

/** `steps.remind.next` → `<root>.steps.remind.next`; the definition itself (`definition`) → `<root>`. */
const under = (root: string, path: string) => (path === "definition" ? root : `${root}.${path}`);

/** A definition as the journey language reads it, or a refusal naming every problem under `root`. */
function parsedDefinition(json: unknown, root: string): JourneyDefinition {
  const parsed = parseJourneyDefinition(json);
  if (!parsed.ok) {
    throw new JourneyRefusedError(parsed.problems.map((p) => ({ field: under(root, p.path), message: p.message })));
  }
  return parsed.definition;
}

const refused = (id: string, message: string) =>
  new JourneyRefusedError([{ field: "id", message: `journey ${id} ${message}` }]);

/** The statuses a transition starts from, and the words of its refusal. */
type Transition = { from: readonly JourneyStatus[]; to: JourneyStatus; refusal: string };

const TRANSITIONS = {
  pause: { from: ["LIVE"], to: "PAUSED", refusal: "only a LIVE journey can be paused" },
  resume: { from: ["PAUSED"], to: "LIVE", refusal: "only a PAUSED journey can be resumed" },
  archive: { from: ["DRAFT", "LIVE", "PAUSED"], to: "ARCHIVED", refusal: "archiving is final" },
} as const satisfies Record<string, Transition>;

/**
 * The journey mutations behind the gateway: definitions are checked and kept in MongoDB; what is
 * published (each version, the status) goes to the workers' catalog after it is stored.
 */
export function createJourneyOperations(deps: JourneyOperationsDependencies): JourneyOperations {
  const now = deps.now ?? (() => new Date());

  const existing = async (account: string, id: string): Promise<JourneyDocument> => {
    const journey = await deps.journeys.get(account, id);
    if (!journey) throw new JourneyNotFoundError(id);
    return journey;
  };

  const replace = async (current: JourneyDocument, next: JourneyDocument) => {
    const written = await deps.journeys.replace(current, { ...next, updatedAt: now() });
    if (!written) throw refused(current._id, "changed meanwhile: read it again and retry");
    return written;
  };

  /** Each missing template or audience the definition names, where it names it. */
  const missingReferences = async (account: string, definition: JourneyDefinition) => {
    const issues: JourneyIssue[] = [];
    const templates: PinnedTemplates = {};
    for (const templateId of journeyTemplateIds(definition)) {
      const template = await deps.templates.version(account, templateId);
      if (template) templates[templateId] = { channel: template.content.channel, version: template.version };
    }
    for (const [stepId, step] of Object.entries(definition.steps)) {
      if (step.type === "send" && !templates[step.templateId]) {
        issues.push({
          field: `definition.steps.${stepId}.templateId`,
          message: `step ${stepId} sends template ${step.templateId}, which does not exist in the account`,
        });
      }
    }
    const audiences = new Set<string>();
    for (const audienceId of journeyAudienceIds(definition)) {
      const audience = await deps.audiences.get(account, audienceId);
      if (audience && !audience.deleting) audiences.add(audienceId);
    }
    const noAudience = (id: string) => `audience ${id} does not exist in the account`;
    const { entry, exit } = definition;
    if (entry.type === "audience" && !audiences.has(entry.audienceId)) {
      issues.push({ field: "definition.entry.audienceId", message: `the entry's ${noAudience(entry.audienceId)}` });
    }
    for (const [index, audienceId] of (exit?.audienceExit ?? []).entries()) {
      if (!audiences.has(audienceId)) {
        issues.push({
          field: `definition.exit.audienceExit[${index}]`,
          message: `the exit's ${noAudience(audienceId)}`,
        });
      }
    }
    return { issues, templates };
  };

  /** Writes the version, or finds it written by an earlier attempt of the same publish. */
  const storeVersion = async (version: JourneyVersionDocument) => {
    if (await deps.journeys.addVersion(version)) return version;
    const stored = await deps.journeys.version(version.account, version.journeyId, version.version);
    if (!stored || JSON.stringify(stored.definition) !== JSON.stringify(version.definition)) {
      throw refused(version.journeyId, `version ${version.version} was published meanwhile: read it again and retry`);
    }
    return stored;
  };

  const transition = async (account: string, id: string, { from, to, refusal }: Transition) => {
    const current = await existing(account, id);
    if (!from.includes(current.status)) throw refused(id, `is ${current.status}: ${refusal}`);
    const changed = await replace(current, { ...current, status: to });
    await deps.catalog.putJourney(changed);
    return changed;
  };

  return {
    async create(account, input) {
      const definition = parsedDefinition(input.definition, "input.definition");
      const at = now();
      return deps.journeys.create({
        _id: newId(),
        account,
        name: input.name,
        status: "DRAFT",
        version: 1,
        draft: definition as JsonObject,
        createdAt: at,
        updatedAt: at,
      });
    },

    async update(account, id, change) {
      const current = await existing(account, id);
      if (current.status === "ARCHIVED") throw refused(id, "is ARCHIVED: an archived journey cannot change");
      const next = { ...current, ...(change.name === undefined ? {} : { name: change.name }) };
      if (change.definition !== undefined) {
        next.draft = parsedDefinition(change.definition, "input.definition") as JsonObject;
        // The first edit after a publish opens the next version.
        if (current.draft === undefined) next.version = (current.publishedVersion ?? 0) + 1;
      }
      const updated = await replace(current, next);
      if (change.name !== undefined) await deps.catalog.putJourney(updated);
      return updated;
    },

    async publish(account, id) {
      const current = await existing(account, id);
      if (current.status === "ARCHIVED") throw refused(id, "is ARCHIVED: an archived journey cannot be published");
      if (current.draft === undefined) {
        throw refused(
          id,
          `has no draft to publish: version ${current.version} is published; updateJourney edits the next`,
        );
      }
      const definition = parsedDefinition(current.draft, "definition");
      const { issues, templates } = await missingReferences(account, definition);
      if (issues.length > 0) throw new JourneyRefusedError(issues);
      const version = await storeVersion({
        _id: journeyVersionId(id, current.version),
        journeyId: id,
        account,
        version: current.version,
        definition: definition as JsonObject,
        templates,
        publishedAt: now(),
      });
      const { draft: _published, ...rest } = current;
      const published = await replace(current, { ...rest, status: "LIVE", publishedVersion: version.version });
      // The version first: a worker that sees the journey live finds the version it names.
      await deps.catalog.putVersion(version);
      await deps.catalog.putJourney(published);
      return published;
    },

    pause: (account, id) => transition(account, id, TRANSITIONS.pause),
    resume: (account, id) => transition(account, id, TRANSITIONS.resume),
    archive: (account, id) => transition(account, id, TRANSITIONS.archive),
  };
}
