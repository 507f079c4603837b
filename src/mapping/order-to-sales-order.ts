/**
 * BigCommerce order → Heartland sales order draft (orders flow steps 4–5). Pure: everything it needs
 * comes in as arguments, the draft and a stable hash come out; every reason an order cannot be mapped
 * comes back as a Problem (all of them at once) for the quarantine, never as a throw.
 *
 * Money model (exact decimals; rounding only to cents, half-up, see money.ts):
 *   line amount incl. tax  = discounted_total_inc_tax (what the shopper paid for the line)
 *   line tax after discount = total_tax × discounted_total_inc_tax / total_inc_tax
 *   Heartland line amount   = incl. tax when prices include tax, else incl. − tax
 *   charges                 = shipping + handling + wrapping + order fees (Heartland has a single
 *                             `shipping_charge`, so the others are added to it)
 *   target                  = BC total_inc_tax − excluded gift-certificate purchases
 *   order-level discount    = BC shows it on the lines too (applied_discounts target "order",
 *                             discounted_total_inc_tax); when an order's lines do not carry it, the
 *                             part missing is spread over the lines by amount (order-discount.ts)
 * Σ(qty × adjusted_unit_price) + taxes + shipping_charge must equal the target to the cent: the
 * rounding difference is spread over the lines explicitly (largest remainder), never taking a line below
 * zero (cents the lines cannot give come off the shipping charge, then the tax); a difference larger
 * than `taxHandling.maxRoundingCents` (default: lines + 2) is a real mismatch and is quarantined. When a
 * line's cents cannot be written as qty × one unit price (10.00 for 3), it becomes two Heartland lines
 * of the same item (2 × 3.33 + 1 × 3.34).
 *
 * Decisions: variant SKUs map like product SKUs (BC sends the variant's SKU on the line). Gift
 * certificate purchases are left out by default (the gift card flow issues the card; `reject` to
 * quarantine instead). Bundles: `parent` sells the bundle SKU and skips its components; `children`
 * sells the components with the parent's amount spread over them.
 */
import { HeartbridgeError } from '../engine/errors.js';
import { type HlAddress, normalizeAddress } from './address.js';
import {
  type BcOrder,
  type BcOrderProduct,
  type BcShippingAddress,
  type BcTransaction,
  bcOrderProductSchema,
  bcOrderSchema,
  bcShippingAddressSchema,
  bcTransactionSchema,
} from './bc-input.js';
import type { HlDepositPayment, HlDraftLine, HlItemRef, HlOrderTax, HlSalesOrderDraft } from './hl-draft.js';
import { evaluateExpressions } from './jsonata-eval.js';
import type { MappingConfig, PaymentTypeRef } from './mapping-config.js';
import {
  allocateCents,
  centsToString,
  type Money,
  money,
  splitLineTotal,
  spreadRounding,
  toCents,
} from './money.js';
import {
  declaredOrderDiscountCents,
  spreadOrderDiscount,
  unreflectedDiscountCents,
} from './order-discount.js';
import {
  buildSkuIndex,
  type CatalogueEntry,
  describeSuggestions,
  type SkuIndex,
  type SkuSuggestion,
  suggestSkus,
} from './sku-suggest.js';
import { stableHash } from './stable-hash.js';
import { bcStatusToHeartland } from './status-map.js';
import { cleanText, foldKey } from './text.js';

export type ProblemCode =
  | 'HB_ERR_MAP_INPUT_INVALID'
  | 'HB_ERR_MAP_STATUS_SKIPPED'
  | 'HB_ERR_MAP_MISSING_SKU'
  | 'HB_ERR_MAP_UNKNOWN_SKU'
  | 'HB_ERR_MAP_PAYMENT_UNMAPPED'
  | 'HB_ERR_MAP_SHIPPING_UNMAPPED'
  | 'HB_ERR_MAP_ADDRESS_INVALID'
  | 'HB_ERR_MAP_GIFT_CERTIFICATE_LINE'
  | 'HB_ERR_MAP_NO_LINES'
  | 'HB_ERR_MAP_TOTAL_MISMATCH'
  | 'HB_ERR_MAP_EXPRESSION'
  | 'HB_ERR_MAP_MONEY_INVALID';

export interface Problem {
  code: ProblemCode;
  field: string;
  reason: string;
  suggestedFix: string;
  /** Closest existing SKUs, for HB_ERR_MAP_UNKNOWN_SKU when a catalogue was given. */
  suggestions?: SkuSuggestion[];
}

