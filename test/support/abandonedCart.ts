/** The abandoned-cart journey of docs/journeys.md, reminding with `templateId` when a cart is not checked out within the hour. */
export const abandonedCart = (templateId: string) => ({
  entry: { type: "event", event: "cart_updated", key: "cartId" },
  start: "wait",
  steps: {
    wait: {
      type: "waitFor",
      event: "checkout_completed",
      sameKey: true,
      timeoutSeconds: 3600,
      next: "done",
      timeoutNext: "remind",
    },
    remind: { type: "send", templateId },
    done: { type: "exit" },
  },
  reentry: { mode: "concurrent", maxInstances: 5 },
});
