import { useEffect, useState } from "react";
import type { ReplyForApproval } from "../../shared/views";
import type { Directory } from "../directory";
import { errorText } from "../../shared/error-text";

/**
 * Replies to anyone but the owner, waiting for the owner's approval: the
 * exact recipient, subject and text that would be mailed. Approve sends the
 * digest of what is shown here, so a reply that changed since is refused
 * rather than sent. The list is re-read whenever the Assistant's count moves.
 */
export function RepliesAwaitingApproval({ directory }: { directory: Directory }) {
  const [replies, setReplies] = useState<ReplyForApproval[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const count = directory.state?.repliesAwaitingApproval;
  const load = () =>
    directory
      .call("listEmailRepliesAwaitingApproval", [])
      .then((list) => setReplies(list))
      .catch((error: unknown) => setProblem(`Could not list replies waiting for approval: ${errorText(error)}`));
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [count]);

  const act = async (reply: ReplyForApproval, action: "approve" | "reject") => {
    setStatus(null);
    setBusy(reply.id);
    try {
      if (action === "approve") {
        const after = await directory.call("approveEmailReply", [reply.id, reply.digest]);
        setStatus(after.status === "sent" ? `Sent the reply to ${reply.to}.` : `Not sent yet: ${after.detail || after.status}`);
      } else {
        await directory.call("rejectEmailReply", [reply.id]);
        setStatus(`Rejected the reply to ${reply.to}; nothing was sent.`);
      }
      setProblem(null);
    } catch (error) {
      setProblem(errorText(error));
    }
    setBusy(null);
    await load();
  };

  return (
    <div className="email-part">
      <h4 id="email-replies-heading">Replies waiting for your approval</h4>
      <p className="muted">Replies to anyone but you are sent only when you approve the exact text below.</p>
      {replies === null ? (
        !problem && <p className="muted">Loading…</p>
      ) : replies.length === 0 ? (
        <p className="muted">No reply is waiting.</p>
      ) : (
        <ul className="email-list" aria-labelledby="email-replies-heading">
          {replies.map((reply) => (
            <li key={reply.id} aria-label={`Reply to ${reply.to}`}>
              <div>
                To <strong>{reply.to}</strong>: “{reply.subject}” <span className="muted">{new Date(reply.requestedAt).toLocaleString()}</span>
              </div>
              <pre className="email-reply-text">{reply.text}</pre>
              {reply.detail && <p className="muted">{reply.detail}</p>}
              <button type="button" className="small" disabled={busy !== null || reply.status !== "awaiting"} onClick={() => void act(reply, "approve")}>
                Approve and send
              </button>{" "}
              <button type="button" className="small danger" disabled={busy !== null || reply.status !== "awaiting"} onClick={() => void act(reply, "reject")}>
                Reject
              </button>
            </li>
          ))}
        </ul>
      )}
      {problem ? (
        <p className="problem" role="alert">
          {problem}
        </p>
      ) : (
        status && (
          <p className="muted" role="status">
            {status}
          </p>
        )
      )}
    </div>
  );
}
