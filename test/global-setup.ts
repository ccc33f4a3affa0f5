import type { TestProject } from "vitest/node";
export default async function setup(project: TestProject) {
  project.provide("hello" as never, "world" as never);
  return async () => {};
}
