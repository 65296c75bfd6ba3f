import { useCallback, useEffect, useRef, useState } from "react";
import type { ChangeEvent } from "react";
import { MAX_UPLOAD_BYTES, formatBytes } from "../shared/views";
import type { FileContent, FileEntry, FileListing } from "../shared/views";
import type { Directory } from "./directory";
import { highlight, languageOfPath } from "./markdown";
import { Markdown } from "./markdown-view";
import { errorText } from "../shared/error-text";
import type { Link } from "./status";
import { Problem } from "./problem";
import { toBase64 } from "../shared/bytes";

const ROOT = "/workspace";

interface FilesViewProps {
  directory: Directory;
  link: Link;
  /** Relative to /workspace (from the URL hash). */
  path: string | null;
  /** Takes an absolute path. */
  onOpen: (path: string | null) => void;
}

/** The agent's workspace: a tree, a viewer, download and upload. Refetches whenever the Assistant bumps workspaceVersion. */
export function FilesView({ directory, link, path, onOpen }: FilesViewProps) {
  const version = directory.state?.workspaceVersion ?? 0;
  const [listing, setListing] = useState<FileListing | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const selected = path ? `${ROOT}/${path.replace(/^\/+/, "")}` : null;

  useEffect(() => {
    if (link !== "open") return;
    let cancelled = false;
    directory
      .call("listFiles", [])
      .then((result) => {
        if (cancelled) return;
        setListing(result);
        setProblem(null);
      })
      .catch((error: unknown) => !cancelled && setProblem(`Could not list files: ${errorText(error)}`));
    return () => {
      cancelled = true;
    };
  }, [directory, link, version]);

  const selectedEntry = listing?.entries.find((e) => e.path === selected);
  const uploadFolder = selectedEntry?.type === "dir" ? selectedEntry.path : selected ? selected.slice(0, selected.lastIndexOf("/")) || ROOT : ROOT;

  return (
    <section className="files" aria-label="Workspace files">
      <div className="files-tree">
        <div className="files-toolbar">
          <h2>Workspace</h2>
          <Upload directory={directory} folder={uploadFolder} onUploaded={(entry) => onOpen(entry.path)} />
        </div>
        <Problem text={problem} />
        {listing === null ? (
          <p className="muted" role="status">
            Loading files…
          </p>
        ) : listing.entries.length === 0 ? (
          <p className="muted">The workspace is empty. Ask the agent to write something, or upload a file.</p>
        ) : (
          <Tree entries={listing.entries} selected={selected} onOpen={onOpen} />
        )}
        {listing?.truncated && <p className="muted">Only the first {listing.entries.length} entries are shown.</p>}
      </div>
      <div className="files-viewer">
        {selected && selectedEntry?.type !== "dir" ? (
          <Viewer directory={directory} path={selected} version={version} />
        ) : (
          <p className="muted placeholder">Choose a file to view it.</p>
        )}
      </div>
    </section>
  );
}

interface Node {
  entry: FileEntry;
  children: Node[];
}

