import {
  createOperator,
  listOperatorAudit,
  listOperators,
  resolveOperatorId,
  revokeOperator,
  type OperatorView,
} from "../../src/control/operators.ts";
import type { CreateOperatorInput } from "../../src/control/schemas.ts";
import { numberOption, optional, required, type Command } from "./command.ts";
import { fields, minute, table, when, type Output } from "./output.ts";

function operatorOutput(o: OperatorView): Output {
  return {
    json: { operator: o },
    human: fields([
      ["token id", o.id],
      ["name", o.name],
      ["role", o.role],
      ["status", o.status],
      ["created", when(o.createdAt)],
      ["last used", minute(o.lastUsedAt)],
      ["revoked", when(o.revokedAt)],
    ]),
  };
}

/** The `operator ...` commands: tokens of the operator API (/admin/api/v1) and its audit log. */
export const OPERATOR_COMMANDS: Command[] = [
  {
    words: ["operator", "create"],
    args: [],
    options: { name: { type: "string" }, role: { type: "string" } },
    summary: "create an operator token for the operator API (/admin/api/v1)",
    synopsis: "--name <name> --role admin|viewer",
    details: `Prints the token once: only its hash is stored. Operator tokens are not tenant credentials: they work only
under /admin/api/v1, and tenant API keys and OAuth tokens never work there.

  --name <name>         who or what holds it (a person, "billing-webhook"); shown in the operator audit log
  --role <role>         admin: everything the API offers; viewer: reads only (every change gets 403)
JSON: {"operator": {...}, "token": "tmop_..."}`,
    async run(deps, _args, values) {
      const { operator, token } = await createOperator(deps, {
        name: required(values, "name"),
        // Any text: the service checks it, in the message every adapter shares.
        role: required(values, "role") as CreateOperatorInput["role"],
      });
      return {
        json: { operator, token },
        human: `${fields([
          ["token id", operator.id],
          ["name", operator.name],
          ["role", operator.role],
          ["token", token],
        ])}\n\nThe token is shown only now: store it.`,
      };
    },
  },
  {
    words: ["operator", "list"],
    args: [],
    options: {},
    summary: "list operator tokens (never the secrets)",
    synopsis: "",
    details: `JSON: {"operators": [{"id", "name", "role", "status", "createdAt", "lastUsedAt", "revokedAt"}]}`,
    async run(deps) {
      const operators = await listOperators(deps);
      const rows = operators.map((o) => [o.id, o.name, o.role, o.status, when(o.createdAt), minute(o.lastUsedAt)]);
      return {
        json: { operators },
        human: operators.length
          ? table(["id", "name", "role", "status", "created", "last used"], rows)
          : "no operator tokens",
      };
    },
  },
  {
    words: ["operator", "revoke"],
    args: ["token id"],
    options: {},
    summary: "revoke an operator token now",
    synopsis: "<token id>",
    details: `Its next request gets 401. <token id> is the part between "tmop_" and the second "_", as \`operator list\`
shows it; the whole token works too (only its id is used, and the secret is never printed).
JSON: {"operator": {...}}`,
    async run(deps, [id]) {
      return operatorOutput(await revokeOperator(deps, resolveOperatorId(id as string)));
    },
  },
  {
    words: ["operator", "audit"],
    args: [],
    options: { tenant: { type: "string" }, limit: { type: "string" }, cursor: { type: "string" } },
    summary: "the operator audit log: who changed what, newest first",
    synopsis: "[--tenant <slug>] [--limit <50>] [--cursor <id>]",
    details: `Every change made through the operator API (also refused or failed ones, with their status) and with this CLI
(as cli:<user>, from USER).

  --tenant <slug>       only entries about this tenant
  --limit <n>           entries per page, 1 to 500 (default 50)
  --cursor <id>         the page after the one that printed this cursor
JSON: {"entries": [{"id", "at", "operatorId", "operatorName", "operatorRole", "action", "tenantSlug", "tenantId",
"target", "requestId", "status", "detail"}], "nextCursor"}`,
    async run(deps, _args, values) {
      const page = await listOperatorAudit(deps, {
        tenant: optional(values, "tenant"),
        limit: numberOption(values, "limit"),
        cursor: numberOption(values, "cursor"),
      });
      const rows = page.entries.map((e) => [
        when(e.at),
        e.operatorName,
        e.action,
        e.tenantSlug ?? "-",
        e.target ?? "-",
        String(e.status),
        e.requestId ?? "-",
      ]);
      const body = rows.length
        ? table(["at", "operator", "action", "tenant", "target", "status", "request id"], rows)
        : "no entries";
      const more = page.nextCursor ? `\n\nolder entries: --cursor ${page.nextCursor}` : "";
      return { json: page, human: `${body}${more}` };
    },
  },
];
