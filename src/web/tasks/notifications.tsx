import { useState } from "react";
import type { NotificationView } from "../../shared/views";
import type { Directory } from "../directory";
import { errorText } from "../../shared/error-text";
import { localTime, shorten } from "./time";
import { Problem } from "../problem";

/** Unread task results (the Assistant's state): each links to its chat; reading one marks it read. */
export function Notifications({ directory, onOpenChat }: { directory: Directory; onOpenChat: (sessionId: string) => void }) {
  const unread = directory.state?.notifications?.filter((n) => n.readAt === null) ?? [];
  const [problem, setProblem] = useState<string | null>(null);

  const markRead = async (ids: string[] | "all") => {
    try {
      await directory.call("markNotificationsRead", [ids]);
      setProblem(null);
    } catch (error) {
      setProblem(`Could not mark as read: ${errorText(error)}`);
    }
  };
  const open = async (n: NotificationView) => {
    await markRead([n.id]);
    if (n.sessionId) onOpenChat(n.sessionId);
  };

  return (
    <section className="notifications" aria-labelledby="notifications-heading">
      <div className="task-head">
        <h3 id="notifications-heading">{unread.length === 0 ? "No unread results" : `Unread results (${unread.length})`}</h3>
        {unread.length > 1 && (
          <button type="button" className="small" onClick={() => void markRead("all")}>
            Mark all read
          </button>
        )}
      </div>
      <Problem text={problem} />
      {unread.length > 0 && (
        <ul className="notification-list">
          {unread.map((n) => (
            <li key={n.id} className="notification" data-notification-id={n.id} aria-labelledby={`notification-${n.id}`}>
              <strong id={`notification-${n.id}`}>{n.title}</strong>{" "}
              <time className="muted" dateTime={new Date(n.createdAt).toISOString()}>
                {localTime(n.createdAt)}
              </time>
              <p className="notification-body">{shorten(n.body, 400, true)}</p>
              {n.sessionId && (
                <button type="button" className="small" onClick={() => void open(n)}>
                  Open chat
                </button>
              )}{" "}
              <button type="button" className="small" onClick={() => void markRead([n.id])}>
                Mark read
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
