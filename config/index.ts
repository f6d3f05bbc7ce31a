export { type Config, ConfigError, loadConfig, ROLES, type Role } from "./config.ts";
