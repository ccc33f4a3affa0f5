import { describe, expect, it } from "vitest";
import { describeFailure } from "../../scripts/admin/errors.ts";
import { ControlError, reasonOf } from "../../src/control/errors.ts";
import { parseFeatureChanges } from "../../src/control/features.ts";
import { resolveKeyId } from "../../src/control/keys.ts";
import { createKeyInput, createTenantInput, parseInput, updateTenantInput } from "../../src/control/schemas.ts";
import { checkLabel } from "../../src/control/text.ts";
import { checkWorkspaceName } from "../../src/control/workspaces.ts";

/** The ControlError `run` throws; fails the test when it throws anything else or nothing. */
function thrown(run: () => unknown): ControlError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ControlError);
    return err as ControlError;
  }
  throw new Error("expected a ControlError");
}

describe("control-plane errors", () => {
  it("name the input field, not a command-line flag, and the CLI maps the field back to its flag", () => {
    const err = thrown(() => checkLabel("a\nb", "keyName"));
    expect(err).toMatchObject({ kind: "invalid", field: "keyName" });
    expect(err.message).toBe("keyName must not contain control characters (such as newlines or escape sequences)");
    expect(describeFailure(err)).toEqual({
      message: "--key-name must not contain control characters (such as newlines or escape sequences)",
      exitCode: 2,
    });
  });

  it("render every field a message mentions, also inside it", () => {
    const err = thrown(() => parseFeatureChanges("conformance_fixtures"));
    expect(err.message).toBe(
      "conformance_fixtures is for the conformance suite only; add allowTestFeatures to give it to a tenant anyway",
    );
    expect(describeFailure(err).message).toBe(
      "conformance_fixtures is for the conformance suite only; add --allow-test-features to give it to a tenant anyway",
    );
    const key = thrown(() => resolveKeyId("not a key"));
    expect(key).toMatchObject({ kind: "invalid", field: "keyId" });
    expect(describeFailure(key).message).toMatch(/^<key id> must be a key id/);
    expect(thrown(() => checkWorkspaceName("")).field).toBe("name");
  });

  it("accept output_schemas like any customer feature, in the CLI's syntax and the operator API's", () => {
    expect(parseFeatureChanges("+output_schemas")).toMatchObject({ add: ["output_schemas"], remove: [] });
    expect(parseInput(updateTenantInput, { features: { add: ["output_schemas"] } }).features?.add).toEqual([
      "output_schemas",
    ]);
  });

  it("exit with 1 for every kind but invalid", () => {
    for (const kind of ["not_found", "conflict", "unavailable"] as const) {
      expect(describeFailure(new ControlError(kind, `no tenant with slug "x"`, { field: "slug" }))).toEqual({
        message: `no tenant with slug "x"`,
        exitCode: 1,
      });
    }
  });

  it("keep the transport reason a few causes deep", () => {
    const err = new ControlError(
      "unavailable",
      `cannot reach the database: ${reasonOf(new Error("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:4444") }))}`,
    );
    expect(err.message).toBe("cannot reach the database: fetch failed: connect ECONNREFUSED 127.0.0.1:4444");
  });
});

describe("control-plane input schemas", () => {
  it("report the first problem in field order, led by the field", () => {
    const err = thrown(() => parseInput(createTenantInput, { slug: "A", plan: "x", name: "" }));
    expect(err).toMatchObject({ kind: "invalid", field: "slug" });
    expect(err.message).toBe(
      `slug must be 2-63 characters of a-z, 0-9 and "-", starting with a letter or digit, got "A"`,
    );
    expect(describeFailure(err).message).toMatch(/^--slug must be 2-63 characters/);
    expect(thrown(() => parseInput(createTenantInput, { slug: "ab", plan: "x", name: "" })).message).toBe(
      `plan must be one of free, pro, enterprise, got "x"`,
    );
    // Emptiness before the label rules, as the CLI always said.
    expect(thrown(() => parseInput(createTenantInput, { slug: "ab", plan: "pro", name: "\n" })).message).toBe(
      "name must not be empty",
    );
  });

  it("refuse what an HTTP caller could send and the CLI never does", () => {
    expect(thrown(() => parseInput(createTenantInput, { slug: 5, plan: "pro", name: "n" })).message).toBe(
      "slug must be text",
    );
    const rate = thrown(() =>
      parseInput(createTenantInput, { slug: "ab", plan: "pro", name: "n", rateLimitPerMinute: 1.5 }),
    );
    expect(describeFailure(rate).message).toBe(
      `--rate-limit must be a positive whole number (1 to 2147483647), got "1.5"`,
    );
    const features = thrown(() =>
      parseInput(createTenantInput, { slug: "ab", plan: "pro", name: "n", features: { add: ["nope"], remove: [] } }),
    );
    expect(features.field).toBe("features");
    expect(thrown(() => parseInput(updateTenantInput, { plan: 3 })).field).toBe("plan");
    expect(thrown(() => parseInput(createKeyInput, { name: "tmcp_abc_secretsecret" })).message).toBe(
      "name must not contain an API key: it would be stored and shown in clear",
    );
  });
});
