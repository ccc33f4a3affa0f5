import { KEY_OPERATIONS } from "./key-operations.ts";
import type { Operation } from "./operation.ts";
import { REPORT_OPERATIONS } from "./report-operations.ts";
import { TENANT_OPERATIONS } from "./tenant-operations.ts";
import { WORKSPACE_OPERATIONS } from "./workspace-operations.ts";

/** Every operation of the operator API, in the order the OpenAPI document lists them. */
export const OPERATIONS: readonly Operation[] = [
  ...TENANT_OPERATIONS,
  ...KEY_OPERATIONS,
  ...WORKSPACE_OPERATIONS,
  ...REPORT_OPERATIONS,
];
