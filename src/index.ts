import { app } from "./app.ts";
import { handleScheduled } from "./scheduled.ts";

/**
 * The Worker: every request goes through the one app (src/app.ts), its routes and its error boundary; the Cron
 * Trigger runs the background jobs (src/scheduled.ts).
 */
export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext): Promise<Response> =>
    Promise.resolve(app.fetch(request, env, ctx)),
  scheduled: (controller: ScheduledController, env: Env): Promise<void> => handleScheduled(controller, env),
} satisfies ExportedHandler<Env>;
