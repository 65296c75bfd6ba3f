import { getToolName } from "ai";
import type { DynamicToolUIPart, ToolUIPart } from "ai";
import { getToolApproval, getToolInput, getToolOutput, getToolPartState } from "@cloudflare/think/react";
import { TIERS } from "../shared/tiers";
import { dynamicToolKind, toolFact } from "../shared/tool-facts";
import { toolFailure } from "../shared/tool-result";
import { highlight } from "./markdown";
import { formatDuration } from "./tool-clock";
import type { ToolClock } from "./tool-clock";
import { useApprovalReason } from "./approval-reasons";
import { PictureStrip } from "./image-viewer";
import { imagePathsIn } from "../shared/attachments";
import type { ToolOutputFrame } from "../shared/tool-output-frame";
import { useLiveOutput } from "./live-output";

type ToolPart = ToolUIPart | DynamicToolUIPart;
export type OnApproval = (approvalId: string, approved: boolean) => void;

const STATE_LABEL: Record<ReturnType<typeof getToolPartState>, string> = {
  loading: "preparing",
  streaming: "running",
  "waiting-approval": "needs approval",
  approved: "approved, running",
  complete: "done",
  error: "failed",
  denied: "rejected"
};

/** Output longer than this starts collapsed. */
const LONG_OUTPUT = 600;

/** One tool call: tier badge, name, status and duration; then input, output, or the approval question. */
export function ToolCard({ part, clock, onApproval }: { part: ToolPart; clock: ToolClock; onApproval: OnApproval }) {
  const name = getToolName(part);
  const state = getToolPartState(part);
  const fact = toolFact(name);
  const tier = fact?.tier;
  // An extension or MCP tool: its facts live in the user's Assistant (tier by its permissions, Settings lists them).
  const dynamic = fact ? null : dynamicToolKind(name);
  const input = getToolInput(part);
  const output = getToolOutput(part);
  const approval = getToolApproval(part);
  const failure = failureOf(part, output);
  const time = clock.elapsed(part.toolCallId);
  const waiting = state === "waiting-approval";
  // The gate's own reason (an email chat, a task, a tier set to ask), not a guess from the tier.
  const reason = useApprovalReason(part.toolCallId);
  const running = state === "streaming" || state === "approved" || state === "loading";
  // What a tier 4 command has printed so far; the result replaces it.
  const live = useLiveOutput(part.toolCallId);

  return (
    <section className="tool" data-tool={name} data-state={state} data-tier={tier ?? "unknown"} aria-label={`Tool call ${name}`} aria-busy={running}>
      <header className="tool-head">
        {dynamic ? (
          <span
            className="tier-badge tier-dynamic"
            title={`An ${dynamic} tool: its tier follows its permissions (Settings → ${dynamic === "MCP" ? "Connections" : "Extensions"})`}
          >
            {dynamic} tool
          </span>
        ) : tier === undefined ? (
          <span className="tier-badge tier-unknown" title="A tool Steward does not know: every call waits for your approval">
            unknown tool
          </span>
        ) : (
          <span className={`tier-badge tier-${tier}`} title={`Tier ${tier}: ${TIERS[tier]?.does ?? ""}`}>
            tier {tier} · {fact?.label ?? TIERS[tier]?.name}
          </span>
        )}
        <code className="tool-name">{name}</code>
        <span className={`tool-state tool-state-${state}`}>{STATE_LABEL[state]}</span>
        {time && (
          <span className="tool-time" aria-label={time.running ? "running for" : "took"}>
            {time.running ? `${formatDuration(time.ms)}…` : formatDuration(time.ms)}
          </span>
        )}
      </header>
      {time?.running && (state === "streaming" || state === "approved") && (
        <div className="tool-progress" role="progressbar" aria-label={`${name} running`} aria-valuetext={`running for ${formatDuration(time.ms)}`} />
      )}

      {waiting && approval && reason === undefined ? (
        <p className="muted" role="status">
          Needs your approval; asking why…
        </p>
      ) : waiting && approval ? (
        <div className="tool-approval" role="group" aria-label={`Approve ${name}?`}>
          <p>
            <strong>Needs your approval.</strong> {reason ? `${typographic(reason)} ` : ""}This will run <code>{name}</code> with:
          </p>
          <InputView name={name} input={input} />
          <div className="approval-buttons">
            <button type="button" className="primary" onClick={() => onApproval(approval.id, true)}>
              Approve
            </button>
            <button type="button" className="danger" onClick={() => onApproval(approval.id, false)}>
              Reject
            </button>
          </div>
        </div>
      ) : (
        input !== undefined && (
          <div className="tool-row">
            <span className="tool-label">input</span>
            <InputView name={name} input={input} />
          </div>
        )
      )}

      {state === "denied" && (
        <p className="tool-failure" role="note">
          Not run: {part.approval && "reason" in part.approval && part.approval.reason ? part.approval.reason : "you rejected this call"}.
        </p>
      )}
      {failure !== undefined && (
        <p className="tool-failure" role="alert">
          {failure}
        </p>
      )}
      {running && live && <LiveOutputView live={live} />}
      {output !== undefined && failure === undefined && <OutputView output={output} />}
      {state === "complete" && failure === undefined && <PictureStrip paths={imagePathsIn([output, name === "write" ? input : undefined])} />}
    </section>
  );
}

