/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1, made with the `openssl` command line, so
 * a test can serve HTTPS on the loopback address to the Worker under `wrangler dev`. The OAuth library fetches Client
 * ID Metadata Documents only from `https:` URLs; the local runtime trusts the CA when `wrangler dev` runs with
 * `NODE_EXTRA_CA_CERTS` naming its file (miniflare adds those certificates to the outbound network's trust list).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** PEM files and texts of one local TLS setup. */
export interface LocalTls {
  /** The temporary directory holding the files (the caller removes it). */
  dir: string;
  /** Path of the CA certificate (what `NODE_EXTRA_CA_CERTS` names). */
  caFile: string;
  /** The server certificate (subjectAltName IP:127.0.0.1), PEM. */
  cert: string;
  /** Its private key, PEM. */
  key: string;
}

/** Makes a CA valid for two days and a certificate for 127.0.0.1 signed by it, in a new temporary directory. */
export async function makeLocalTls(): Promise<LocalTls> {
  const dir = await mkdtemp(join(tmpdir(), "tmcp-tls-"));
  const f = (name: string): string => join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await run("openssl", [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=tenant-mcp e2e CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await run("openssl", ["req", ...ec, "-keyout", f("leaf.key"), "-out", f("leaf.csr"), "-subj", "/CN=127.0.0.1"]);
  await writeFile(
    f("leaf.ext"),
    "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n",
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    f("leaf.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    f("leaf.ext"),
    "-out",
    f("leaf.pem"),
  ]);
  return {
    dir,
    caFile: f("ca.pem"),
    cert: await readFile(f("leaf.pem"), "utf8"),
    key: await readFile(f("leaf.key"), "utf8"),
  };
}
