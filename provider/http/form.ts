import type { Context } from 'koa';

/** Login and consent forms are tiny; anything larger is refused before it is read whole. */
const MAX_FORM_BYTES = 8 * 1024;

/** Raised when a form body is too large or not url-encoded. */
export class FormError extends Error {
  status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Reads an application/x-www-form-urlencoded body into URLSearchParams. */
export async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new FormError(415, 'form must be application/x-www-form-urlencoded');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) {
      throw new FormError(413, 'form is too large');
    }
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
