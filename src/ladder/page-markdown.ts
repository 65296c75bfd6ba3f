/**
 * Runs inside the page (Runtime.evaluate): the rendered DOM as Markdown.
 * Kept as source text, not a function, because the Worker's bundler rewrites
 * functions (name helpers) in ways a page cannot evaluate.
 * Covers what a reader needs: headings, paragraphs, links, lists, emphasis,
 * code, quotes, tables and image alt text; scripts, styles and hidden
 * elements are skipped.
 */
export const PAGE_TO_MARKDOWN = String.raw`function () {
  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "SVG", "CANVAS", "IFRAME", "HEAD"]);
  const BLOCK = new Set(["P", "DIV", "SECTION", "ARTICLE", "MAIN", "HEADER", "FOOTER", "NAV", "ASIDE", "FORM", "FIGURE", "BODY"]);
  const clean = (s) => s.replace(/\s+/g, " ");
  function hidden(el) {
    const style = getComputedStyle(el);
    return style.display === "none" || style.visibility === "hidden" || el.hidden;
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
    if (SKIP.has(tag) || hidden(el)) return "";
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
    if (tag === "CODE") return "\u0060" + (el.textContent || "") + "\u0060";
    if (tag === "PRE") return "\n\n\u0060\u0060\u0060\n" + (el.textContent || "").replace(/\n$/, "") + "\n\u0060\u0060\u0060\n\n";
    if (tag === "BLOCKQUOTE") return "\n\n" + inline(el).trim().split("\n").map((l) => "> " + l).join("\n") + "\n\n";
    if (tag === "UL" || tag === "OL") {
      let i = 0;
      const items = [...el.children].filter((c) => c.tagName === "LI").map((li) => {
        i += 1;
        const marker = tag === "OL" ? i + ". " : "- ";
        const body = [...li.childNodes].map((c) => render(c, depth + 1)).join("").trim().replace(/\n+/g, "\n" + "  ".repeat(depth + 1));
        return "  ".repeat(depth) + marker + body;
      });
      return "\n\n" + items.join("\n") + "\n\n";
    }
    if (tag === "TABLE") {
      const rows = [...el.querySelectorAll("tr")].map((tr) => [...tr.children].map((c) => inline(c).trim().replace(/\|/g, "\\|")));
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
  const markdown = render(document.body || document.documentElement, 0)
    .split("\n").map((l) => l.replace(/\s+$/, "")).join("\n")
    .replace(/\n{3,}/g, "\n\n").trim();
  const title = document.title || "";
  return { markdown: (title ? "# " + title + "\n\n" : "") + markdown, title, url: location.href };
}`;
