/** Date formats of the BigCommerce API: v2 speaks RFC-2822 in UTC, v3 ISO-8601, webhooks unix seconds. */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** "Tue, 05 Mar 2019 21:40:11 +0000" */
export function rfc2822(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** ISO-8601 without milliseconds, as v3 renders it: "2019-03-05T21:40:11Z". */
export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Accepts RFC-2822, ISO-8601 (date or date-time) and unix seconds, as the v2/v3 filters do. */
export function parseApiDate(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{9,11}$/.test(t)) return Number(t) * 1000;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}
