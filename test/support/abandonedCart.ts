/**
 * The abandoned-cart journey of docs/journeys.md: one instance per cart, reminding with
 * `templateId` when the cart is not checked out within `timeoutSeconds` (an hour by default).
 */
export const abandonedCart = (templateId: string, timeoutSeconds = 3600) => ({
  entry: { type: "event", event: "cart_updated", key: "cartId" },
  start: "wait",
  steps: {
    wait: {
      type: "waitFor",
      event: "checkout_completed",
      sameKey: true,
      timeoutSeconds,
      next: "done",
      timeoutNext: "remind",
    },
    remind: { type: "send", templateId },
    done: { type: "exit" },
  },
  reentry: { mode: "concurrent", maxInstances: 5 },
});
