import { app } from "./app.ts";

/** The Worker: every request goes through the one app (src/app.ts), its routes and its error boundary. */
export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext): Promise<Response> =>
    Promise.resolve(app.fetch(request, env, ctx)),
} satisfies ExportedHandler<Env>;
