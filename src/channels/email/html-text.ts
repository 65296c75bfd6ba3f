import { decodeHTML, decodeHTMLAttribute } from "entities";
import { CANVAS_BACKGROUND, HIDDEN_TAGS, hiddenReason } from "../../readers/hidden-text";

/**
 * HTML mail → readable text. Content a mail client would not show is dropped
 * by the rule set the tier 3 page reader also uses (src/readers/hidden-text.ts),
 * and the drop is reported: hidden text is a classic prompt-injection carrier.
 * A mail is static HTML, so the rules see what it says inline: `style`
 * declarations, `hidden`/`aria-hidden`, and the legacy `bgcolor`/`color`
 * attributes mail still uses. Styles set from <style> rules (classes) are not
 * applied; their text is kept.
 */
export interface HtmlText {
  text: string;
  hiddenElements: number;
}

const BLOCKS = "p, div, br, li, tr, h1, h2, h3, h4, h5, h6, blockquote, pre, table, hr";
/** Elements without an end tag: nothing to pop for them. */
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

/** What an element passes on to its content: the colour behind it (null: an image) and its text colour. */
interface Paint {
  background: string | null;
  color: string | null;
}

export async function htmlToText(html: string): Promise<HtmlText> {
  let hiddenElements = 0;
  const paint: Paint[] = [{ background: CANVAS_BACKGROUND, color: null }];
  const rewritten = new HTMLRewriter()
    .on("*", {
      element(el) {
        const tag = el.tagName.toLowerCase();
        const style = declarations(decodeHTMLAttribute(el.getAttribute("style") ?? ""));
        const outer = paint[paint.length - 1] ?? { background: CANVAS_BACKGROUND, color: null };
        const own = ownPaint(el, style, outer);
        const why = hiddenReason(
          {
            tag,
            hiddenAttribute: el.hasAttribute("hidden"),
            ariaHidden: el.getAttribute("aria-hidden"),
            style: own.color ? { ...style, color: own.color } : style,
            background: own.background
          },
          HIDDEN_TAGS
        );
        if (why) {
          // Scripts and styles are never text; count only content someone hid.
          if (!HIDDEN_TAGS.includes(tag)) hiddenElements++;
          el.remove();
          return;
        }
        // Only elements that change the paint go on the stack, so an end tag a sloppy mail leaves out
        // (an unclosed <p>) cannot shift the colours of what follows.
        if (!VOID.has(tag) && (own.background !== outer.background || own.color !== outer.color)) {
          paint.push(own);
          el.onEndTag(() => {
            paint.pop();
          });
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
        const href = decodeHTMLAttribute(el.getAttribute("href") ?? "");
        if (/^https?:/i.test(href)) el.after(` (${href})`, { html: false });
      }
    })
    .transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }));
  const cleaned = await rewritten.text();
  // Every named (HTML5's full list), decimal and hex reference, as a browser would read the text.
  const text = decodeHTML(cleaned.replace(/<!--[\s\S]*?-->/g, "").replace(/<[^>]*>/g, ""))
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { text, hiddenElements };
}

/** An inline `style` as property → value (lower-case names; later declarations win, as in CSS). */
function declarations(style: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of style.split(";")) {
    const colon = part.indexOf(":");
    if (colon <= 0) continue;
    out[part.slice(0, colon).trim().toLowerCase()] = part.slice(colon + 1).trim();
  }
  return out;
}

/** The element's own background and text colour, falling back to what surrounds it. */
function ownPaint(el: Element, style: Record<string, string>, outer: Paint): Paint {
  const image = el.hasAttribute("background") || /url\(/i.test(`${style["background"] ?? ""} ${style["background-image"] ?? ""}`);
  const shorthand = (style["background"] ?? "").trim();
  const color = style["background-color"] ?? (shorthand && !/\s/.test(shorthand) ? shorthand : undefined) ?? el.getAttribute("bgcolor") ?? undefined;
  const background = image ? null : color && !/^(transparent|none|inherit|initial|unset)$/i.test(color) ? color : outer.background;
  const text = style["color"] ?? (el.tagName.toLowerCase() === "font" ? el.getAttribute("color") : null) ?? outer.color;
  return { background, color: text };
}
