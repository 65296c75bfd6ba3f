/**
 * HTML mail → readable text. Content a mail client would not show (hidden
 * elements, zero-size or transparent text, scripts, styles) is dropped, and the
 * drop is reported: hidden text is a classic prompt-injection carrier.
 */
export interface HtmlText {
  text: string;
  hiddenElements: number;
}

const HIDDEN_STYLE = /display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9])|max-height\s*:\s*0(?![.\d]*[1-9])|(?:^|;)\s*color\s*:\s*(?:transparent|#fff(?:fff)?\b|white\b)/i;
const BLOCKS = "p, div, br, li, tr, h1, h2, h3, h4, h5, h6, blockquote, pre, table, hr";

export async function htmlToText(html: string): Promise<HtmlText> {
  let hiddenElements = 0;
  const rewritten = new HTMLRewriter()
    .on("script, style, head, template, noscript, svg, object, iframe", {
      element(el) {
        el.remove();
      }
    })
    .on("*", {
      element(el) {
        const style = el.getAttribute("style") ?? "";
        if (el.hasAttribute("hidden") || el.getAttribute("aria-hidden") === "true" || HIDDEN_STYLE.test(style)) {
          hiddenElements++;
          el.remove();
        }
      }
    })
    .on(BLOCKS, {
      element(el) {
        el.before("\n", { html: false });
        if (el.tagName === "li") el.prepend("- ", { html: false });
      }
    })
    .on("a[href]", {
      element(el) {
        const href = el.getAttribute("href") ?? "";
        if (/^https?:/i.test(href)) el.after(` (${href})`, { html: false });
      }
    })
    .transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }));
  const cleaned = await rewritten.text();
  const text = decodeEntities(cleaned.replace(/<!--[\s\S]*?-->/g, "").replace(/<[^>]*>/g, ""))
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { text, hiddenElements };
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", copy: "©", reg: "®", hellip: "…", mdash: "—", ndash: "–", rsquo: "’", lsquo: "‘", rdquo: "”", ldquo: "“", euro: "€" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}
