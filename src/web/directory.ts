import type { useAgent } from "agents/react";
import type { AssistantApi } from "../shared/api";
import type { AssistantState } from "../shared/views";

/** The page's one connection to the user's Assistant (/agent): session list, files, audit, settings. */
export type Directory = ReturnType<typeof useAgent<AssistantApi, AssistantState>>;
