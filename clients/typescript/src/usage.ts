// What a payroll vendor's or a unit's front end writes against the
// generated types: `npm run check` regenerates src/schema.d.ts from
// ../../openapi.yaml and type-checks this file, so a spec change that would
// break such a client (a renamed field, a path gone, a looser type) fails
// the build (make ts-client, run by .ci/run).
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Problem = components["schemas"]["ProblemDoc"];
type ErrorCode = components["schemas"]["ErrorCode"];
type OrderSummary = components["schemas"]["OrderSummaryDto"];

export function client(baseUrl: string, token: string) {
  return createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${token}` },
  });
}

/** Signs payroll software in with its API key. */
export async function signIn(baseUrl: string, apiKey: string): Promise<string> {
  const anon = createClient<paths>({ baseUrl });
  const { data, error } = await anon.POST("/api/v1/auth/api-key-tokens", {
    body: { api_key: apiKey },
  });
  if (error) throw new Error(describe(error as Problem));
  const seconds: number = data.expires_in;
  void seconds;
  return data.access_token;
}

/** A problem as a unit agent reads it: the Chinese detail, then each field. */
export function describe(p: Problem): string {
  const code: ErrorCode = p.code;
  const fields = (p.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  return [`${p.detail}（${code}）`, ...fields].join("\n");
}

/** Enrols an employee once, even when the request is retried. */
export async function enrol(api: ReturnType<typeof client>, key: string) {
  const { data, error, response } = await api.POST("/api/v1/portal/employees", {
    params: { header: { "Idempotency-Key": key } },
    body: {
      id_type: "resident",
      id_number: "420500199001010012",
      name: "张三",
      phone: "13807171234",
      address: "湖北省宜昌市西陵区",
      first_work_date: "2010-07-01",
      start_date: "2023-04-01",
      insurances: ["110", "210", "410"],
      monthly_wage: "5000",
    },
  });
  if (error) throw new Error(describe(error as Problem));
  const replayed = response.headers.get("Idempotent-Replayed") === "true";
  const personNo: string = data.person.person_no;
  return { personNo, replayed, location: response.headers.get("Location") };
}

/** Issues the month's order and pages through the unit's live orders. */
export async function bill(api: ReturnType<typeof client>): Promise<OrderSummary[]> {
  const issued = await api.POST("/api/v1/portal/orders", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
  });
  if (issued.error) {
    const p = issued.error as Problem;
    if (p.code !== "NOTHING_TO_BILL") throw new Error(describe(p));
  }
  const out: OrderSummary[] = [];
  for (let page = 1; ; page++) {
    const { data, error } = await api.GET("/api/v1/portal/orders", {
      params: { query: { status: "live", page, page_size: 50 } },
    });
    if (error) throw new Error(describe(error as Problem));
    out.push(...data.items);
    if (out.length >= data.total) return out;
  }
}

/** An order's lines, a page at a time, with the totals it carries. */
export async function lines(api: ReturnType<typeof client>, orderNo: string) {
  const order = await api.GET("/api/v1/portal/orders/{order_no}", {
    params: { path: { order_no: orderNo } },
  });
  if (order.error) throw new Error(describe(order.error as Problem));
  const total: string = order.data.totals.total;
  const page = await api.GET("/api/v1/portal/orders/{order_no}/lines", {
    params: { path: { order_no: orderNo }, query: { page: 1, page_size: 200 } },
  });
  if (page.error) throw new Error(describe(page.error as Problem));
  // The same operation answers text/csv when asked (Accept); JSON here.
  if (typeof page.data === "string") throw new Error("expected JSON");
  const first = page.data.items[0];
  const base: string | undefined = first?.base;
  return { total, base, lines: page.data.items, due: order.data.due_date };
}

/** Follows the unit's event feed from a stored cursor; returns the new one. */
export async function follow(
  api: ReturnType<typeof client>,
  after: number,
  onPaid: (orderNo: string) => void,
): Promise<number> {
  for (;;) {
    const { data, error } = await api.GET("/api/v1/portal/events", {
      params: { query: { after, limit: 500 } },
    });
    if (error) throw new Error(describe(error as Problem));
    for (const e of data.events) {
      const type: components["schemas"]["UnitEventType"] = e.type;
      if (type === "order.paid") onPaid(String(e.data["order_no"]));
    }
    after = data.next_after;
    if (!data.has_more) return after;
  }
}

/**
 * Registers the payroll system's receiver for paid orders (the secret is
 * shown only here) and lists the deliveries that were given up on.
 */
export async function subscribe(api: ReturnType<typeof client>, url: string) {
  const created = await api.POST("/api/v1/portal/webhooks", {
    body: { url, event_types: ["order.paid"], description: "薪资系统" },
  });
  if (created.error) throw new Error(describe(created.error as Problem));
  const secret: string = created.data.secret;
  const id: number = created.data.id;
  const dead = await api.GET("/api/v1/portal/webhooks/{id}/deliveries", {
    params: { path: { id }, query: { state: "dead", page: 1, page_size: 50 } },
  });
  if (dead.error) throw new Error(describe(dead.error as Problem));
  const lost: string[] = dead.data.items.map((d) => d.event_id);
  return { secret, id, lost };
}

/** The unit's declared months, with one totals shape (as on orders). */
export async function declaredMonths(api: ReturnType<typeof client>) {
  const { data, error } = await api.GET("/api/v1/portal/declarations", {
    params: { query: { page: 1, page_size: 12 } },
  });
  if (error) throw new Error(describe(error as Problem));
  return data.items.map((d) => {
    const kind: "regular" | "back_pay" = d.kind;
    const totals: components["schemas"]["LineTotals"] = d.totals;
    return { period: d.period, kind, unit: totals.unit, total: totals.total };
  });
}

/** Stops an employee's unemployment insurance from a given day (单位职工减少险种). */
export async function stopUnemployment(
  api: ReturnType<typeof client>,
  personNo: string,
  stopDate: string,
) {
  const { data, error } = await api.POST(
    "/api/v1/portal/employees/{person_no}/insurances/{code}/suspension",
    {
      params: { path: { person_no: personNo, code: "210" } },
      body: { stop_date: stopDate, reason: "单位职工减少险种" },
    },
  );
  if (error) throw new Error(describe(error as Problem));
  return data.first_stopped_period;
}

/** 基本养老金计算: an employee's pension at the statutory month, part by part. */
export async function pensionEstimate(api: ReturnType<typeof client>, personNo: string) {
  const { data, error } = await api.GET("/api/v1/portal/employees/{person_no}/pension-estimate", {
    params: { path: { person_no: personNo }, query: {} },
  });
  if (error) throw new Error(describe(error as Problem));
  const p = data.calculation.pension;
  const parts: [string, string, string][] = [p.basic, p.account, p.transitional].map((x) => [
    x.name,
    x.amount,
    x.formula,
  ]);
  const category: "man" | "woman_cadre" | "woman_worker" = data.category;
  return {
    month: data.window.statutory_month,
    category,
    total: p.total,
    capitals: p.total_in_capitals,
    met: data.calculation.minimum.met,
    parts,
  };
}

/** 职工正常退休(职)申请, then its progress (退休审批进度查询). */
export async function applyForRetirement(
  api: ReturnType<typeof client>,
  personNo: string,
  materialId: number,
) {
  const created = await api.POST("/api/v1/portal/retirement-applications", {
    body: { person_no: personNo, kind: "normal", material_ids: [materialId] },
  });
  if (created.error) throw new Error(describe(created.error as Problem));
  const progress = await api.GET("/api/v1/portal/retirement-applications/{id}", {
    params: { path: { id: created.data.id } },
  });
  if (progress.error) throw new Error(describe(progress.error as Problem));
  const status: "pending_review" | "approved" | "rejected" = progress.data.status;
  return { status, steps: progress.data.timeline.map((s) => [s.event, s.at]) };
}