export interface MapOrderInput {
  order: unknown;
  products: unknown;
  shippingAddresses: unknown;
  transactions: unknown;
  config: MappingConfig;
  /** Heartland items by SKU (= item public_id), for every SKU on the order that exists. */
  hlItemsBySku: ReadonlyMap<string, HlItemRef>;
  hlCustomerId: number;
  /** Epoch ms: the mapping time ($now() in expressions). Not part of the hash. */
  now: number;
  /** Heartland catalogue for "did you mean" suggestions on unknown SKUs (an index is reused as is). */
  catalogue?: SkuIndex | readonly CatalogueEntry[];
}

export type MapOrderResult =
  | { ok: true; draft: HlSalesOrderDraft; hash: string }
  | { ok: false; problems: Problem[] };

interface SelectedLine {
  product: BcOrderProduct;
  /** Exact amount incl. tax after discounts (children of a bundle: their share of the parent). */
  incTax: Money;
  tax: Money;
}

const PAID_EVENTS = new Set(['purchase', 'capture', 'authorization', 'pending', 'settled']);

export async function mapOrder(input: MapOrderInput): Promise<MapOrderResult> {
  const parsed = parseInputs(input);
  if (!parsed.ok) return parsed;
  const { order, products, shippingAddresses, transactions } = parsed;
  const { config } = input;
  const problems: Problem[] = [];
  try {
    const status = bcStatusToHeartland(order.status_id, config);
    if (status.action === 'skip') {
      return {
        ok: false,
        problems: [
          {
            code: 'HB_ERR_MAP_STATUS_SKIPPED',
            field: 'status_id',
            reason: status.reason,
            suggestedFix: 'none: wait for the order to change status',
          },
        ],
      };
    }
    const inclusive =
      config.taxHandling.pricesIncludeTax === 'auto'
        ? order.is_tax_inclusive_pricing === true
        : config.taxHandling.pricesIncludeTax;

    // Addresses.
    const billing = normalizeAddress(order.billing_address);
    if (!billing.ok) problems.push(...addressProblems('billing_address', billing.problems));
    const shipNorm = new Map<number, HlAddress>();
    shippingAddresses.forEach((a, i) => {
      const n = normalizeAddress(a);
      if (n.ok) shipNorm.set(a.id, n.address);
      else problems.push(...addressProblems(`shipping_addresses[${i}]`, n.problems));
    });
    const primaryShip = shippingAddresses[0];

    // Charges (Heartland has one: shipping_charge) and their tax.
    const shipInc = money(order.shipping_cost_inc_tax)
      .plus(money(order.handling_cost_inc_tax ?? '0'))
      .plus(money(order.wrapping_cost_inc_tax ?? '0'));
    const shipEx = money(order.shipping_cost_ex_tax)
      .plus(money(order.handling_cost_ex_tax ?? '0'))
      .plus(money(order.wrapping_cost_ex_tax ?? '0'));
    let feesInc = money('0');
    let feesTax = money('0');
    for (const f of order.fees ?? []) {
      feesInc = feesInc.plus(money(f.cost_inc_tax));
      feesTax = feesTax.plus(money(f.cost_tax ?? '0'));
    }
    const chargesTax = shipInc.minus(shipEx).plus(feesTax);
    let shippingCents = toCents(inclusive ? shipInc.plus(feesInc) : shipEx.plus(feesInc).minus(feesTax));

    // Lines, with any order-level discount BigCommerce did not show on them spread over them.
    const picked = selectLines(products, config, problems);
    const { excludedCents } = picked;
    const targetCents = toCents(order.total_inc_tax) - excludedCents;
    const maxRounding = config.taxHandling.maxRoundingCents ?? picked.selected.length + 2;
    const declaredDiscountCents = declaredOrderDiscountCents(order);
    const gapCents =
      toCents(
        picked.selected
          .reduce((a, l) => a.plus(l.incTax), money('0'))
          .plus(shipInc)
          .plus(feesInc),
      ) - targetCents;
    const unreflected = unreflectedDiscountCents({
      declaredCents: declaredDiscountCents,
      gapCents,
      maxRoundingCents: maxRounding,
    });
    const discounted = spreadOrderDiscount(picked.selected, unreflected.cents);
    const selected = discounted.lines;
    const discountNote = unreflected.note ?? discounted.note;
    const index = input.catalogue
      ? 'byGram' in input.catalogue
        ? input.catalogue
        : buildSkuIndex(input.catalogue)
      : undefined;
    const resolved: Array<{ line: SelectedLine; sku: string; item: HlItemRef }> = [];
    for (const line of selected) {
      const p = line.product;
      const sku = cleanText(p.sku, 255);
      const field = `products[id=${p.id}].sku`;
      if (sku === '') {
        problems.push({
          code: 'HB_ERR_MAP_MISSING_SKU',
          field,
          reason: `line "${cleanText(p.name, 80)}" has no SKU`,
          suggestedFix:
            'give the product or variant a SKU in BigCommerce that exists in Heartland, then replay',
        });
        continue;
      }
      const item = input.hlItemsBySku.get(sku) ?? input.hlItemsBySku.get(p.sku ?? '');
      if (!item) {
        const suggestions = index ? suggestSkus(index, sku, p.name) : [];
        problems.push({
          code: 'HB_ERR_MAP_UNKNOWN_SKU',
          field,
          reason: `SKU "${sku}" (${cleanText(p.name, 80)}) does not exist in Heartland`,
          suggestedFix: describeSuggestions(sku, suggestions),
          ...(index ? { suggestions } : {}),
        });
        continue;
      }
      resolved.push({ line, sku, item });
    }
    if (selected.length === 0 && products.length > 0 && excludedCents === 0 && problems.length === 0) {
      problems.push({
        code: 'HB_ERR_MAP_NO_LINES',
        field: 'products',
        reason: 'no line of the order can be sold in Heartland',
        suggestedFix: 'check the order lines in BigCommerce',
      });
    }

    // Taxes (each rounded to cents on its own, half-up, like the charges).
    const lineMode = config.taxHandling.mode === 'line' && !inclusive;
    const lineTaxCents = resolved.map((r) => (inclusive ? 0 : toCents(r.line.tax)));
    let chargesTaxCents = inclusive ? 0 : toCents(chargesTax);
    const taxCentsBefore = chargesTaxCents + lineTaxCents.reduce((a, b) => a + b, 0);

    // Totals: spread the rounding difference over the line amounts. The charges, their tax and each
    // line's tax are rounded separately, so together they can come to a few cents more than the total
    // (10.355 + 1.0355 → 10.36 + 1.04 against 11.39): the lines then give those cents back. Lines never go
    // below zero: when they hold fewer cents than that (a 0.0044 line), the rest comes off the shipping
    // charge, then the tax, instead of turning a line into a negative price.
    const lineTargetCents = targetCents - shippingCents - taxCentsBefore;
    let lineCents: number[] = [];
    let roundingCents = 0;
    let shortfallCents = 0;
    if (resolved.length > 0) {
      const spread = spreadRounding(
        resolved.map((r) => {
          // A line's exact amount is never below zero: a bundle child's separately allocated tax can
          // exceed its amount by a rounding cent; treat it as zero and let the spread settle the cent.
          const exact = inclusive ? r.line.incTax : r.line.incTax.minus(r.line.tax);
          return { exact: exact.isNegative() ? money('0') : exact, weight: r.line.incTax.isZero() ? 0 : 1 };
        }),
        Math.max(0, lineTargetCents),
      );
      lineCents = spread.cents;
      shortfallCents = Math.max(0, -lineTargetCents);
      roundingCents = spread.difference - shortfallCents;
    } else if (lineTargetCents !== 0 && selected.length === 0) {
      // Nothing to sell (e.g. only a gift certificate and shipping): the charge absorbs the rounding.
      roundingCents = lineTargetCents;
      if (lineTargetCents > 0) shippingCents += lineTargetCents;
      else shortfallCents = -lineTargetCents;
    }
    if (Math.abs(roundingCents) > maxRounding && selected.length === resolved.length) {
      problems.push({
        code: 'HB_ERR_MAP_TOTAL_MISMATCH',
        field: 'total_inc_tax',
        reason: `lines, tax and charges add up to ${centsToString(targetCents - roundingCents)} but BigCommerce total_inc_tax is ${order.total_inc_tax} (excluded ${centsToString(excludedCents)}): ${centsToString(roundingCents)} is more than rounding${discountNote ? `; ${discountNote}` : ''}`,
        suggestedFix:
          'check the order for discounts, fees or credits Heartland cannot hold; fix the order or raise taxHandling.maxRoundingCents if this is rounding',
      });
    } else if (shortfallCents > 0) {
      // Cents the lines could not give back: the shipping charge first, then the charges' tax, then the
      // largest line taxes, none below zero.
      const fromShipping = Math.min(shortfallCents, Math.max(0, shippingCents));
      shippingCents -= fromShipping;
      shortfallCents -= fromShipping;
      const fromChargesTax = Math.min(shortfallCents, Math.max(0, chargesTaxCents));
      chargesTaxCents -= fromChargesTax;
      shortfallCents -= fromChargesTax;
      const byTax = lineTaxCents.map((t, i) => ({ t, i })).sort((a, b) => b.t - a.t || a.i - b.i);
      for (const { i } of byTax) {
        const take = Math.min(shortfallCents, Math.max(0, lineTaxCents[i]!));
        lineTaxCents[i]! -= take;
        shortfallCents -= take;
      }
      if (shortfallCents > 0) {
        // Only when the target itself is below zero (BigCommerce total less than the excluded lines).
        problems.push({
          code: 'HB_ERR_MAP_TOTAL_MISMATCH',
          field: 'total_inc_tax',
          reason: `BigCommerce total_inc_tax ${order.total_inc_tax} (excluded ${centsToString(excludedCents)}) cannot be written without a negative amount`,
          suggestedFix: 'check the order totals in BigCommerce',
        });
      }
    }
    const taxes: HlOrderTax[] = [];
    if (!inclusive) {
      const orderTaxCents = lineMode
        ? chargesTaxCents
        : chargesTaxCents + lineTaxCents.reduce((a, b) => a + b, 0);
      if (orderTaxCents !== 0)
        taxes.push({ description: config.taxHandling.description, value: centsToString(orderTaxCents) });
    }
    const taxCents = chargesTaxCents + lineTaxCents.reduce((a, b) => a + b, 0);

    // Payments (deposits), shipping method, fulfilment location.
    const payments = mapPayments(order, transactions, targetCents, config, problems);
    const shipMethod = mapShippingMethod(primaryShip, config, problems);
    const custom: Record<string, string | number | boolean | null> = {};
    let salesRep = config.defaults.salesRep;
    if (Object.keys(config.expressions).length > 0) {
      try {
        const values = await evaluateExpressions(
          config.expressions,
          { order, products, shippingAddresses, transactions },
          input.now,
        );
        for (const [target, value] of Object.entries(values)) {
          if (value === null) continue;
          if (target === 'sales_rep') salesRep = String(value);
          else custom[target.slice('custom.'.length)] = value;
        }
      } catch (err) {
        if (!(err instanceof HeartbridgeError)) throw err;
        const target = typeof err.context?.target === 'string' ? err.context.target : '?';
        problems.push({
          code: 'HB_ERR_MAP_EXPRESSION',
          field: `expressions.${target}`,
          reason: err.message,
          suggestedFix: err.suggestedFix ?? 'fix the expression',
        });
      }
    }
    custom[config.bcOrderIdCustomField] = String(order.id);

    if (problems.length > 0 || !billing.ok) return { ok: false, problems };

    const lines: HlDraftLine[] = [];
    resolved.forEach((r, i) => {
      const p = r.line.product;
      const location = fulfilmentLocation(p, order, shippingAddresses, shipNorm, config);
      const original = centsToString(toCents(inclusive ? money(p.price_inc_tax) : money(p.price_ex_tax)));
      const parts = splitLineTotal(lineCents[i]!, p.quantity);
      const partTax = lineMode
        ? allocateCents(
            lineTaxCents[i]!,
            parts.map((x) => x.qty),
          )
        : [];
      parts.forEach((part, k) => {
        lines.push({
          bcOrderProductId: p.id,
          sku: r.sku,
          body: {
            item_id: r.item.id,
            qty: part.qty,
            original_unit_price: original,
            adjusted_unit_price: centsToString(part.unitCents),
            ship_from_location_id: location,
            ...(lineMode ? { total_tax: centsToString(partTax[k]!) } : {}),
          },
        });
      });
    });

    const linesCents = lines.reduce((a, l) => a + l.body.qty * toCents(l.body.adjusted_unit_price), 0);
    const draft: HlSalesOrderDraft = {
      bcOrderId: order.id,
      header: {
        customer_id: input.hlCustomerId,
        source_location_id: config.defaults.sourceLocationId,
        station_id: config.defaults.stationId,
        status: 'pending',
        shipping_charge: centsToString(shippingCents),
        shipping_method_id: shipMethod?.id ?? null,
        shipping_method_name: shipMethod?.id === undefined ? (shipMethod?.name ?? null) : null,
        sales_rep: salesRep,
        ...(config.orderNumber.from === 'bigcommerce'
          ? { public_id: `${config.orderNumber.prefix}${order.id}` }
          : {}),
        custom,
      },
      billingAddress: billing.address,
      shippingAddress: primaryShip ? (shipNorm.get(primaryShip.id) ?? null) : null,
      lines,
      taxes,
      payments,
      targetStatus: status.status,
      totals: {
        bcTotalIncTax: centsToString(toCents(order.total_inc_tax)),
        lines: centsToString(linesCents),
        tax: centsToString(taxCents),
        shipping: centsToString(shippingCents),
        excluded: centsToString(excludedCents),
        payments: centsToString(payments.reduce((a, p) => a + toCents(p.amount), 0)),
        orderDiscountSpread: centsToString(discounted.spreadCents),
        roundingCents,
      },
    };
    return { ok: true, draft, hash: hashDraft(draft) };
  } catch (err) {
    // Only our own classified errors (e.g. an amount out of range) become problems; bugs propagate.
    if (!(err instanceof HeartbridgeError)) throw err;
    problems.push({
      code: err.code === 'HB_ERR_MAP_MONEY_INVALID' ? 'HB_ERR_MAP_MONEY_INVALID' : 'HB_ERR_MAP_INPUT_INVALID',
      field: String(err.context?.field ?? 'order'),
      reason: err.message,
      suggestedFix: err.suggestedFix ?? 'check the order in BigCommerce',
    });
    return { ok: false, problems };
  }
}

