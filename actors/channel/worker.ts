import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Channel, ChannelIntegrationConfig, ChannelIntegrationKind } from "../../model/index.ts";
import {
  type ChannelIntegrationDocument,
  channelIntegrationId,
  ensureSendIndexes,
  inAppMessagesRepository,
  integrationsRepository,
  openChannelConfig,
  type SecretBox,
  type Store,
  sendsOf,
  templatesRepository,
} from "../../store/index.ts";
import { type CommandPublisher, createFactPublisher, type NatsLink } from "../../streams/index.ts";
import { type ChannelConsumer, startChannelConsumer } from "./channelConsumer.ts";
import { type ChannelIntegrations, channelIntegrations } from "./channelIntegrations.ts";
import { emailDelivery, unsubscribeLinks } from "./deliverEmail.ts";
import { inAppDelivery } from "./deliverInApp.ts";
import { pushDelivery } from "./deliverPush.ts";
import { whatsAppDelivery } from "./deliverWhatsApp.ts";
import type { ProviderAnswer } from "./providerAnswer.ts";
import { createEmailSender, createPushSender, createWhatsAppSender } from "./providers.ts";
import { createPushTopics } from "./push/pushTopics.ts";
import { templateVersions } from "./renderSend.ts";
import { type ClaimedSend, handleSendBatch } from "./sendBatch.ts";
import { fcmTopicRegistry } from "./topics/fcmTopicRegistry.ts";
import { startPushTopicWorker } from "./topics/pushTopicWorker.ts";

export type ChannelWorkerOptions = {
  link: NatsLink;
  store: Store;
  secrets: SecretBox;
  /** Where dead push tokens' `device.unregister` commands go (from sends and from topic changes). */
  commands: CommandPublisher;
  /** The gateway's address as customers reach it, for unsubscribe links. */
  publicUrl: string;
  /** The key unsubscribe links are signed with (the gateway checks them with the same). */
  unsubscribeKey: Buffer;
  /** How long a send stays this worker's without news before another takes it over (its ack wait, too). */
  takeoverMs: number;
  log: Logger;
  /** Sends handled at once per batch, and batches at once per channel. */
  batchSize?: number;
  concurrency?: number;
  /** How often an account's channel settings are read again (a change reopens its provider client). */
  settingsRefreshMs?: number;
  /** Tests only: where APNs is called when its fake does not share FCM's address. */
  apnsEndpoint?: string;
  now?: () => Date;
};

export type ChannelWorker = { stop: () => Promise<void> };

/** SMTP connections per email integration on one worker, each carrying one message at a time. */
const EMAIL_CONNECTIONS = 5;
/** HTTP calls at once per push or WhatsApp integration on one worker. */
const HTTP_CALLS_IN_FLIGHT = 64;

const INTEGRATION_KINDS = { EMAIL: "email", PUSH: "push", WHATSAPP: "whatsapp" } as const satisfies Partial<
  Record<Channel, ChannelIntegrationKind>
>;

/**
 * The `channels` role: one consumer per channel on MESSAGES, each sending what the customer
 * actors decided through the account's provider (docs/channels.md, "The send pipeline"), and the
 * push topic worker (docs/channels.md, "Push topics").
 */
