import { useEffect, useRef, useState } from "react";
import { workspaceFileUrl } from "../shared/attachments";

/**
 * A workspace picture in the chat (a screenshot, an SVG chart, an attached
 * image): a thumbnail that opens a viewer. Always an <img> of the file's
 * same-origin URL, which the CSP's img-src 'self' allows: an SVG drawn by
 * the model is an image, never live markup in the page (an <img> runs no
 * script, and /api/files sends it with a sandboxing CSP besides).
 */
export function WorkspaceImage({ path }: { path: string }) {
  const [open, setOpen] = useState(false);
  const [broken, setBroken] = useState(false);
  const name = path.slice(path.lastIndexOf("/") + 1);
  const src = workspaceFileUrl(path, true);
  if (broken) {
    return (
      <a className="file-part" href={workspaceFileUrl(path)} download={name}>
        {name} (picture not available)
      </a>
    );
  }
  return (
    <>
      <button type="button" className="thumb" aria-label={`View picture ${name}`} onClick={() => setOpen(true)}>
        <img src={src} alt={name} loading="lazy" onError={() => setBroken(true)} />
      </button>
      {open && <ImageViewer path={path} onClose={() => setOpen(false)} />}
    </>
  );
}

function ImageViewer({ path, onClose }: { path: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const name = path.slice(path.lastIndexOf("/") + 1);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  return (
    <dialog ref={dialog} className="image-viewer" aria-label={`Picture ${name}`} onClose={onClose} onClick={(e) => e.target === dialog.current && onClose()}>
      <header>
        <code>{path}</code>
        <a className="button small" href={workspaceFileUrl(path)} download={name}>
          Download
        </a>
        <button type="button" className="small" onClick={onClose} autoFocus>
          Close
        </button>
      </header>
      <img src={workspaceFileUrl(path, true)} alt={name} />
    </dialog>
  );
}

/** The pictures a tool call produced, as thumbnails under its card. */
export function PictureStrip({ paths }: { paths: string[] }) {
  if (paths.length === 0) return null;
  return (
    <div className="pictures" role="group" aria-label="Pictures">
      {paths.map((path) => (
        <WorkspaceImage key={path} path={path} />
      ))}
    </div>
  );
}
