/**
 * `npm run admin -- <command>`: tenant administration (tenants, API keys, workspaces, usage) over the Worker's own client
 * libraries. The commands live in scripts/admin/, the operations in src/control/. `--help` lists everything.
 */
import { runAdmin } from "./admin/cli.ts";

const code = await runAdmin(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
});
// Exit explicitly: idle keep-alive sockets of the HTTP clients must not hold the process open.
process.exitCode = code;
process.exit();
