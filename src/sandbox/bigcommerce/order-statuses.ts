/** The fixed v2 order status table (`GET /v2/order_statuses`): id, name, display order, description. */
export const ORDER_STATUSES: ReadonlyArray<{ id: number; name: string; order: number; description: string }> =
  [
    {
      id: 0,
      name: 'Incomplete',
      order: 0,
      description:
        'An incomplete order happens when a shopper reached the payment page, but did not complete the transaction.',
    },
    {
      id: 1,
      name: 'Pending',
      order: 1,
      description: 'Customer started the checkout process, but did not complete it.',
    },
    {
      id: 2,
      name: 'Shipped',
      order: 8,
      description:
        'Order has been shipped, but receipt has not been confirmed; seller has used the Ship Items action.',
    },
    {
      id: 3,
      name: 'Partially Shipped',
      order: 6,
      description:
        'Only some items in the order have been shipped, due to some products being pre-order only or other reasons.',
    },
    { id: 4, name: 'Refunded', order: 11, description: 'Seller has used the Refund action.' },
    {
      id: 5,
      name: 'Cancelled',
      order: 9,
      description: 'Seller has cancelled an order, due to a stock inconsistency or other reasons.',
    },
    {
      id: 6,
      name: 'Declined',
      order: 10,
      description: 'Seller has marked the order as declined for lack of manual payment, or other reasons.',
    },
    {
      id: 7,
      name: 'Awaiting Payment',
      order: 2,
      description: 'Customer has completed checkout process, but payment has yet to be confirmed.',
    },
    {
      id: 8,
      name: 'Awaiting Pickup',
      order: 5,
      description: 'Order has been pulled, and is awaiting customer pickup from a seller-specified location.',
    },
    {
      id: 9,
      name: 'Awaiting Shipment',
      order: 4,
      description: 'Order has been pulled and packaged, and is awaiting collection from a shipping provider.',
    },
    {
      id: 10,
      name: 'Completed',
      order: 7,
      description: 'Client has paid for their digital product and their file(s) are available for download.',
    },
    {
      id: 11,
      name: 'Awaiting Fulfillment',
      order: 3,
      description: 'Customer has completed the checkout process and payment has been confirmed.',
    },
    {
      id: 12,
      name: 'Manual Verification Required',
      order: 13,
      description: 'Order is on hold while some aspect needs to be manually confirmed.',
    },
    {
      id: 13,
      name: 'Disputed',
      order: 12,
      description:
        'Customer has initiated a dispute resolution process for the PayPal transaction that paid for the order.',
    },
    {
      id: 14,
      name: 'Partially Refunded',
      order: 14,
      description: 'Seller has partially refunded the order.',
    },
  ];

export function statusName(id: number): string {
  return ORDER_STATUSES.find((s) => s.id === id)?.name ?? 'Pending';
}

export function renderStatus(s: (typeof ORDER_STATUSES)[number]) {
  return {
    id: s.id,
    name: s.name,
    system_label: s.name,
    custom_label: s.name,
    system_description: s.description,
    order: s.order,
  };
}
