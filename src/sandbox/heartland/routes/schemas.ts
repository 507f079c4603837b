/** zod pieces shared by the Heartland route bodies. Unknown fields pass through (Heartland ignores
 * attributes it does not know rather than failing the write, as far as public clients show). */
import { z } from 'zod';
import { cents } from '../hl-money.js';

export const money = z
  .union([z.number().finite(), z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a number')])
  .transform((v) => cents(v));

export const qty = z.union([z.number().finite(), z.string().regex(/^-?\d+(\.\d+)?$/)]).transform(Number);

export const intId = z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)]);

export const publicId = z.union([z.string().min(1), z.number().transform(String)]);

export const customObject = z.record(z.string(), z.unknown());

export const text = z.string().nullable();
