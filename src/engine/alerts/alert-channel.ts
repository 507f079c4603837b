/** What a channel is given to send, and the interface every channel implements. */
export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertInput {
  /** De-duplication key: one outage = one key (e.g. `bc:webhooks-inactive:default`). */
  key: string;
  severity: AlertSeverity;
  title: string;
  detail?: string;
  connectionId?: string;
}

export interface AlertMessage extends AlertInput {
  /** `raised`: first message of an outage; `repeat`: still happening; `resolved`: it cleared. */
  kind: 'raised' | 'repeat' | 'resolved';
  /** Occurrences since the previous message (1 for `raised`). */
  occurrences: number;
  /** Occurrences since the outage began. */
  total: number;
  firstAt: number;
  at: number;
  /** One human line, e.g. `[critical] still happening (999 more): BigCommerce 429s`. */
  text: string;
}

export interface AlertChannel {
  /** `webhook` | `slack` | `smtp` — used in logs and metrics, never the URL (it may hold a secret). */
  readonly type: string;
  send(message: AlertMessage): Promise<void>;
  close?(): Promise<void>;
}

export const CHANNEL_TIMEOUT_MS = 10_000;

export function messageText(
  m: Pick<AlertMessage, 'kind' | 'severity' | 'title' | 'occurrences' | 'connectionId'>,
): string {
  const where = m.connectionId ? ` [${m.connectionId}]` : '';
  if (m.kind === 'raised') return `[${m.severity}]${where} ${m.title}`;
  if (m.kind === 'repeat')
    return `[${m.severity}]${where} still happening (${m.occurrences} more): ${m.title}`;
  return `[resolved]${where} ${m.title}`;
}