function InputView({ name, input }: { name: string; input: unknown }) {
  // Code is the thing to review before approving: show it as code, not as a JSON string.
  if (name === "run_code" && isRecord(input) && typeof input.code === "string") {
    // biome-ignore lint/security/noDangerouslySetInnerHtml: highlight.js output escapes the code (src/web/markdown.ts highlight)
    return <pre className="tool-value code" dangerouslySetInnerHTML={{ __html: highlight(input.code, "javascript") }} />;
  }
  if (name === "write" && isRecord(input) && typeof input.path === "string" && typeof input.content === "string") {
    return (
      <div className="tool-value">
        <div>
          <code>{input.path}</code>
        </div>
        <pre>{input.content}</pre>
      </div>
    );
  }
  return <pre className="tool-value">{show(input)}</pre>;
}

function LiveOutputView({ live }: { live: ToolOutputFrame }) {
  return (
    <div className="tool-row tool-live" aria-live="polite">
      <span className="tool-label">output so far{live.truncated ? " (the start is cut)" : ""}</span>
      {live.stdout && <pre className="tool-live-stdout">{live.stdout}</pre>}
      {live.stderr && <pre className="tool-live-stderr">{live.stderr}</pre>}
    </div>
  );
}

function OutputView({ output }: { output: unknown }) {
  const text = outputText(output);
  const long = text.length > LONG_OUTPUT || text.split("\n").length > 12;
  return (
    <details className="tool-row tool-output" open={!long}>
      <summary>
        <span className="tool-label">output</span>
        {long && <span className="muted"> ({text.length.toLocaleString()} characters)</span>}
      </summary>
      <pre className="tool-value">{text}</pre>
    </details>
  );
}

/** The useful part of common outputs: run_shell's summary, run_code's value and streams, a read's content, a lone text; else JSON. */
function outputText(output: unknown): string {
  if (!isRecord(output)) return show(output);
  // run_shell: its text is the output followed by what happened (exit code, time limit, changed files).
  if ("exitCode" in output && typeof output.text === "string") return output.text;
  if (typeof output.ok === "boolean" && "stdout" in output) {
    const parts = [output.value === undefined ? "(no value)" : pretty(output.value)];
    if (typeof output.stdout === "string" && output.stdout) parts.push(`stdout:\n${output.stdout}`);
    if (typeof output.stderr === "string" && output.stderr) parts.push(`stderr:\n${output.stderr}`);
    return parts.join("\n\n");
  }
  if (typeof output.content === "string") return output.content;
  if (typeof output.text === "string" && Object.keys(output).length === 1) return output.text;
  return show(output);
}

function pretty(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A readable sentence for a failed call: an error part, or a tool that reported a failure (`toolFailure`). */
function failureOf(part: ToolPart, output: unknown): string | undefined {
  if (part.state === "output-error") return `Failed: ${part.errorText || "the tool reported an error"}`;
  const failure = toolFailure(output);
  return failure === null ? undefined : `Failed: ${failure || show(output)}`;
}

/** "ask" → “ask”: the gate writes plain quotes; the page sets them like the rest of its text. */
function typographic(text: string): string {
  return text.replace(/"([^"]*)"/g, "“$1”");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Strings as they are; other values as one line of JSON, or indented when long. */
function show(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    const line = JSON.stringify(value);
    if (line === undefined) return String(value);
    return line.length <= 100 ? line : JSON.stringify(value, null, 2);
  } catch {
    return String(value); // cycles, BigInt: not JSON
  }
}
