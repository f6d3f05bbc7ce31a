import { CUSTOMER_BOUNDS, type CustomerFactDraft, type Device, type IngestCommand } from "../../model/index.ts";

export type RegisterDeviceData = Extract<IngestCommand, { type: "device.register" }>["data"];

/** The devices after a change, and the facts describing it (none when nothing changed). */
export type DeviceOutcome = {
  devices: Device[];
  facts: CustomerFactDraft[];
};

/**
 * Adds a push token, or updates the platform and app of one the customer already has (keeping its
 * `registeredAt`). Registering a token exactly as it is changes nothing. Beyond
 * `CUSTOMER_BOUNDS.devices`, the tokens registered longest ago are forgotten, each with its
 * `device.unregistered` fact. Taking the token away from another customer who held it is the
 * runtime's job, prompted by the `device.registered` fact.
 */
export function registerDevice(devices: readonly Device[], data: RegisterDeviceData, now: string): DeviceOutcome {
  const existing = devices.find((device) => device.token === data.token);
  if (existing && existing.platform === data.platform && existing.appId === data.appId) {
    return { devices: [...devices], facts: [] };
  }
  const device: Device = {
    token: data.token,
    platform: data.platform,
    ...(data.appId === undefined ? {} : { appId: data.appId }),
    registeredAt: existing?.registeredAt ?? now,
  };
  const registered: CustomerFactDraft = {
    type: "device.registered",
    data: {
      token: data.token,
      platform: data.platform,
      ...(data.appId === undefined ? {} : { appId: data.appId }),
    },
  };
  if (existing) {
    return { devices: devices.map((candidate) => (candidate === existing ? device : candidate)), facts: [registered] };
  }
  const { kept, forgotten } = forgetOldest([...devices, device]);
  return { devices: kept, facts: [registered, ...forgotten.map(unregistered)] };
}

/** Keeps the devices registered most recently, in their order; ties keep the later-added one. */
function forgetOldest(devices: Device[]): { kept: Device[]; forgotten: Device[] } {
  const excess = devices.length - CUSTOMER_BOUNDS.devices;
  if (excess <= 0) return { kept: devices, forgotten: [] };
  const oldest = new Set(
    devices
      .map((device, index) => ({ device, index }))
      .sort((a, b) => a.device.registeredAt.localeCompare(b.device.registeredAt) || a.index - b.index)
      .slice(0, excess)
      .map(({ device }) => device),
  );
  return {
    kept: devices.filter((device) => !oldest.has(device)),
    forgotten: devices.filter((device) => oldest.has(device)),
  };
}

function unregistered(device: Device): CustomerFactDraft {
  return { type: "device.unregistered", data: { token: device.token } };
}

/** Removes a push token; a token the customer does not have changes nothing. */
export function unregisterDevice(devices: readonly Device[], token: string): DeviceOutcome {
  const device = devices.find((candidate) => candidate.token === token);
  if (!device) return { devices: [...devices], facts: [] };
  return { devices: devices.filter((candidate) => candidate !== device), facts: [unregistered(device)] };
}
