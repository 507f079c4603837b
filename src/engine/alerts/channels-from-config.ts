import type { AlertChannelConfig } from '../../config/config-schema.js';
import type { AlertChannel } from './alert-channel.js';
import { smtpChannel } from './smtp-channel.js';
import { slackChannel, webhookChannel } from './webhook-channel.js';

/** Builds the channels listed under `alerts.channels`. */
export function channelsFromConfig(
  configs: AlertChannelConfig[],
  fetchFn: typeof fetch = fetch,
): AlertChannel[] {
  return configs.map((c) => {
    switch (c.type) {
      case 'webhook':
        return webhookChannel({ url: c.url, headers: c.headers }, fetchFn);
      case 'slack':
        return slackChannel({ webhookUrl: c.webhookUrl }, fetchFn);
      default:
        return smtpChannel(c);
    }
  });
}
