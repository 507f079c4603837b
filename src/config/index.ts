export { ConfigError, type ConfigIssue, formatIssue, formatPath } from './config-error.js';
export { configJsonSchema } from './config-json-schema.js';
export { collectSecretValues, isSecretPath, redactConfig } from './config-redact.js';
export {
  type AlertChannelConfig,
  type ConfigSchemaOptions,
  type ConnectionConfig,
  configSchema,
  createConfigSchema,
  type HeartbridgeConfig,
  secretString,
} from './config-schema.js';
export { configVersion, recordConfigVersion, stableStringify } from './config-version.js';
export { durationSchema, parseDurationMs } from './duration.js';
export { ENV_VARS, REQUIRED_CONNECTION_ENV } from './env-overlay.js';
export { DEFAULT_CONFIG_FILE, type LoadConfigOptions, type LoadedConfig, loadConfig } from './load-config.js';
export {
  decryptSecret,
  encryptSecret,
  generateMasterKey,
  isEncrypted,
  masterKeyFromEnv,
  parseMasterKey,
  SecretError,
} from './secrets.js';
