import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

/** `/metrics` in Prometheus text format. Open like /healthz: it carries counts, never payloads or secrets. */
export function registerMetricsRoutes(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