export async function startChannelWorker(options: ChannelWorkerOptions): Promise<ChannelWorker> {
  const { store, log } = options;
  const now = options.now ?? (() => new Date());
  await ensureSendIndexes(store.db);
  const sends = sendsOf(store);
  const integrations = integrationsRepository(store.db);
  const versions = templateVersions(templatesRepository(store.db));
  const facts = createFactPublisher(options.link);
  const claim = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const inHand = new Set<string>();

  const opened = <Kind extends ChannelIntegrationKind, Sender>(
    kind: Kind,
    maxInFlight: number,
    open: (config: Extract<ChannelIntegrationConfig, { kind: Kind }>) => Sender,
    close: (sender: Sender) => void,
  ): ChannelIntegrations<Sender> =>
    channelIntegrations({
      kind,
      read: async (account) => {
        const document = await integrations.channelIntegration(account, kind);
        if (!document) return undefined;
        // The document is of `kind`, so its configuration is too.
        const config = openChannelConfig(document as ChannelIntegrationDocument, options.secrets) as Extract<
          ChannelIntegrationConfig,
          { kind: Kind }
        >;
        return {
          id: document._id,
          configVersion: document.configVersion,
          maxPerSecond: config.settings.maxPerSecond,
          config,
        };
      },
      open,
      close,
      refreshMs: options.settingsRefreshMs ?? 5_000,
      maxInFlight,
      log,
    });
  const email = opened(
    "email",
    EMAIL_CONNECTIONS,
    (config) => createEmailSender(config.settings, config.secrets, { maxConnections: EMAIL_CONNECTIONS }),
    (s) => s.close(),
  );
  const push = opened(
    "push",
    HTTP_CALLS_IN_FLIGHT,
    (config) =>
      createPushSender(config.settings, config.secrets, {
        ...(options.apnsEndpoint === undefined ? {} : { apnsEndpoint: options.apnsEndpoint }),
      }),
    (s) => s.close(),
  );
  // Apart from sends: topic changes have their own client (Instance ID) and their own pace.
  const pushTopics = opened(
    "push",
    HTTP_CALLS_IN_FLIGHT,
    (config) => createPushTopics(config.settings, config.secrets),
    () => {},
  );
  const whatsApp = opened(
    "whatsapp",
    HTTP_CALLS_IN_FLIGHT,
    (config) => createWhatsAppSender(config.settings, config.secrets),
    () => {},
  );

  const deliveries: Record<Channel, (send: ClaimedSend) => Promise<ProviderAnswer>> = {
    EMAIL: emailDelivery({
      integrations: email,
      versions,
      unsubscribeLink: unsubscribeLinks(options.publicUrl, options.unsubscribeKey),
    }),
    PUSH: pushDelivery({ integrations: push, versions, commands: options.commands, log }),
    WHATSAPP: whatsAppDelivery({ integrations: whatsApp, versions }),
    IN_APP: inAppDelivery({ inbox: inAppMessagesRepository(store.db, now), versions, now }),
  };

  const consumers: ChannelConsumer[] = [];
  for (const channel of Object.keys(deliveries) as Channel[]) {
    const deliver = deliveries[channel];
    consumers.push(
      await startChannelConsumer({
        link: options.link,
        channel,
        batchSize: options.batchSize ?? 200,
        concurrency: options.concurrency ?? 2,
        ackWaitMs: options.takeoverMs,
        log,
        handle: (batch) =>
          handleSendBatch(batch, {
            channel,
            sends,
            claim,
            inHand,
            staleAfterMs: options.takeoverMs,
            deliver: (send) => deliverSafely(deliver, send, log),
            misconfigured: async (account, reason) => {
              const kind = INTEGRATION_KINDS[channel as keyof typeof INTEGRATION_KINDS];
              if (!kind) return;
              log.warn({ account, channel, reason }, "channel settings refused by the provider; sends held");
              await integrations.setStatus(channelIntegrationId(account, kind), "FAILING", reason);
            },
            publish: (told) => facts.publish(told.map((fact) => facts.prepare(fact))),
            now,
            log,
          }),
      }),
    );
  }
  const topicWorker = await startPushTopicWorker({
    link: options.link,
    registry: fcmTopicRegistry(pushTopics, log),
    commands: options.commands,
    log,
  });
  return {
    async stop() {
      for (const consumer of consumers) await consumer.stop();
      await topicWorker.stop();
      await Promise.all([email.close(), push.close(), pushTopics.close(), whatsApp.close()]);
    },
  };
}

/**
 * A delivery that throws (the store or a template read failed) is an answer too: tried again
 * later, never a batch lost. Provider clients themselves never throw.
 */
async function deliverSafely(
  deliver: (send: ClaimedSend) => Promise<ProviderAnswer>,
  send: ClaimedSend,
  log: Logger,
): Promise<ProviderAnswer> {
  try {
    return await deliver(send);
  } catch (error) {
    log.warn({ err: error, send: send.entry._id }, "delivery failed before reaching the provider; tried again later");
    return { kind: "retry", reason: error instanceof Error ? error.message : String(error) };
  }
}
