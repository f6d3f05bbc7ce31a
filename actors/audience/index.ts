export {
  AUDIENCE_CATALOG_BUCKET,
  type AudienceCatalog,
  type AudienceCatalogWriter,
  openAudienceCatalogWriter,
  watchAudienceCatalog,
} from "./catalog.ts";
export { createRunFinisher } from "./finishRun.ts";
export { createAudienceOperations } from "./operations.ts";
export { type AudienceWorker, startAudienceWorker } from "./worker.ts";
