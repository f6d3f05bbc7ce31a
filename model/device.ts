import { z } from "zod";

export const DEVICE_PLATFORMS = ["IOS", "ANDROID", "WEB"] as const;
export const devicePlatformSchema = z.enum(DEVICE_PLATFORMS);
export type DevicePlatform = z.infer<typeof devicePlatformSchema>;

/** A push token registered for a customer; a token belongs to one customer at a time. */
export type Device = {
  token: string;
  platform: DevicePlatform;
  appId?: string;
  registeredAt: string;
};
