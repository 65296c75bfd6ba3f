import type { MeResult } from "./me";

/**
 * Who is signed in, and the way out. Cloudflare Access ends its session at
 * /cdn-cgi/access/logout (a full page load, not the app's router); the local
 * dev user has no session to end, so no link is offered there.
 */
export function Account({ me, online }: { me: MeResult; online: boolean }) {
  if (me.status === "loading") return <span>Checking who you are…</span>;
  if (me.status === "error") return online ? <span role="alert">Not signed in: {me.message}</span> : <span>Offline: cannot check who you are.</span>;
  return (
    <span className="account">
      Signed in as <strong>{me.me.email ?? me.me.id}</strong>
      {me.me.source === "dev" ? (
        " (local dev user)"
      ) : (
        <>
          {" · "}
          <a href="/cdn-cgi/access/logout">Sign out</a>
        </>
      )}
    </span>
  );
}
