/** Escapes text for HTML content and double-quoted attributes: every string a client or a person chose goes here. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * An HTML page of the sign-in flow with its security headers: a Content-Security-Policy that allows no script, no
 * plugin and no framing (only the page's own inline style, by nonce), no referrer, no caching. `extra` adds headers
 * (the consent helpers' cookies and framing protection).
 */
export function htmlPage(title: string, body: string, status = 200, extra?: Headers): Response {
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const html = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">
body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
label{display:block;margin:.6rem 0}input[type=text],input[type=password]{width:100%;padding:.4rem;font:inherit}
.warn{background:#fff4d6;padding:.6rem;border-radius:.3rem}.err{background:#fde2e1;padding:.6rem;border-radius:.3rem}
button{font:inherit;padding:.4rem 1rem;margin-right:.6rem}code{word-break:break-all}
</style>
${body}
</html>`;
  const headers = new Headers(extra);
  headers.set("content-type", "text/html; charset=utf-8");
  headers.set(
    "content-security-policy",
    `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; frame-ancestors 'none'`,
  );
  headers.set("x-frame-options", "DENY");
  headers.set("referrer-policy", "no-referrer");
  headers.set("cache-control", "no-store");
  headers.set("x-content-type-options", "nosniff");
  return new Response(html, { status, headers });
}

/** A page that says what went wrong, in words a person can act on; never which tenants or keys exist. */
export function errorPage(message: string, status: number): Response {
  return htmlPage(
    "Sign-in failed",
    `<h1>Sign-in failed</h1><p class="err">${escapeHtml(message)}</p>
<p>Go back and try again, or start over from your app.</p>`,
    status,
  );
}