/** The fields we write to Heartland, hashed (echo suppression / no-op detection). */
export function hashDraft(draft: HlSalesOrderDraft): string {
  return stableHash({
    header: draft.header,
    billingAddress: draft.billingAddress,
    shippingAddress: draft.shippingAddress,
    lines: draft.lines.map((l) => l.body),
    taxes: draft.taxes,
    payments: draft.payments,
    targetStatus: draft.targetStatus,
  });
}

type Parsed =
  | {
      ok: true;
      order: BcOrder;
      products: BcOrderProduct[];
      shippingAddresses: BcShippingAddress[];
      transactions: BcTransaction[];
    }
  | { ok: false; problems: Problem[] };

function parseInputs(input: MapOrderInput): Parsed {
  const problems: Problem[] = [];
  const check = <T>(
    name: string,
    schema: {
      safeParse(
        v: unknown,
      ):
        | { success: true; data: T }
        | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
    },
    value: unknown,
  ): T | undefined => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    for (const issue of r.error.issues.slice(0, 10)) {
      problems.push({
        code: 'HB_ERR_MAP_INPUT_INVALID',
        field: [name, ...issue.path.map(String)].join('.'),
        reason: issue.message,
        suggestedFix: 'the BigCommerce response has an unexpected shape; check the API version and the order',
      });
    }
    return undefined;
  };
  const order = check('order', bcOrderSchema, input.order);
  const products = check('products', bcOrderProductSchema.array(), input.products);
  const shippingAddresses = check(
    'shippingAddresses',
    bcShippingAddressSchema.array(),
    input.shippingAddresses,
  );
  const transactions = check('transactions', bcTransactionSchema.array(), input.transactions ?? []);
  if (!order || !products || !shippingAddresses || !transactions) return { ok: false, problems };
  return {
    ok: true,
    order,
    products,
    shippingAddresses: [...shippingAddresses].sort((a, b) => a.id - b.id),
    transactions,
  };
}

