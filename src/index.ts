import { app } from "./app.ts";
import { handleScheduled } from "./scheduled.ts";

// The durable engine of MCP tasks (wrangler.toml [[workflows]] class_name), exported from the Worker's entry.
export { TaskWorkflow } from "./tasks/workflow.ts";

/**
 * The Worker: every request goes through the one app (src/app.ts), its routes and its error boundary; the Cron
 * Trigger runs the background jobs (src/scheduled.ts).
 */
export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext): Promise<Response> =>
    Promise.resolve(app.fetch(request, env, ctx)),
  scheduled: (controller: ScheduledController, env: Env): Promise<void> => handleScheduled(controller, env),
} satisfies ExportedHandler<Env>;
