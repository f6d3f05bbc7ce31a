import type { SMTPServerOptions } from "smtp-server";
import type { SmtpStage } from "./faults.ts";
import { parseReceivedMessage } from "./receivedMessage.ts";
import * as replies from "./replies.ts";
import type { FakeWorld } from "./world.ts";

type Hooks = Required<Pick<SMTPServerOptions, "onConnect" | "onAuth" | "onMailFrom" | "onRcptTo" | "onData">>;

/**
 * smtp-server's hooks, each in the order a real relay decides: a delay fault first (a slow server
 * is slow whatever it answers), then faults and limits, then the normal answer.
 */
export function smtpHooks(world: FakeWorld): Hooks {
  const { faults, mailbox, options } = world;
  const delayed = async (stage: SmtpStage): Promise<void> => {
    const delay = faults.take("delay", (fault) => fault.stage === stage);
    if (delay !== undefined) await world.sleep(delay.delayMs);
  };
  return {
    onConnect(_session, callback) {
      mailbox.count("connections");
      void delayed("connect").then(() => {
        const refusal = faults.take("refuseConnection");
        if (refusal === undefined) return callback();
        mailbox.count("refusedConnections");
        callback(replies.smtpError(421, refusal.message ?? replies.defaultReplyText(421)));
      });
    },
    onAuth(auth, _session, callback) {
      void delayed("auth").then(() => {
        if (auth.username === options.username && auth.password === options.password) {
          return callback(null, { user: auth.username });
        }
        mailbox.count("authFailures");
        callback(replies.smtpError(535, replies.AUTH_FAILED));
      });
    },
    onMailFrom(_address, _session, callback) {
      void delayed("mail").then(() => {
        const verdict = world.rateWindow?.tryAcquire(options.now());
        if (verdict === undefined || verdict.allowed) return callback();
        mailbox.count("rateLimited");
        callback(replies.smtpError(451, replies.RATE_LIMITED));
      });
    },
    onRcptTo(address, _session, callback) {
      void delayed("rcpt").then(() => {
        const recipient = address.address.toLowerCase();
        const fault = faults.take("recipient", (f) => f.address === undefined || f.address.toLowerCase() === recipient);
        if (fault === undefined) return callback();
        mailbox.countRefusal("refusedRecipients", fault.code);
        callback(replies.smtpError(fault.code, fault.message ?? replies.defaultReplyText(fault.code)));
      });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        // smtp-server answers 552 itself (rejectOversized); the fake only counts it.
        if (stream.sizeExceeded) {
          mailbox.count("oversized");
          return callback();
        }
        void delayed("data")
          .then(async () => {
            const refusal = faults.take("message");
            if (refusal !== undefined) {
              mailbox.countRefusal("refusedMessages", refusal.code);
              return callback(
                replies.smtpError(refusal.code, refusal.message ?? replies.defaultReplyText(refusal.code)),
              );
            }
            const queueId = world.nextQueueId();
            const message = await parseReceivedMessage(Buffer.concat(chunks), {
              queueId,
              user: typeof session.user === "string" ? session.user : undefined,
              envelope: {
                mailFrom: session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
                rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              },
              receivedAt: options.now(),
            });
            mailbox.record(message);
            callback(null, replies.queuedAs(queueId));
          })
          .catch((error: unknown) => {
            // A bug in the fake must show up in the test as a refusal, not hang the client.
            callback(replies.smtpError(451, `4.3.0 fake SMTP failed: ${String(error)}`));
          });
      });
    },
  };
}