function addressProblems(
  prefix: string,
  list: ReadonlyArray<{ field: string; reason: string; suggestedFix: string }>,
): Problem[] {
  return list.map((p) => ({
    code: 'HB_ERR_MAP_ADDRESS_INVALID',
    field: `${prefix}.${p.field}`,
    reason: p.reason,
    suggestedFix: p.suggestedFix,
  }));
}

function lineAmounts(p: BcOrderProduct): { incTax: Money; tax: Money } {
  const totalInc = money(p.total_inc_tax);
  const discounts = (p.applied_discounts ?? []).reduce((a, d) => a.plus(money(d.amount)), money('0'));
  const incTax =
    p.discounted_total_inc_tax !== undefined ? money(p.discounted_total_inc_tax) : totalInc.minus(discounts);
  const taxBefore = p.total_tax !== undefined ? money(p.total_tax) : totalInc.minus(money(p.total_ex_tax));
  const tax = totalInc.isZero() ? money('0') : taxBefore.times(incTax).div(totalInc);
  return { incTax, tax };
}

function selectLines(
  products: readonly BcOrderProduct[],
  config: MappingConfig,
  problems: Problem[],
): { selected: SelectedLine[]; excludedCents: number } {
  let excludedCents = 0;
  const selected: SelectedLine[] = [];
  const childrenOf = new Map<number, BcOrderProduct[]>();
  for (const p of products) {
    if (p.parent_order_product_id != null)
      childrenOf.set(p.parent_order_product_id, [...(childrenOf.get(p.parent_order_product_id) ?? []), p]);
  }
  const ids = new Set(products.map((p) => p.id));
  for (const p of products) {
    if (p.quantity === 0) continue;
    const isGift = p.type === 'giftcertificate' || (p.gift_certificate_id ?? 0) > 0;
    if (isGift) {
      if (config.giftCertificateLines === 'exclude') excludedCents += toCents(lineAmounts(p).incTax);
      else
        problems.push({
          code: 'HB_ERR_MAP_GIFT_CERTIFICATE_LINE',
          field: `products[id=${p.id}]`,
          reason: 'the order sells a gift certificate',
          suggestedFix: 'issue the gift card in Heartland by hand, or set giftCertificateLines: exclude',
        });
      continue;
    }
    const isChild = p.parent_order_product_id != null && ids.has(p.parent_order_product_id);
    const children = (childrenOf.get(p.id) ?? []).filter((c) => c.quantity > 0);
    if (config.bundles === 'parent') {
      if (isChild) continue;
      selected.push({ product: p, ...lineAmounts(p) });
    } else {
      if (isChild) continue; // handled with its parent
      if (children.length === 0) {
        selected.push({ product: p, ...lineAmounts(p) });
        continue;
      }
      // The parent's amount (and tax) spread over its components by their own totals, else by quantity.
      const parent = lineAmounts(p);
      const weights = children.map((c) => money(c.total_inc_tax));
      const useQty = weights.every((w) => w.isZero());
      const w = useQty ? children.map((c) => c.quantity) : weights;
      const childTotals = children.map((c) => lineAmounts(c));
      const incShares = allocateCents(
        toCents(parent.incTax.plus(childTotals.reduce((a, t) => a.plus(t.incTax), money('0')))),
        w,
      );
      const taxShares = allocateCents(
        toCents(parent.tax.plus(childTotals.reduce((a, t) => a.plus(t.tax), money('0')))),
        w,
      );
      children.forEach((c, k) => {
        selected.push({
          product: c,
          incTax: money(centsToString(incShares[k]!)),
          tax: money(centsToString(taxShares[k]!)),
        });
      });
    }
  }
  return { selected, excludedCents };
}

