// Bundled extension "rates": the only host it may reach is the one its manifest
// declares (Steward's egress filter refuses every other). The base URL comes
// from steward.config (a deployment may point it elsewhere, see EXCHANGE_RATES_URL).

const CODE = /^[A-Z]{3}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export async function latest(input, steward) {
  const base = currency(input.base ?? "EUR", "base");
  const symbols = (input.symbols ?? []).map((s) => currency(s, "symbol"));
  const query = new URLSearchParams({ base });
  if (symbols.length) query.set("symbols", symbols.join(","));
  const data = await get(steward, `${day(input.date)}?${query}`);
  return { base: data.base, date: data.date, rates: data.rates };
}

export async function convert(input, steward) {
  if (typeof input.amount !== "number" || !Number.isFinite(input.amount)) throw new Error("amount must be a number");
  const from = currency(input.from, "from");
  const to = currency(input.to, "to");
  if (from === to) return { amount: input.amount, from, to, rate: 1, result: input.amount, date: null };
  const data = await get(steward, `${day(input.date)}?${new URLSearchParams({ base: from, symbols: to })}`);
  const rate = data.rates?.[to];
  if (typeof rate !== "number") throw new Error(`no rate from ${from} to ${to}`);
  return { amount: input.amount, from, to, rate, result: Math.round(input.amount * rate * 10000) / 10000, date: data.date };
}

function currency(value, what) {
  const code = String(value ?? "")
    .trim()
    .toUpperCase();
  if (!CODE.test(code)) throw new Error(`${what} must be a three-letter currency code, got ${JSON.stringify(value)}`);
  return code;
}

function day(date) {
  if (date === undefined) return "latest";
  if (!DATE.test(date)) throw new Error("date must be YYYY-MM-DD");
  return date;
}

async function get(steward, path) {
  const base = steward.config.baseUrl.replace(/\/+$/, "");
  const response = await fetch(`${base}/${path}`, { headers: { accept: "application/json" } });
  const text = await response.text();
  if (!response.ok) throw new Error(`the rates service answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}
