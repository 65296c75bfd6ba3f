import { createContext, useCallback, useContext, useState } from "react";
import { isToolOutputFrame } from "../shared/tool-output-frame";
import type { ToolOutputFrame } from "../shared/tool-output-frame";

/** What running tier 4 commands have printed so far, by tool call id (from `steward_tool_output` frames). */
export const LiveOutputs = createContext<ReadonlyMap<string, ToolOutputFrame>>(new Map());

/** The chat's live outputs and the handler its socket passes frames to; true when the frame was one. */
export function useLiveOutputFrames(): [ReadonlyMap<string, ToolOutputFrame>, (data: string) => boolean] {
  const [outputs, setOutputs] = useState<ReadonlyMap<string, ToolOutputFrame>>(new Map());
  const onFrame = useCallback((data: string): boolean => {
    if (!data.includes("steward_tool_output")) return false;
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return false;
    }
    if (!isToolOutputFrame(frame)) return false;
    setOutputs((current) => new Map(current).set(frame.toolCallId, frame));
    return true;
  }, []);
  return [outputs, onFrame];
}

export function useLiveOutput(toolCallId: string): ToolOutputFrame | undefined {
  return useContext(LiveOutputs).get(toolCallId);
}