function lookupFolded<T>(map: Record<string, T>, key: string | null | undefined): T | undefined {
  if (!key) return undefined;
  const k = foldKey(key);
  if (k === '') return undefined;
  for (const [name, v] of Object.entries(map)) if (foldKey(name) === k) return v;
  return undefined;
}

function mapPayments(
  order: BcOrder,
  transactions: readonly BcTransaction[],
  targetCents: number,
  config: MappingConfig,
  problems: Problem[],
): HlDepositPayment[] {
  if (targetCents <= 0) return [];
  const pm = config.paymentMethods;
  const gcCents = Math.min(targetCents, Math.max(0, toCents(order.gift_certificate_amount ?? '0')));
  const scCents = Math.min(targetCents - gcCents, Math.max(0, toCents(order.store_credit_amount ?? '0')));
  const restCents = targetCents - gcCents - scCents;
  const out: HlDepositPayment[] = [];
  const add = (ref: PaymentTypeRef, cents: number, source: string) => {
    out.push({
      type: 'CustomPayment',
      deposit: true,
      amount: centsToString(cents),
      payment_type_id: ref.id ?? null,
      payment_type_name: ref.id === undefined ? (ref.name ?? null) : null,
      custom: { bc_payment: source },
    });
  };
  if (gcCents > 0) {
    if (pm.giftCertificate) add(pm.giftCertificate, gcCents, 'gift_certificate');
    else
      problems.push({
        code: 'HB_ERR_MAP_PAYMENT_UNMAPPED',
        field: 'paymentMethods.giftCertificate',
        reason: `${centsToString(gcCents)} was paid with a BigCommerce gift certificate`,
        suggestedFix: 'set paymentMethods.giftCertificate in the mapping config, then replay',
      });
  }
  if (scCents > 0) {
    if (pm.storeCredit) add(pm.storeCredit, scCents, 'store_credit');
    else
      problems.push({
        code: 'HB_ERR_MAP_PAYMENT_UNMAPPED',
        field: 'paymentMethods.storeCredit',
        reason: `${centsToString(scCents)} was paid with BigCommerce store credit`,
        suggestedFix: 'set paymentMethods.storeCredit in the mapping config, then replay',
      });
  }
  if (restCents > 0) {
    const name = cleanText(order.payment_method, 100);
    let ref = lookupFolded(pm.byName, name);
    let source = `name:${name}`;
    if (!ref) {
      for (const t of transactions) {
        if (
          t.status === 'error' ||
          !PAID_EVENTS.has(t.event) ||
          t.gateway === 'giftcertificate' ||
          t.gateway === 'storecredit'
        )
          continue;
        const candidates: Array<[PaymentTypeRef | undefined, string]> = [
          [
            lookupFolded(pm.byName, t.offline?.display_name ?? t.custom?.payment_method),
            `name:${t.offline?.display_name ?? t.custom?.payment_method ?? ''}`,
          ],
          [lookupFolded(pm.byGateway, t.gateway), `gateway:${t.gateway ?? ''}`],
          [lookupFolded(pm.byMethod, t.method), `method:${t.method ?? ''}`],
        ];
        const hit = candidates.find(([r]) => r !== undefined);
        if (hit?.[0]) {
          [ref, source] = [hit[0], hit[1]];
          break;
        }
      }
    }
    if (!ref && pm.default) [ref, source] = [pm.default, 'default'];
    if (ref) add(ref, restCents, source);
    else {
      const gateways = [...new Set(transactions.map((t) => t.gateway).filter(Boolean))].join(', ');
      problems.push({
        code: 'HB_ERR_MAP_PAYMENT_UNMAPPED',
        field: 'payment_method',
        reason: `payment method "${name}"${gateways ? ` (gateway ${gateways})` : ''} has no Heartland payment type`,
        suggestedFix: `add "${name || 'the method'}" under paymentMethods.byName (or the gateway under byGateway, or a default) in the mapping config, then replay`,
      });
    }
  }
  return out;
}

