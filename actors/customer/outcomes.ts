/**
 * Why a command changed less than it asked, as values the runtime logs and tests assert on. Facts
 * say what happened; an outcome says what did not, and why. None is an error: each is the
 * expected answer to a command that arrived late, twice, for nobody, or with more than there is.
 */
export type CommandOutcome =
  /**
   * Deleting a customer, or one of its devices, that is absent or deleted, or resyncing one that is
   * absent: nothing to do.
   */
  | {
      type: "noCustomer";
      command:
        | "customer.delete"
        | "device.unregister"
        | "integration.resync"
        | "customer.unsubscribe"
        | "customer.wake";
      status: "absent" | "deleted";
    }
  /**
   * An audience run asked about a customer that is absent or deleted: it is no member, and says
   * so in a `membership.unchanged` fact so the run counts the command.
   */
  | {
      type: "notAMember";
      command: "audience.evaluate" | "membership.set" | "membership.rename" | "pushTopic.refresh";
      audienceId: string;
      status: "absent" | "deleted";
    }
  /** An event id applied recently (beyond JetStream's duplicate window, too): applied once only. */
  | { type: "duplicateEvent"; eventId: string }
  /** An order event whose properties do not describe an order (older data): counted as a plain event. */
  | { type: "malformedOrderEvent"; name: "FULFILL" | "REVERSE" | "CANCEL"; eventId: string }
  /** A second FULFILL of an order: the order is not bought twice. */
  | { type: "orderAlreadyFulfilled"; orderId: string }
  /** An order forgotten to keep the customer within `CUSTOMER_BOUNDS` (the oldest go first). */
  | { type: "orderForgotten"; orderId: string }
  /** An event name's stats forgotten to keep the customer within `CUSTOMER_BOUNDS.eventNames`. */
  | { type: "eventStatsForgotten"; name: string }
  /** A REVERSE or CANCEL of an order never fulfilled. */
  | { type: "orderNeverFulfilled"; cause: "REVERSE" | "CANCEL"; orderId: string }
  /** A REVERSE or CANCEL of an order already wholly undone. */
  | { type: "nothingLeftToUndo"; cause: "REVERSE" | "CANCEL"; orderId: string }
  /** A REVERSE asked for more of a sku than remained: what remained was undone. */
  | { type: "reversalClamped"; orderId: string; sku: string; requested: number; applied: number }
  /** An `audience.evaluate` whose rule does not validate: the membership is kept as it is. */
  | { type: "invalidAudienceRule"; audienceId: string; errors: string[] };

export type CommandOutcomeType = CommandOutcome["type"];

/**
 * Why a command was not applied at all: what it asked for would take the customer past a bound
 * (see `CUSTOMER_BOUNDS`) that forgetting older entries cannot keep. The customer stays as it was,
 * and the runtime moves the command to the account's dead letters with `describeRefusal`.
 */
export type CommandRefusal = { type: "attributesTooLarge"; bytes: number; bound: number };

export function describeRefusal(refusal: CommandRefusal): string {
  switch (refusal.type) {
    case "attributesTooLarge":
      return `attributes would take ${refusal.bytes} bytes as JSON; a customer holds at most ${refusal.bound}`;
  }
}
