const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** Markup that is already safe; only `html` and `page` create it. */
export interface SafeHtml {
  readonly safe: string;
}

/** Tagged template that escapes every interpolated value unless it is already SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (const [index, value] of values.entries()) {
    out += renderValue(value) + (strings[index + 1] ?? '');
  }
  return { safe: out };
}

function renderValue(value: unknown): string {
  if (Array.isArray(value)) {
    return value.map(renderValue).join('');
  }
  if (typeof value === 'object' && value !== null && 'safe' in value) {
    return String(value.safe);
  }
  return escapeHtml(value);
}

const STYLE = `
body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}
input[type=text],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}
button{margin:1rem .5rem 0 0;padding:.5rem 1rem}.error{color:#b00020}
`;

/** A whole page with the shared layout. */
export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${{ safe: STYLE }}</style></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`.safe;
}
