// Bundled extension "tabular": runs in its own Dynamic Worker with no network.
// Each export is one tool: (input, steward) => JSON-able value. steward.workspace
// reads and writes workspace files as the manifest allows ("read-write").

const MAX_ROWS = 100000;

export async function summarise({ path }, steward) {
  const { columns, rows } = await load(path, steward);
  return {
    path,
    rows: rows.length,
    columns: columns.map((name) =>
      describeColumn(
        name,
        rows.map((r) => r[name])
      )
    )
  };
}

export async function filter(input, steward) {
  const { columns, rows } = await load(input.path, steward);
  const where = input.where ?? [];
  for (const c of where) if (!columns.includes(c.column)) throw new Error(`no column "${c.column}"; columns: ${columns.join(", ")}`);
  let matched = rows.filter((row) => where.every((c) => holds(row[c.column], c.op, c.value)));
  if (input.sortBy) {
    if (!columns.includes(input.sortBy)) throw new Error(`no column "${input.sortBy}" to sort by`);
    const key = input.sortBy;
    matched = [...matched].sort((a, b) => compare(a[key], b[key]) * (input.descending ? -1 : 1));
  }
  const keep = input.columns?.length ? input.columns : columns;
  for (const c of keep) if (!columns.includes(c)) throw new Error(`no column "${c}"; columns: ${columns.join(", ")}`);
  const projected = matched.map((row) => Object.fromEntries(keep.map((c) => [c, row[c]])));
  let written = null;
  if (input.output) {
    const text = input.output.endsWith(".json") ? JSON.stringify(projected, null, 2) : toCsv(keep, projected);
    await steward.workspace.write(input.output, text);
    written = input.output;
  }
  const limit = Math.min(Math.max(1, input.limit ?? 50), 1000);
  return { matched: matched.length, rows: projected.slice(0, limit), truncated: projected.length > limit, written };
}

export async function chart(input, steward) {
  const { columns, rows } = await load(input.path, steward);
  for (const c of [input.x, input.y]) if (!columns.includes(c)) throw new Error(`no column "${c}"; columns: ${columns.join(", ")}`);
  if (!input.output.endsWith(".svg")) throw new Error("output must be an .svg file");
  const points = rows
    .map((r) => ({ label: String(r[input.x] ?? ""), value: toNumber(r[input.y]) }))
    .filter((p) => p.value !== null)
    .slice(0, 200);
  if (points.length === 0) throw new Error(`column "${input.y}" has no numbers to plot`);
  const svg = drawChart(points, input.kind === "line" ? "line" : "bar", input.title ?? `${input.y} by ${input.x}`);
  await steward.workspace.write(input.output, svg);
  return { written: input.output, points: points.length, bytes: svg.length };
}

// ── Reading tables ──

async function load(path, steward) {
  if (typeof path !== "string" || !path) throw new Error("path is required");
  const text = await steward.workspace.read(path);
  if (text === null) throw new Error(`no such file: ${path}`);
  const table = path.endsWith(".json") ? fromJson(text) : fromCsv(text);
  if (table.rows.length > MAX_ROWS) throw new Error(`the table has more than ${MAX_ROWS} rows`);
  return table;
}

function fromJson(text) {
  const data = JSON.parse(text);
  const rows = Array.isArray(data) ? data : Array.isArray(data?.rows) ? data.rows : null;
  if (!rows || rows.some((r) => typeof r !== "object" || r === null || Array.isArray(r))) {
    throw new Error("a JSON table must be an array of objects (or { rows: [...] })");
  }
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return { columns, rows };
}

/** RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes. */
function fromCsv(text) {
  const records = [];
  let field = "";
  let record = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      field = "";
      if (record.length > 1 || record[0] !== "") records.push(record);
      record = [];
    } else field += ch;
  }
  if (field !== "" || record.length) {
    record.push(field);
    records.push(record);
  }
  const [header, ...body] = records;
  if (!header) throw new Error("the CSV file is empty");
  const columns = header.map((h) => h.trim());
  const rows = body.map((cells) => Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ""])));
  return { columns, rows };
}

// ── Describing and comparing ──

function toNumber(value) {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string" || value.trim() === "") return null;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : null;
}

function isEmpty(value) {
  return value === undefined || value === null || value === "";
}

function describeColumn(name, values) {
  const present = values.filter((v) => !isEmpty(v));
  const numbers = present.map(toNumber).filter((n) => n !== null);
  const empty = values.length - present.length;
  if (present.length > 0 && numbers.length === present.length) {
    const sum = numbers.reduce((a, b) => a + b, 0);
    return { name, type: "number", empty, min: Math.min(...numbers), max: Math.max(...numbers), mean: round(sum / numbers.length), sum: round(sum) };
  }
  const counts = new Map();
  for (const v of present) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([value, count]) => ({ value, count }));
  return { name, type: "text", empty, distinct: counts.size, top };
}

function round(n) {
  return Math.round(n * 1000) / 1000;
}

function compare(a, b) {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x !== null && y !== null) return x - y;
  return String(a ?? "").localeCompare(String(b ?? ""));
}

function holds(cell, op, value) {
  if (op === "contains")
    return String(cell ?? "")
      .toLowerCase()
      .includes(String(value).toLowerCase());
  const c = compare(cell, value);
  switch (op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    default:
      throw new Error(`unknown operator "${op}"; use =, !=, >, >=, <, <= or contains`);
  }
}

function toCsv(columns, rows) {
  const cell = (v) => {
    const s = v === undefined || v === null ? "" : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.map(cell).join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}

// ── Drawing ──

function escapeXml(s) {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]);
}

function drawChart(points, kind, title) {
  const width = 640;
  const height = 360;
  const pad = { top: 40, right: 20, bottom: 70, left: 60 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(0, ...points.map((p) => p.value));
  const min = Math.min(0, ...points.map((p) => p.value));
  const span = max - min || 1;
  const y = (v) => pad.top + plotH - ((v - min) / span) * plotH;
  const step = plotW / points.length;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    `<line x1="${pad.left}" y1="${y(0)}" x2="${width - pad.right}" y2="${y(0)}" stroke="#333"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${pad.top + plotH}" stroke="#333"/>`
  ];
  for (let i = 0; i <= 4; i++) {
    const v = min + (span * i) / 4;
    parts.push(`<text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end">${round(v)}</text>`);
  }
  const labelEvery = Math.ceil(points.length / 20);
  points.forEach((p, i) => {
    const cx = pad.left + step * i + step / 2;
    if (kind === "bar") {
      const top = Math.min(y(p.value), y(0));
      parts.push(
        `<rect x="${cx - step * 0.35}" y="${top}" width="${step * 0.7}" height="${Math.abs(y(p.value) - y(0))}" fill="#3b82f6"><title>${escapeXml(p.label)}: ${p.value}</title></rect>`
      );
    }
    if (i % labelEvery === 0) {
      parts.push(
        `<text x="${cx}" y="${pad.top + plotH + 14}" text-anchor="end" transform="rotate(-40 ${cx} ${pad.top + plotH + 14})">${escapeXml(p.label.slice(0, 16))}</text>`
      );
    }
  });
  if (kind === "line") {
    const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${pad.left + step * i + step / 2},${y(p.value)}`).join(" ");
    parts.push(`<path d="${path}" fill="none" stroke="#3b82f6" stroke-width="2"/>`);
  }
  parts.push("</svg>");
  return parts.join("\n");
}
