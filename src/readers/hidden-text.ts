/**
 * One rule set for text a person would not see. Hidden text is the classic
 * prompt-injection carrier: a page or a mail shows the owner one thing and
 * hands the model another. Both readers of untrusted HTML apply these rules:
 *
 * - the tier 3 page reader (src/ladder/page-markdown.ts) runs inside the page,
 *   so it feeds `hiddenReason` computed styles and the element's box;
 * - the mail reader (src/channels/email/html-text.ts) sees static HTML only,
 *   so it feeds inline `style` declarations and legacy attributes.
 *
 * `hiddenReason` is sent into the page as its own source text
 * (`hiddenTextSource()`), so it must stay self-contained: no imports, no
 * module-level values, no named local functions (see the note inside) — what
 * it needs comes in through its parameters.
 */

/** What one reader knows about an element. */
export interface HiddenFacts {
  /** Lower-case tag name. */
  tag: string;
  /** The `hidden` attribute is present. */
  hiddenAttribute: boolean;
  /** The `aria-hidden` attribute's value, or null. */
  ariaHidden: string | null;
  /** CSS property (lower-case) → value: the computed style in a page, the inline declarations in mail. */
  style: Record<string, string>;
  /** The colour painted behind the element (its own or the nearest ancestor's), or null if unknown (an image). */
  background: string | null;
  /** Page only: the element's border box in document coordinates (CSS px). */
  box?: { left: number; top: number; right: number; bottom: number; width: number; height: number };
}

/** Elements whose content is never shown as text. */
export const HIDDEN_TAGS: readonly string[] = ["script", "style", "head", "title", "template", "noscript", "svg", "canvas", "object", "embed", "iframe"];

/** The CSS properties `hiddenReason` looks at (the page reader copies these from the computed style). */
export const HIDDEN_STYLE_PROPERTIES: readonly string[] = [
  "display",
  "visibility",
  "opacity",
  "font-size",
  "color",
  "-webkit-text-fill-color",
  "background-clip",
  "-webkit-background-clip",
  "position",
  "left",
  "top",
  "text-indent",
  "margin-left",
  "margin-top",
  "clip",
  "clip-path",
  "width",
  "height",
  "max-width",
  "max-height",
  "overflow",
  "overflow-x",
  "overflow-y",
  "transform",
  "mso-hide"
];

/** The background a page or a mail is painted on when nothing sets one. */
export const CANVAS_BACKGROUND = "#ffffff";

/**
 * Why this element (with everything inside it) would not be seen, or null if
 * it would. Conservative: text that is hard to see counts as hidden.
 */
