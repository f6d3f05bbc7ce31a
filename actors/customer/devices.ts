import type { CustomerFactDraft, Device, IngestCommand } from "../../model/index.ts";

export type RegisterDeviceData = Extract<IngestCommand, { type: "device.register" }>["data"];

/** The devices after a change, and the fact describing it (none when nothing changed). */
export type DeviceOutcome = {
  devices: Device[];
  fact?: CustomerFactDraft;
};

/**
 * Adds a push token, or updates the platform and app of one the customer already has (keeping its
 * `registeredAt`). Registering a token exactly as it is changes nothing. Taking the token away from
 * another customer who held it is the runtime's job, prompted by the `device.registered` fact.
 */
export function registerDevice(devices: readonly Device[], data: RegisterDeviceData, now: string): DeviceOutcome {
  const existing = devices.find((device) => device.token === data.token);
  if (existing && existing.platform === data.platform && existing.appId === data.appId) {
    return { devices: [...devices] };
  }
  const device: Device = {
    token: data.token,
    platform: data.platform,
    ...(data.appId === undefined ? {} : { appId: data.appId }),
    registeredAt: existing?.registeredAt ?? now,
  };
  return {
    devices: existing
      ? devices.map((candidate) => (candidate === existing ? device : candidate))
      : [...devices, device],
    fact: {
      type: "device.registered",
      data: {
        token: data.token,
        platform: data.platform,
        ...(data.appId === undefined ? {} : { appId: data.appId }),
      },
    },
  };
}

/** Removes a push token; a token the customer does not have changes nothing. */
export function unregisterDevice(devices: readonly Device[], token: string): DeviceOutcome {
  if (!devices.some((device) => device.token === token)) return { devices: [...devices] };
  return {
    devices: devices.filter((device) => device.token !== token),
    fact: { type: "device.unregistered", data: { token } },
  };
}
