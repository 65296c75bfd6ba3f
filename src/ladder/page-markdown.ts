import { hiddenTextSource } from "../readers/hidden-text";

/**
 * Runs inside the page (Runtime.evaluate): the rendered DOM as Markdown, or
 * the text of the elements a selector matches. Kept as source text, not a
 * function, because the Worker's bundler rewrites functions (name helpers) in
 * ways a page cannot evaluate; the shared hidden-text rules come in through
 * `hiddenTextSource()`, which supplies the one helper they need.
 * Covers what a reader needs: headings, paragraphs, links, lists, emphasis,
 * code, quotes, tables and image alt text. Anything the shared rule set
 * (src/readers/hidden-text.ts) calls hidden is left out with its content.
 */
export type PageRead = { kind: "read" } | { kind: "extract"; selector: string; attribute: string | null; max: number };

export type PageReadResult = { markdown: string; title: string; url: string; hidden: number } | { items: string[]; hidden: number };

export function pageReaderScript(request: PageRead): string {
  return `(function (request) {\n${hiddenTextSource()}\n${READER}\n})(${JSON.stringify(request)})`;
}

const READER = String.raw`
  const BLOCK = new Set(["P", "DIV", "SECTION", "ARTICLE", "MAIN", "HEADER", "FOOTER", "NAV", "ASIDE", "FORM", "FIGURE", "BODY"]);
  const clean = (s) => s.replace(/\s+/g, " ");
  const verdicts = new Map();
  const backgrounds = new Map();
  let hiddenCount = 0;
  // The colour behind an element: its own background, else its parent's; null under a background image.
  function backgroundOf(el) {
    if (!el || el.nodeType !== Node.ELEMENT_NODE) return CANVAS_BACKGROUND;
    if (backgrounds.has(el)) return backgrounds.get(el);
    const style = getComputedStyle(el);
    const color = style.backgroundColor;
    let bg;
    if (style.backgroundImage && style.backgroundImage !== "none") bg = null;
    else if (!color || color === "transparent" || /^rgba\(.*,\s*0\)$/.test(color)) bg = backgroundOf(el.parentElement);
    else bg = color;
    backgrounds.set(el, bg);
    return bg;
  }
  function hiddenWhy(el) {
    if (verdicts.has(el)) return verdicts.get(el);
    const style = getComputedStyle(el);
    const picked = {};
    for (const name of HIDDEN_STYLE_PROPERTIES) picked[name] = style.getPropertyValue(name);
    const r = el.getBoundingClientRect();
    const box = { left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY, width: r.width, height: r.height };
    const why = hiddenReason({ tag: el.tagName.toLowerCase(), hiddenAttribute: el.hasAttribute("hidden"), ariaHidden: el.getAttribute("aria-hidden"), style: picked, background: backgroundOf(el), box }, HIDDEN_TAGS);
    // Scripts and styles are never text; count only content someone hid.
    if (why && !HIDDEN_TAGS.includes(el.tagName.toLowerCase())) hiddenCount += 1;
    verdicts.set(el, why);
    return why;
  }
  function visible(el) {
    for (let e = el; e && e.nodeType === Node.ELEMENT_NODE; e = e.parentElement) if (hiddenWhy(e)) return false;
    return true;
  }
  function inline(node) {
    let out = "";
    for (const child of node.childNodes) out += render(child, 0);
    return out;
  }
  function render(node, depth) {
    if (node.nodeType === Node.TEXT_NODE) return clean(node.textContent || "");
    if (node.nodeType !== Node.ELEMENT_NODE) return "";
    const el = node;
    const tag = el.tagName;
    if (hiddenWhy(el)) return "";
    if (/^H[1-6]$/.test(tag)) return "\n\n" + "#".repeat(Number(tag[1])) + " " + inline(el).trim() + "\n\n";
    if (tag === "BR") return "\n";
    if (tag === "HR") return "\n\n---\n\n";
    if (tag === "A") {
      const text = inline(el).trim();
      const href = el.getAttribute("href");
      if (!href || href.startsWith("javascript:")) return text;
      return "[" + (text || href) + "](" + el.href + ")";
    }
    if (tag === "IMG") return el.alt ? "![" + clean(el.alt) + "](" + el.src + ")" : "";
    if (tag === "STRONG" || tag === "B") { const t = inline(el).trim(); return t ? "**" + t + "**" : ""; }
    if (tag === "EM" || tag === "I") { const t = inline(el).trim(); return t ? "*" + t + "*" : ""; }
    if (tag === "CODE") return "\u0060" + preText(el) + "\u0060";
    if (tag === "PRE") return "\n\n\u0060\u0060\u0060\n" + preText(el).replace(/\n$/, "") + "\n\u0060\u0060\u0060\n\n";
    if (tag === "BLOCKQUOTE") return "\n\n" + inline(el).trim().split("\n").map((l) => "> " + l).join("\n") + "\n\n";
    if (tag === "UL" || tag === "OL") {
      let i = 0;
      const items = [...el.children].filter((c) => c.tagName === "LI" && !hiddenWhy(c)).map((li) => {
        i += 1;
        const marker = tag === "OL" ? i + ". " : "- ";
        const body = [...li.childNodes].map((c) => render(c, depth + 1)).join("").trim().replace(/\n+/g, "\n" + "  ".repeat(depth + 1));
        return "  ".repeat(depth) + marker + body;
      });
      return "\n\n" + items.join("\n") + "\n\n";
    }
    if (tag === "TABLE") {
      const rows = [...el.querySelectorAll("tr")].filter(visible).map((tr) => [...tr.children].map((c) => render(c, 0).trim().replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|")));
      if (!rows.length) return "";
      const width = Math.max(...rows.map((r) => r.length));
      const line = (r) => "| " + Array.from({ length: width }, (_, k) => r[k] || "").join(" | ") + " |";
      return "\n\n" + [line(rows[0]), line(Array(width).fill("---")), ...rows.slice(1).map(line)].join("\n") + "\n\n";
    }
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
      const label = el.getAttribute("aria-label") || el.getAttribute("placeholder") || el.name || el.id || tag.toLowerCase();
      return " [" + (el.type || tag.toLowerCase()) + ": " + label + (el.value ? " = " + el.value : "") + "] ";
    }
    if (tag === "BUTTON") return " [button: " + inline(el).trim() + "] ";
    const body = inline(el);
    return BLOCK.has(tag) ? "\n\n" + body.trim() + "\n\n" : body;
  }
  // Preformatted text keeps its whitespace, minus hidden parts.
  function preText(node) {
    let out = "";
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) out += child.textContent || "";
      else if (child.nodeType === Node.ELEMENT_NODE && !hiddenWhy(child)) out += preText(child);
    }
    return out;
  }
  const tidy = (text) => text.split("\n").map((l) => l.replace(/\s+$/, "")).join("\n").replace(/\n{3,}/g, "\n\n").trim();
  if (request.kind === "extract") {
    const items = [...document.querySelectorAll(request.selector)].filter(visible).slice(0, request.max)
      .map((el) => request.attribute ? (el.getAttribute(request.attribute) ?? "") : tidy(render(el, 0)));
    return { items, hidden: hiddenCount };
  }
  const markdown = tidy(render(document.body || document.documentElement, 0));
  const title = document.title || "";
  return { markdown: (title ? "# " + title + "\n\n" : "") + markdown, title, url: location.href, hidden: hiddenCount };
`;
