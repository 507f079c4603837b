/**
 * The `customers` block of a connection's config: customer profiles kept in step both ways.
 *
 *   customers:
 *     enabled: true                  # sign-ups and profile edits on BigCommerce → Heartland (webhooks)
 *     fields:                        # per field: both | bc_to_hl | hl_to_bc | off
 *       name: both                   #   first + last name
 *       phone: both                  #   written as E.164
 *       email: bc_to_hl              #   Heartland → BigCommerce changes a web login: opt in with `both`
 *       addresses: bc_to_hl          #   BigCommerce address book → Heartland customer addresses (or off)
 *     createInBigCommerce: false     # make web accounts for Heartland customers that have none
 *     defaultCountry: US             # reads "(512) 555-0100" when the customer has no address
 *
 * The Heartland side is polled (Heartland sends no customer events we rely on) every
 * `polling.customers`, only when some field flows Heartland → BigCommerce or `createInBigCommerce` is on.
 * Creating web accounts is the retailer's decision (welcome e-mails, marketing consent), hence off by
 * default; Heartland customers are always created for BigCommerce sign-ups, as orders already do.
 */
import { z } from 'zod';

const direction = z.enum(['both', 'bc_to_hl', 'hl_to_bc', 'off']);
export type CustomerFieldDirection = z.infer<typeof direction>;

export const customersConfigSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Sync customer profiles between BigCommerce and Heartland (false: only orders touch customers).',
      ),
    fields: z
      .object({
        name: direction.default('both').describe('First and last name.'),
        phone: direction.default('both').describe('Phone number (written as E.164).'),
        email: direction
          .default('bc_to_hl')
          .describe(
            'Email. Heartland → BigCommerce changes the web login, so it is opt-in (`both` / `hl_to_bc`).',
          ),
        addresses: z
          .enum(['bc_to_hl', 'off'])
          .default('bc_to_hl')
          .describe('BigCommerce address book → Heartland customer addresses (added, never deleted).'),
      })
      .strict()
      .prefault({})
      .describe('Direction per field: both, bc_to_hl, hl_to_bc or off.'),
    createInBigCommerce: z
      .boolean()
      .default(false)
      .describe(
        'Create a BigCommerce customer for a changed Heartland customer that has none (needs an email).',
      ),
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO-3166 alpha-2 code such as US')
      .default('US')
      .describe('Country for phone numbers written without +country code when the customer has no address.'),
  })
  .strict();
export type CustomersConfig = z.output<typeof customersConfigSchema>;
export type CustomersConfigInput = z.input<typeof customersConfigSchema>;

export function parseCustomersConfig(input: unknown): CustomersConfig {
  return customersConfigSchema.parse(input ?? {});
}

export type CustomerField = 'name' | 'phone' | 'email';
export const PROFILE_FIELDS: readonly CustomerField[] = ['name', 'email', 'phone'];

export const flowsToHl = (d: CustomerFieldDirection) => d === 'both' || d === 'bc_to_hl';
export const flowsToBc = (d: CustomerFieldDirection) => d === 'both' || d === 'hl_to_bc';

/** Whether anything needs the Heartland poll. */
export function pollsHeartland(cfg: CustomersConfig): boolean {
  return cfg.enabled && (cfg.createInBigCommerce || PROFILE_FIELDS.some((f) => flowsToBc(cfg.fields[f])));
}