function buildTree(entries: FileEntry[]): Node[] {
  const roots: Node[] = [];
  const byPath = new Map<string, Node>();
  for (const entry of entries) {
    const node: Node = { entry, children: [] };
    byPath.set(entry.path, node);
    const parent = byPath.get(entry.path.slice(0, entry.path.lastIndexOf("/")));
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

function Tree({ entries, selected, onOpen }: { entries: FileEntry[]; selected: string | null; onOpen: (path: string) => void }) {
  return (
    <ul className="tree" aria-label="Files">
      {buildTree(entries).map((node) => (
        <TreeNode key={node.entry.path} node={node} selected={selected} onOpen={onOpen} />
      ))}
    </ul>
  );
}

function TreeNode({ node, selected, onOpen }: { node: Node; selected: string | null; onOpen: (path: string) => void }) {
  const name = node.entry.path.slice(node.entry.path.lastIndexOf("/") + 1);
  if (node.entry.type === "dir") {
    // Hidden folders (.agents/skills) start closed; the open file's folders start open.
    const holdsSelection = selected?.startsWith(`${node.entry.path}/`) ?? false;
    return (
      <li>
        <details open={holdsSelection || !name.startsWith(".")}>
          <summary className="tree-dir">{name}/</summary>
          <ul>
            {node.children.map((child) => (
              <TreeNode key={child.entry.path} node={child} selected={selected} onOpen={onOpen} />
            ))}
          </ul>
        </details>
      </li>
    );
  }
  return (
    <li>
      <button
        type="button"
        className="tree-file"
        aria-current={selected === node.entry.path ? "true" : undefined}
        data-path={node.entry.path}
        onClick={() => onOpen(node.entry.path)}
      >
        <span>{name}</span>
        <span className="muted tree-size">{formatBytes(node.entry.size)}</span>
      </button>
    </li>
  );
}

function Viewer({ directory, path, version }: { directory: Directory; path: string; version: number }) {
  const [file, setFile] = useState<FileContent | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [asSource, setAsSource] = useState(false);

  useEffect(() => {
    let cancelled = false;
    setProblem(null);
    directory
      .call("readFile", [path])
      .then((content) => !cancelled && setFile(content))
      .catch((error: unknown) => {
        if (cancelled) return;
        setFile(null);
        setProblem(errorText(error));
      });
    return () => {
      cancelled = true;
    };
  }, [directory, path, version]);

  const download = `/api/files?path=${encodeURIComponent(path)}`;
  return (
    <article className="viewer" aria-label={`File ${path}`}>
      <header className="viewer-head">
        <h3>
          <code>{path}</code>
        </h3>
        {file && <span className="muted">{formatBytes(file.size)}</span>}
        {file?.mediaType === "text/markdown" && (
          <button type="button" className="small" aria-pressed={asSource} onClick={() => setAsSource((v) => !v)}>
            {asSource ? "Rendered" : "Source"}
          </button>
        )}
        <a className="button small" href={download} download>
          Download
        </a>
      </header>
      <Problem text={problem} />
      {file && file.path === path && <Content file={file} asSource={asSource} />}
    </article>
  );
}

function Content({ file, asSource }: { file: FileContent; asSource: boolean }) {
  if (file.encoding === "base64") {
    return <img className="viewer-image" alt={file.path} src={`data:${file.mediaType};base64,${file.content}`} />;
  }
  if (file.mediaType === "text/markdown" && !asSource) return <Markdown text={file.content} className="markdown viewer-markdown" />;
  // biome-ignore lint/security/noDangerouslySetInnerHtml: highlight.js output escapes the file text (src/web/markdown.ts highlight)
  return <pre className="viewer-text" dangerouslySetInnerHTML={{ __html: highlight(file.content, languageOfPath(file.path)) }} />;
}

function Upload({ directory, folder, onUploaded }: { directory: Directory; folder: string; onUploaded: (entry: FileEntry) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<{ busy: boolean; message: string | null; failed: boolean }>({ busy: false, message: null, failed: false });

  const onChange = useCallback(
    async (event: ChangeEvent<HTMLInputElement>) => {
      const file = event.target.files?.[0];
      event.target.value = "";
      if (!file) return;
      if (file.size > MAX_UPLOAD_BYTES) {
        setState({ busy: false, failed: true, message: `${file.name} is ${formatBytes(file.size)}; uploads are limited to ${formatBytes(MAX_UPLOAD_BYTES)}.` });
        return;
      }
      setState({ busy: true, failed: false, message: `Uploading ${file.name}…` });
      try {
        const base64 = toBase64(new Uint8Array(await file.arrayBuffer()));
        const entry = await directory.call("uploadFile", [`${folder}/${file.name}`, base64]);
        setState({ busy: false, failed: false, message: `Uploaded ${entry.path}` });
        onUploaded(entry);
      } catch (error) {
        setState({ busy: false, failed: true, message: `Upload failed: ${errorText(error)}` });
      }
    },
    [directory, folder, onUploaded]
  );

  return (
    <div className="upload">
      {/* The input stays focusable (hidden visually, not from the keyboard); the label is its name and its look. */}
      <input id="upload-input" ref={input} className="visually-hidden" type="file" disabled={state.busy} onChange={(e) => void onChange(e)} />
      <label className="button small" htmlFor="upload-input">
        Upload to {folder.replace(/^\/workspace/, "") || "/"}
      </label>
      {state.message && (
        <p className={state.failed ? "problem" : "muted"} role={state.failed ? "alert" : "status"}>
          {state.message}
        </p>
      )}
    </div>
  );
}
