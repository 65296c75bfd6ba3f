import { describe, expect, it } from "vitest";
import { htmlToText } from "../../../src/channels/email/html-text";
import { parseMail } from "../../../src/channels/email/parse";
import { HIDDEN_CASES, VISIBLE_MARKERS, hiddenTextDocument, markers } from "../../fixtures/hidden-text";

/**
 * The mail reader against the hidden-text suite the tier 3 page reader test
 * also uses (test/fixtures/hidden-text.ts): one rule set, the same verdicts.
 */
describe("HTML mail: hidden text", () => {
  it("drops every hidden-text technique in the suite and keeps the visible text", async () => {
    const { text, hiddenElements } = await htmlToText(hiddenTextDocument());
    const found = markers(text);
    expect(found.hidden).toEqual([]);
    expect(found.visible).toEqual(VISIBLE_MARKERS);
    expect(text).not.toMatch(/ignore previous instructions/i);
    // <template> and <noscript> are never text, so they are not counted as hidden content.
    expect(hiddenElements).toBe(Object.keys(HIDDEN_CASES).length - 2);
  });

  it.each(Object.entries(HIDDEN_CASES))("%s is dropped on its own", async (_name, html) => {
    const { text } = await htmlToText(`<p>VISIBLE-before</p>${html}<p>VISIBLE-after</p>`);
    expect(markers(text)).toEqual({ hidden: [], visible: ["VISIBLE-before", "VISIBLE-after"] });
  });

  it("follows nesting: text inside a light-on-dark block stays, a block that resets to the text colour is dropped", async () => {
    const { text } = await htmlToText(
      `<div style="background:#000;color:#fff"><p>VISIBLE-a</p><p style="background:#fff">HIDDEN-b</p><p>VISIBLE-c</p></div><p style="color:#fff">HIDDEN-d</p><p>VISIBLE-e</p>`
    );
    expect(markers(text)).toEqual({ hidden: [], visible: ["VISIBLE-a", "VISIBLE-c", "VISIBLE-e"] });
  });

  it("an unclosed paragraph does not shift the colours of what follows", async () => {
    const { text } = await htmlToText(
      `<div style="background:#000;color:#fff"><p>VISIBLE-a<p>VISIBLE-b</div><p>VISIBLE-c</p><p style="color:#fff">HIDDEN-d</p>`
    );
    expect(markers(text)).toEqual({ hidden: [], visible: ["VISIBLE-a", "VISIBLE-b", "VISIBLE-c"] });
  });

  it("reports the hidden elements of an HTML-only mail", async () => {
    const raw = new TextEncoder().encode(
      [
        "From: A <a@example.com>",
        "To: b@example.com",
        "Subject: t",
        "Message-ID: <h@example.com>",
        "Content-Type: text/html; charset=utf-8",
        "",
        hiddenTextDocument(),
        ""
      ].join("\r\n")
    );
    const mail = await parseMail(raw);
    expect(markers(mail.text)).toMatchObject({ hidden: [] });
    expect(mail.hiddenHtmlElements).toBeGreaterThan(10);
  });
});

describe("HTML mail: entities", () => {
  it("decodes named, decimal and hex references completely", async () => {
    const { text } = await htmlToText(
      "<p>Caf&eacute; &hellip; &ndash; &euro;5 &copy; &frac12; &rarr; &Omega; &nbsp;x &lt;b&gt; &quot;q&quot; &apos;a&apos; &amp;amp;</p><p>&#233; &#x1F600; &#X41; &#8212;</p>"
    );
    expect(text).toBe("Café … – €5 © ½ → Ω x <b> \"q\" 'a' &amp;\né 😀 A —");
  });

  it("decodes references in link targets once, and leaves unknown names alone", async () => {
    const { text } = await htmlToText(`<p><a href="https://example.com/?a=1&amp;b=2&#38;c=3">the link</a> &zzzz; &amp</p>`);
    expect(text).toBe("the link (https://example.com/?a=1&b=2&c=3) &zzzz; &");
  });

  it("decodes references in inline styles before applying the hidden-text rules", async () => {
    const { text } = await htmlToText(`<p style="display&#58;none">HIDDEN-encoded</p><p style="color:&#35;ffffff">HIDDEN-encoded-colour</p><p>VISIBLE-x</p>`);
    expect(markers(text)).toEqual({ hidden: [], visible: ["VISIBLE-x"] });
  });
});
