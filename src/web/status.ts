/** State of one WebSocket as the page sees it. */
export type Link = "connecting" | "open" | "closed";
