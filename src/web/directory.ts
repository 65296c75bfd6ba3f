import type { useAgent } from "agents/react";
import type { Assistant, AssistantState } from "../assistant/assistant";

/** The page's one connection to the user's Assistant (/agent): session list, files, audit, settings. */
export type Directory = ReturnType<typeof useAgent<Assistant, AssistantState>>;