export function hiddenReason(facts: HiddenFacts, hiddenTags: readonly string[]): string | null {
  // Helpers are methods of one object, not named local functions: esbuild's keepNames (wrangler) wraps named
  // local functions in a module-level `__name(...)` call, which a minified bundle renames and the page lacks.
  const css = {
    get(name: string): string {
      return (facts.style[name] ?? "")
        .replace(/!\s*important\s*$/i, "")
        .trim()
        .toLowerCase();
    },
    /** A length in CSS px; null for anything else (auto, calc(), var()). Only sign and size matter here. */
    px(value: string): number | null {
      const m = /^(-?\d*\.?\d+)(px|pt|em|rem|%|vw|vh|)$/.exec(value.trim());
      if (!m) return null;
      const n = Number(m[1]);
      if (m[2] === "" && n !== 0) return null;
      if (m[2] === "pt") return (n * 4) / 3;
      if (m[2] === "em" || m[2] === "rem") return n * 16;
      return n;
    },
    /** Far to the left or above the page, where no scrolling reaches. */
    far(name: string): boolean {
      const v = css.px(css.get(name));
      return v !== null && v <= -999;
    },
    small(name: string, measured?: number): boolean {
      const v = measured ?? css.px(css.get(name));
      return v !== null && v <= 1;
    },
    /** [r, g, b, alpha] for the colour syntaxes mail and computed styles use; null when unknown. */
    rgba(raw: string): number[] | null {
      const value = raw.trim().toLowerCase();
      const named: Record<string, string> = {
        transparent: "#0000",
        white: "#fff",
        black: "#000",
        silver: "#c0c0c0",
        gray: "#808080",
        grey: "#808080",
        red: "#f00",
        lime: "#0f0",
        green: "#008000",
        blue: "#00f",
        navy: "#000080",
        yellow: "#ff0",
        whitesmoke: "#f5f5f5",
        snow: "#fffafa",
        ivory: "#fffff0",
        ghostwhite: "#f8f8ff"
      };
      const hex = /^#([0-9a-f]{3,8})$/.exec(named[value] ?? value)?.[1];
      if (hex) {
        const full = hex.length <= 4 ? [...hex].map((c) => c + c).join("") : hex;
        if (full.length !== 6 && full.length !== 8) return null;
        const parts = [0, 2, 4, 6].map((i) => parseInt(full.slice(i, i + 2) || "ff", 16));
        return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, (parts[3] ?? 255) / 255];
      }
      const fn = /^rgba?\(([^)]*)\)$/.exec(value)?.[1];
      if (!fn) return null;
      const nums = fn
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map((p, i) => (p.endsWith("%") ? (Number(p.slice(0, -1)) / 100) * (i < 3 ? 255 : 1) : Number(p)));
      if (nums.length < 3 || nums.some((n) => !Number.isFinite(n))) return null;
      return [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0, nums[3] ?? 1];
    },
    /** WCAG relative luminance; a contrast ratio near 1 is text nobody can read. */
    luminance(c: number[]): number {
      const [r, g, b] = c.slice(0, 3).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
    }
  };
  if (hiddenTags.includes(facts.tag)) return `<${facts.tag}> element`;
  if (facts.hiddenAttribute) return "hidden attribute";
  if ((facts.ariaHidden ?? "").trim().toLowerCase() === "true") return 'aria-hidden="true"';
  if (css.get("display") === "none") return "display:none";
  if (css.get("visibility") === "hidden" || css.get("visibility") === "collapse") return "visibility:hidden";
  if (css.get("mso-hide") === "all") return "mso-hide:all";
  const opacity = css.get("opacity");
  if (opacity && Number.parseFloat(opacity) * (opacity.endsWith("%") ? 0.01 : 1) <= 0.05) return "opacity:0";
  const fontSize = css.px(css.get("font-size"));
  if (fontSize !== null && fontSize <= 1) return "font-size:0";

  // Off-screen: moved far to the left or above the page, where no scrolling reaches.
  const position = css.get("position");
  if ((position === "absolute" || position === "fixed" || position === "relative") && (css.far("left") || css.far("top"))) return "positioned off-screen";
  if (css.far("text-indent") || css.far("margin-left") || css.far("margin-top")) return "pushed off-screen";
  const box = facts.box;
  if (box && (box.width > 0 || box.height > 0) && (box.right <= 0 || box.bottom <= 0)) return "off-screen";

  // Clipped away: clip: rect() with no area (the "visually hidden" pattern), clip-path that leaves nothing.
  const clip = /^rect\((.*)\)$/.exec(css.get("clip"))?.[1];
  if (clip && (position === "absolute" || position === "fixed")) {
    const [top, right, bottom, left] = clip.split(/[\s,]+/).map((v) => css.px(v));
    if (top != null && bottom != null && bottom - top <= 1) return "clip";
    if (left != null && right != null && right - left <= 1) return "clip";
  }
  const clipPath = css.get("clip-path");
  const inset = /^inset\(([^)]*)\)/.exec(clipPath)?.[1];
  if (inset && inset.split(/\s+/).some((v) => v.endsWith("%") && Number.parseFloat(v) >= 50)) return "clip-path";
  if (/^(circle|ellipse)\(\s*0(px|%)?[\s)]/.test(clipPath)) return "clip-path";

  // Zero size with the overflow cut off.
  const overflow = `${css.get("overflow")} ${css.get("overflow-x")} ${css.get("overflow-y")}`;
  if (/\b(hidden|clip)\b/.test(overflow)) {
    if (css.small("width", box?.width) || css.small("height", box?.height) || css.small("max-width") || css.small("max-height"))
      return "zero size, overflow hidden";
  }
  if (/^(matrix\(\s*0(\.0+)?\s*,\s*0(\.0+)?\s*,\s*0(\.0+)?\s*,\s*0(\.0+)?\s*,|scale[xy]?\(\s*0(\.0+)?\s*[,)])/.test(css.get("transform"))) return "scaled to 0";
  if (facts.tag === "img" && box && (box.width < 2 || box.height < 2)) return "tiny image";

  // Text painted invisibly: a transparent colour, or the colour of what is behind it.
  // Gradient text (background-clip: text with a transparent fill) is visible.
  if (css.get("background-clip") === "text" || css.get("-webkit-background-clip") === "text") return null;
  const color = css.rgba(css.get("-webkit-text-fill-color")) ?? css.rgba(css.get("color"));
  if (color && (color[3] ?? 1) <= 0.05) return "transparent text";
  const background = facts.background === null ? null : css.rgba(facts.background);
  if (color && background && (background[3] ?? 1) >= 0.95) {
    const [light, dark] = [css.luminance(color), css.luminance(background)].sort((a, b) => b - a);
    if (((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05) < 1.1) return "text colour same as background";
  }
  return null;
}

/**
 * The page-side source of the rule set: defines `hiddenReason` and
 * `HIDDEN_TAGS` / `HIDDEN_STYLE_PROPERTIES` inside a page script. The
 * `__name` stand-in is a safety net for an unminified wrangler bundle should a
 * named local function slip into `hiddenReason` after all (its keepNames
 * helper would otherwise be undefined in the page).
 */
export function hiddenTextSource(): string {
  return [
    "var __name = function (target) { return target; };",
    `var hiddenReason = (${hiddenReason.toString()});`,
    `var HIDDEN_TAGS = ${JSON.stringify(HIDDEN_TAGS)};`,
    `var HIDDEN_STYLE_PROPERTIES = ${JSON.stringify(HIDDEN_STYLE_PROPERTIES)};`,
    `var CANVAS_BACKGROUND = ${JSON.stringify(CANVAS_BACKGROUND)};`
  ].join("\n");
}
