import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { alarmCodec, type CommandPublisher, type NatsLink, STREAM_NAMES } from "../../streams/index.ts";

/** The one durable consumer of fired alarms, shared by every `customers` process. */
export const ALARM_RELAY_CONSUMER = "customer_alarms";
/** Alarms being relayed at once by one process. */
const IN_FLIGHT = 1_000;
const RETRY_AFTER_MS = 1_000;

export type AlarmRelay = { stop: () => Promise<void> };

/**
 * Turns each fired alarm (TIMERS `tmr.fire.>`) into a `customer.wake` command for the customer's
 * partition, so a wake is applied in order with the customer's other commands and replayed like
 * them. Its id is derived from the customer and the deadline: an alarm fired twice (NATS delivers
 * at least once) or also woken by the sweep is stored once.
 */
export async function startAlarmRelay(options: {
  link: NatsLink;
  commands: CommandPublisher;
  log: Logger;
}): Promise<AlarmRelay> {
  const jsm = await jetstreamManager(options.link.nc);
  await jsm.consumers.add(STREAM_NAMES.timers, {
    durable_name: ALARM_RELAY_CONSUMER,
    filter_subject: "tmr.fire.>",
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: IN_FLIGHT,
  });
  const consumer = await jetstream(options.link.nc).consumers.get(STREAM_NAMES.timers, ALARM_RELAY_CONSUMER);
  const messages = await consumer.consume({ max_messages: IN_FLIGHT });
  const inFlight = new Set<Promise<void>>();

  const relay = async (message: JsMsg) => {
    let alarm: ReturnType<typeof alarmCodec.decode>;
    try {
      alarm = alarmCodec.decode(message.data);
    } catch (error) {
      options.log.error({ err: error, seq: message.seq, subject: message.subject }, "unreadable alarm; terminated");
      message.term("unreadable");
      return;
    }
    const { account, customerId, dueAt } = alarm;
    try {
      await options.commands.publish([
        {
          type: "customer.wake",
          data: { dueAt },
          metadata: { account, customerId },
          id: { derived: wakeCommandId(account, customerId, dueAt) },
        },
      ]);
      message.ack();
    } catch (error) {
      options.log.warn({ err: error, account, customer: customerId, dueAt }, "alarm not relayed; tried again");
      message.nak(RETRY_AFTER_MS);
    }
  };

  const running = (async () => {
    for await (const message of messages) {
      const relayed = relay(message).finally(() => inFlight.delete(relayed));
      inFlight.add(relayed);
    }
  })();

  return {
    async stop() {
      await messages.close();
      await running;
      await Promise.all(inFlight);
    },
  };
}

/** The id of the wake for a customer's deadline: the alarm's and the sweep's are the same command. */
export function wakeCommandId(account: string, customerId: string, dueAt: string): string {
  return `wake:${account}:${customerId}:${dueAt}`;
}
