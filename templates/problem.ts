import { LiquidError } from "liquidjs";

/** Where in a field a Liquid error is, and what it is, without liquidjs's own `, line:…` suffix. */
export type LiquidErrorPlace = { line: number; column: number; message: string };

export function liquidErrorPlace(error: LiquidError): LiquidErrorPlace {
  const [line = 1, column = 1] = error.token.getPosition();
  const message = (error.originalError?.message ?? error.message).replace(/, line:\d+, col:\d+$/, "");
  return { line, column, message };
}

export function isLiquidError(error: unknown): error is LiquidError {
  return LiquidError.is(error);
}
