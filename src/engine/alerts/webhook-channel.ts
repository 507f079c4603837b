import { type AlertChannel, type AlertMessage, CHANNEL_TIMEOUT_MS } from './alert-channel.js';

async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  fetchFn: typeof fetch,
): Promise<void> {
  const res = await fetchFn(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CHANNEL_TIMEOUT_MS),
  });
  // Drain the body so the connection can be reused / closed.
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`alert receiver answered HTTP ${res.status}`);
}

/** Generic webhook: the whole message as JSON. */
export function webhookChannel(
  options: { url: string; headers?: Record<string, string> },
  fetchFn: typeof fetch = fetch,
): AlertChannel {
  return {
    type: 'webhook',
    send: (message: AlertMessage) => postJson(options.url, message, options.headers ?? {}, fetchFn),
  };
}

/** Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat…): `{ text, blocks }`. */
export function slackChannel(options: { webhookUrl: string }, fetchFn: typeof fetch = fetch): AlertChannel {
  return {
    type: 'slack',
    send: (message: AlertMessage) => {
      const lines = [`*${message.text}*`];
      if (message.detail) lines.push(message.detail);
      return postJson(
        options.webhookUrl,
        {
          text: message.text,
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }],
        },
        {},
        fetchFn,
      );
    },
  };
}
