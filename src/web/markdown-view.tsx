import { useMemo } from "react";
import { renderMarkdown } from "./markdown";

/** Sanitized Markdown; re-rendered only when the text changes (each streamed delta). */
export function Markdown({ text, className = "markdown" }: { text: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  // biome-ignore lint/security/noDangerouslySetInnerHtml: renderMarkdown sanitizes with DOMPurify and drops remote loads (src/web/sanitize.ts)
  return <div className={className} dangerouslySetInnerHTML={{ __html: html }} />;
}
