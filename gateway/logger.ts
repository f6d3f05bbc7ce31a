/** What the gateway logs through: pino's methods, or anything shaped like them. */
export type GatewayLogger = {
  debug: (...args: unknown[]) => void;
  info: (...args: unknown[]) => void;
  warn: (...args: unknown[]) => void;
  error: (...args: unknown[]) => void;
};
