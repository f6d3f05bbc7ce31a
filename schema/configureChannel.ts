import type { ChannelIntegrationConfig } from "../model/index.ts";
import { type ChannelIntegrationDocument, sealChannelConfig } from "../store/index.ts";
import { type Context, callerAccount } from "./context.ts";

/** Replaces the caller's account's integration of the config's kind, its secrets sealed first. */
export function configureChannel(
  context: Context,
  config: ChannelIntegrationConfig,
): Promise<ChannelIntegrationDocument> {
  const { services } = context;
  return services.integrations.configureChannel(callerAccount(context), sealChannelConfig(config, services.secrets));
}
