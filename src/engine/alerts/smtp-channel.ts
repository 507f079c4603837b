import nodemailer from 'nodemailer';
import { type AlertChannel, type AlertMessage, CHANNEL_TIMEOUT_MS } from './alert-channel.js';

export interface SmtpChannelOptions {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
}

/** Email over SMTP (nodemailer). One transport per channel, closed with the alerts service. */
export function smtpChannel(options: SmtpChannelOptions): AlertChannel {
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    auth: options.user ? { user: options.user, pass: options.password ?? '' } : undefined,
    connectionTimeout: CHANNEL_TIMEOUT_MS,
    greetingTimeout: CHANNEL_TIMEOUT_MS,
    socketTimeout: CHANNEL_TIMEOUT_MS,
  });
  return {
    type: 'smtp',
    async send(message: AlertMessage) {
      const when = new Date(message.at).toISOString();
      await transport.sendMail({
        from: options.from,
        to: options.to,
        subject: `heartbridge: ${message.text}`,
        text: [
          message.text,
          '',
          message.detail ?? '',
          '',
          `key: ${message.key}`,
          `occurrences: ${message.occurrences} (total ${message.total}) since ${new Date(message.firstAt).toISOString()}`,
          `at: ${when}`,
        ].join('\n'),
      });
    },
    async close() {
      transport.close();
    },
  };
}
