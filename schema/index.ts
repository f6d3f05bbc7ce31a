import { lexicographicSortSchema } from "graphql";
import { builder } from "./builder.ts";
import "./scalars.ts";
import "./ack.ts";
import "./viewer.ts";
import "./apiKey.ts";
import "./consent.ts";
import "./customerType.ts";
import "./customer.ts";
import "./pageInfo.ts";
import "./customerConnection.ts";
import "./audienceInput.ts";
import "./audienceRun.ts";
import "./audience.ts";
import "./audienceMembership.ts";
import "./membershipChange.ts";
import "./event.ts";
import "./device.ts";
import "./inAppMessage.ts";

import "./deadLetter.ts";
import "./integration.ts";
import "./webhook.ts";
import "./braze.ts";
import "./s3Export.ts";
import "./emailSettings.ts";
import "./pushSettings.ts";
import "./whatsAppSettings.ts";
import "./sdkAuthentication.ts";
import "./channel.ts";
import "./messagingSettings.ts";
import "./templateContent.ts";
import "./templateInput.ts";
import "./template.ts";
import "./renderedMessage.ts";
import "./message.ts";
import "./journeyInput.ts";
import "./journey.ts";
import "./campaignInput.ts";
import "./campaign.ts";
import "./campaignProgress.ts";

/** The whole GraphQL schema; each imported file adds its types and fields. */
export const schema = lexicographicSortSchema(builder.toSchema());
export type { Caller, Context, Services } from "./context.ts";
export { unauthenticated } from "./errors.ts";
export type { ListSize } from "./listSize.ts";
export {
  importSdkPublicKey,
  SDK_TOKEN_ALGORITHMS,
  type SdkPublicKey,
  type SdkTokenAlgorithm,
} from "./sdkPublicKey.ts";
export type { Upload } from "./upload.ts";