function mapShippingMethod(
  ship: BcShippingAddress | undefined,
  config: MappingConfig,
  problems: Problem[],
): { id?: number; name?: string } | undefined {
  const sm = config.shippingMethods;
  const name = cleanText(ship?.shipping_method, 100);
  const ref = lookupFolded(sm.byName, name) ?? sm.default;
  if (!ref && ship && sm.required) {
    problems.push({
      code: 'HB_ERR_MAP_SHIPPING_UNMAPPED',
      field: 'shipping_addresses[0].shipping_method',
      reason: `shipping method "${name}" has no Heartland shipping method`,
      suggestedFix: `add "${name}" under shippingMethods.byName in the mapping config, then replay`,
    });
  }
  return ref;
}

function fulfilmentLocation(
  p: BcOrderProduct,
  order: BcOrder,
  ships: readonly BcShippingAddress[],
  norm: ReadonlyMap<number, HlAddress>,
  config: MappingConfig,
): number {
  const shipId =
    p.order_address_id && ships.some((s) => s.id === p.order_address_id) ? p.order_address_id : ships[0]?.id;
  const addr = shipId === undefined ? undefined : norm.get(shipId);
  const pickup = (p.order_pickup_method_id ?? 0) > 0;
  for (const rule of config.fulfilmentLocation.rules) {
    const w = rule.when;
    if (w.pickup !== undefined && w.pickup !== pickup) continue;
    if (w.countries && !(addr && w.countries.includes(addr.country))) continue;
    if (w.states && !(addr && w.states.includes(addr.state))) continue;
    if (w.channelIds && !w.channelIds.includes(order.channel_id ?? 1)) continue;
    if (w.orderAddressIds && !(shipId !== undefined && w.orderAddressIds.includes(shipId))) continue;
    return rule.locationId;
  }
  return config.fulfilmentLocation.defaultLocationId ?? config.defaults.sourceLocationId;
}
