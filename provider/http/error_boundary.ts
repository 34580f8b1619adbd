import type { Context, Next } from 'koa';
import { errorPage } from '../interactions/pages.ts';
import { describeError, log } from '../logging.ts';
import { noteServerError } from './database_outage.ts';
import { FormError } from './form.ts';

function statusOf(error: unknown): number {
  if (error instanceof FormError) {
    return error.status;
  }
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/**
 * Turns an error escaping our own routes into a plain page: the status and a generic text,
 * never a stack trace. oidc-provider's routes render their own errors before reaching here.
 */
export async function errorBoundary(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (error) {
    const status = statusOf(error);
    const expose = status < 500 && error instanceof Error;
    if (!expose) {
      noteServerError(ctx, error);
      log('error', 'unhandled_error', { route: ctx.path, error: describeError(error) });
    }
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = errorPage(
      status < 500 ? 'invalid_request' : 'server_error',
      expose ? (error as Error).message : 'the server could not complete the request',
    );
  }
}
