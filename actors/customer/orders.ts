import {
  CUSTOMER_BOUNDS,
  type FulfillProperties,
  type Order,
  type OrderLine,
  type PurchaseItem,
  type PurchaseRecordedData,
  type ReverseProperties,
} from "../../model/index.ts";
import type { CommandOutcome } from "./outcomes.ts";

/**
 * What an order event did: the orders after it, the purchase to publish (none: nothing changed)
 * and the outcomes of what it did not do.
 */
export type OrderOutcome = {
  orders: Order[];
  purchase?: PurchaseRecordedData;
  outcomes: CommandOutcome[];
};

/**
 * Records a fulfilled order. A second FULFILL of an order already recorded changes nothing: the
 * order is not bought twice. Beyond `CUSTOMER_BOUNDS.orders` orders or `orderLines` lines, the
 * oldest orders are forgotten: a later FULFILL of one counts as new, a REVERSE as never fulfilled.
 */
export function fulfillOrder(orders: readonly Order[], properties: FulfillProperties, timestamp: string): OrderOutcome {
  const { orderId, currency } = properties;
  if (orders.some((order) => order.orderId === orderId)) {
    return { orders: [...orders], outcomes: [{ type: "orderAlreadyFulfilled", orderId }] };
  }
  const lines: OrderLine[] = properties.items.map((item) => ({
    sku: item.sku,
    ...(item.name === undefined ? {} : { name: item.name }),
    price: item.price,
    quantity: item.quantity,
    undone: 0,
  }));
  const { kept, forgotten } = forgetOldestOrders([...orders, { orderId, currency, fulfilledAt: timestamp, lines }]);
  return {
    orders: kept,
    purchase: {
      orderId,
      currency,
      sign: 1,
      cause: "FULFILL",
      items: lines.map((line) => purchaseItem(line, line.quantity)),
      timestamp,
    },
    outcomes: forgotten.map((order) => ({ type: "orderForgotten", orderId: order.orderId })),
  };
}

/** Keeps the newest orders within the bounds, in fulfilment order. */
function forgetOldestOrders(orders: Order[]): { kept: Order[]; forgotten: Order[] } {
  let lines = orders.reduce((total, order) => total + order.lines.length, 0);
  let first = 0;
  // The newest order always stays, whatever its size: the gateway bounds lines per order.
  while (
    first < orders.length - 1 &&
    (orders.length - first > CUSTOMER_BOUNDS.orders || lines > CUSTOMER_BOUNDS.orderLines)
  ) {
    lines -= orders[first]?.lines.length ?? 0;
    first += 1;
  }
  return { kept: orders.slice(first), forgotten: orders.slice(0, first) };
}

/**
 * Undoes part of a fulfilled order: with `items`, at most what remains of each sku (a larger request
 * is clamped and reported); without, everything not yet undone. CANCEL is the latter. An order
 * never fulfilled, or with nothing left to undo, yields no purchase.
 */
export function undoOrder(
  orders: readonly Order[],
  properties: ReverseProperties,
  cause: "REVERSE" | "CANCEL",
  timestamp: string,
): OrderOutcome {
  const { orderId } = properties;
  const order = orders.find((candidate) => candidate.orderId === orderId);
  if (!order) {
    return { orders: [...orders], outcomes: [{ type: "orderNeverFulfilled", cause, orderId }] };
  }
  const requests = cause === "REVERSE" && properties.items ? requestedPerSku(properties.items) : undefined;
  const lines = order.lines.map((line) => ({ ...line }));
  const items: PurchaseItem[] = [];
  const clamped: NonNullable<PurchaseRecordedData["clamped"]> = [];
  const outcomes: CommandOutcome[] = [];

  if (requests) {
    for (const [sku, requested] of requests) {
      let left = requested;
      for (const line of lines) {
        if (line.sku !== sku || left === 0) continue;
        const applied = Math.min(left, line.quantity - line.undone);
        if (applied === 0) continue;
        line.undone += applied;
        left -= applied;
        items.push(purchaseItem(line, applied));
      }
      if (left > 0) {
        const applied = requested - left;
        clamped.push({ sku, requested, applied });
        outcomes.push({ type: "reversalClamped", orderId, sku, requested, applied });
      }
    }
  } else {
    for (const line of lines) {
      const remaining = line.quantity - line.undone;
      if (remaining === 0) continue;
      line.undone = line.quantity;
      items.push(purchaseItem(line, remaining));
    }
  }

  if (items.length === 0) {
    outcomes.push({ type: "nothingLeftToUndo", cause, orderId });
    return { orders: [...orders], outcomes };
  }
  return {
    orders: orders.map((candidate) => (candidate === order ? { ...order, lines } : candidate)),
    purchase: {
      orderId,
      currency: order.currency,
      sign: -1,
      cause,
      items,
      timestamp,
      ...(clamped.length > 0 ? { clamped } : {}),
    },
    outcomes,
  };
}

/** Requested quantities per sku, in first-mention order; a sku named twice adds up. */
function requestedPerSku(items: NonNullable<ReverseProperties["items"]>): Map<string, number> {
  const requests = new Map<string, number>();
  for (const item of items) requests.set(item.sku, (requests.get(item.sku) ?? 0) + item.quantity);
  return requests;
}

function purchaseItem(line: OrderLine, quantity: number): PurchaseItem {
  return { sku: line.sku, ...(line.name === undefined ? {} : { name: line.name }), price: line.price, quantity };
}
