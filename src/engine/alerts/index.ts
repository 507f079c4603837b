export {
  type AlertChannel,
  type AlertInput,
  type AlertMessage,
  type AlertSeverity,
  messageText,
} from './alert-channel.js';
export { type Alerts, type AlertsOptions, createAlerts } from './alerts.js';
export { channelsFromConfig } from './channels-from-config.js';
export { type SmtpChannelOptions, smtpChannel } from './smtp-channel.js';
export { slackChannel, webhookChannel } from './webhook-channel.js';
