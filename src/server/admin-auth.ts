/**
 * `adminAuth`: the preHandler every admin route uses (DESIGN §4 "nobody unauthenticated").
 *
 * - `server.adminToken` set → `Authorization: Bearer <token>` required, compared in constant time.
 * - not set → admin routes answer only when the server listens on a loopback address (a developer's
 *   machine, where only local users can connect); on any other host they refuse with a reason that
 *   says how to enable them. An unset token never means "open to the network".
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

export type AdminAuthHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function createAdminAuth(options: { adminToken?: string; host: string }): AdminAuthHandler {
  const expected = options.adminToken ? digest(options.adminToken) : undefined;
  const loopbackOnly = LOOPBACK_HOSTS.has(options.host);
  return async (request) => {
    if (!expected) {
      if (loopbackOnly) return;
      throw new HttpError(
        'HB_ERR_HTTP_UNAUTHORIZED',
        'admin API is disabled: set server.adminToken (env HEARTBRIDGE_ADMIN_TOKEN) to enable it',
      );
    }
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    // Hashing both sides gives equal-length buffers, so timingSafeEqual never throws on length.
    if (!match?.[1] || !timingSafeEqual(digest(match[1].trim()), expected)) {
      throw new HttpError(
        'HB_ERR_HTTP_UNAUTHORIZED',
        'missing or wrong admin token (Authorization: Bearer <token>)',
      );
    }
  };
}
