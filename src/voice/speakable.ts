/**
 * What is read aloud of an answer sentence: Markdown marks, code and long
 * paths or URLs are never spoken (they are in the transcript and the chat).
 * Returns "" for a sentence with nothing speakable left.
 */
export function speakable(sentence: string): string {
  return sentence
    .replace(/```[\s\S]*?(```|$)/g, " ")
    .replace(/`[^`]*`/g, " ")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/https?:\/\/\S+/g, "a link")
    .replace(/(?:\/[\w.-]+){3,}\/?/g, "a path")
    .replace(/^\s{0,3}(#{1,6}|[-*+]|\d+\.|>)\s+/gm, "")
    .replace(/[*_~|#>]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Code fences may span sentences: the chunker's output is filtered with this state. */
export class FenceFilter {
  #inFence = false;

  /** The part of a sentence outside any code fence. */
  take(sentence: string): string {
    let out = "";
    let rest = sentence;
    for (;;) {
      const at = rest.indexOf("```");
      if (at < 0) {
        if (!this.#inFence) out += rest;
        return out;
      }
      if (!this.#inFence) out += rest.slice(0, at);
      this.#inFence = !this.#inFence;
      rest = rest.slice(at + 3);
    }
  }

  reset(): void {
    this.#inFence = false;
  }
}
